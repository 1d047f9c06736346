package dev.coxswain.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.FakeOpenAi;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.metrics.Scrape;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane and trainers as separate JVMs joined over a real Hazelcast cluster on loopback:
 * the runs are listed and steered through the control plane's API, its agent steers a remote
 * trainer, a killed trainer's run is lost and comes back with {@code resume --join}, and a killed
 * control plane catches up with every event once when it is restarted.
 */
class ClusterTest {
  private static final Pattern CONTROL =
      Pattern.compile(
          "control plane on http://127\\.0\\.0\\.1:(\\d+)/, cluster on 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern TRAINING = Pattern.compile("training run (\\S+), joining");
  private static final long BEAT = 500;

  /**
   * The heartbeat of this test's processes: {@link #BEAT} where a test measures how fast a lost
   * trainer is seen; slower where four JVMs on two cores must not be taken for lost by a stall.
   */
  private long beat = BEAT;

  @TempDir Path dir;
  private final List<ServerProcess> procs = new ArrayList<>();

  @AfterEach
  void killAll() throws Exception {
    for (ServerProcess p : procs) {
      p.close();
    }
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("COXSWAIN_TOKEN", TestRuns.TOKEN);
    env.put("JAVA_TOOL_OPTIONS", "-Dai.djl.pytorch.num_threads=1 -Dvertx.disableDnsResolver=true");
    return env;
  }

  /** A control plane; returns {API port, cluster port}. */
  private int[] controlPlane(int clusterPort, Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = env();
    env.putAll(extraEnv);
    ServerProcess p =
        ServerProcess.start(
            dir.resolve("logs"),
            env,
            "server",
            "--port",
            "0",
            "--cluster-port",
            Integer.toString(clusterPort),
            "--runs",
            dir.resolve("control").toString(),
            "--heartbeat-ms",
            Long.toString(beat));
    procs.add(p);
    Matcher m = p.awaitOutput(CONTROL, 120);
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  /** What the control plane made: the directory a trainer's machine gets a copy of. */
  private Path credentials() {
    return dir.resolve("control/cluster-credentials");
  }

  private ServerProcess trainer(int clusterPort, String name, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--join",
                "127.0.0.1:" + clusterPort,
                "--cluster-credentials",
                credentials().toString(),
                "--cluster-port",
                Integer.toString(TestRuns.freePort()),
                "--heartbeat-ms",
                Long.toString(beat)));
    args.addAll(List.of(more));
    return joinProcess(name, "train", args);
  }

  private ServerProcess joinProcess(String name, String verb, List<String> args) throws Exception {
    List<String> all = new ArrayList<>(List.of(verb));
    if (verb.equals("train")) {
      all.addAll(
          List.of(
              "--config",
              TestRuns.config(dir, 1_000_000, 20).toString(),
              "--run-dir",
              dir.resolve("trainers/" + name).toString()));
    }
    all.addAll(args);
    // SIGINT at its default disposition (a background test JVM may ignore it), as a terminal's
    ServerProcess p =
        ServerProcess.startInterruptible(dir.resolve("logs"), env(), all.toArray(String[]::new));
    procs.add(p);
    return p;
  }

  private static String runId(ServerProcess trainer) throws Exception {
    return trainer.awaitOutput(TRAINING, 120).group(1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> run(TestRuns.Http http, String id) throws Exception {
    for (Object o : (List<Object>) http.json(http.get("/api/runs")).get("runs")) {
      Map<String, Object> r = (Map<String, Object>) o;
      if (id.equals(r.get("id"))) {
        return r;
      }
    }
    return null;
  }

  private static Map<String, Object> await(
      TestRuns.Http http, String id, Predicate<Map<String, Object>> p, long seconds)
      throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    Map<String, Object> r = null;
    while (System.nanoTime() < deadline) {
      r = run(http, id);
      if (r != null && p.test(r)) {
        return r;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
    }
    throw new AssertionError("run " + id + " never matched within " + seconds + " s: " + r);
  }

  private static List<Event> log(Path file) throws Exception {
    List<Event> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        out.add(Json.read(line, Event.class));
      }
    }
    return out;
  }

  /** Waits until the control plane's replica holds exactly the trainer's log, event for event. */
  private void awaitReplicaEqualsTrainer(String id, Path trainerDir, long seconds)
      throws Exception {
    Path replica = dir.resolve("control").resolve(id).resolve("replica.jsonl");
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    String why = "";
    while (System.nanoTime() < deadline) {
      List<Event> t = log(trainerDir.resolve("events.jsonl"));
      List<Event> r = Files.exists(replica) ? log(replica) : List.of();
      List<Long> rs = r.stream().map(Event::seq).toList();
      List<Long> expected = Stream.iterate(1L, i -> i + 1).limit(rs.size()).toList();
      assertEquals(expected, rs, "the replica is gap-free and holds each event once");
      if (r.size() == t.size() && t.equals(r.subList(0, t.size()))) {
        return;
      }
      why = "replica " + r.size() + " events, trainer " + t.size();
      java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
    }
    throw new AssertionError("the replica never caught up: " + why);
  }

  private static long number(Object o) {
    return ((Number) o).longValue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void twoTrainersJoinAreListedAndSteeredAndTheAgentAtTheControlPlaneSteersOne() throws Exception {
    // nothing here measures loss detection: a 1.5 s stall of one of four JVMs is not a lost run
    beat = 2000;
    try (FakeOpenAi llm = new FakeOpenAi()) {
      llm.always(FakeOpenAi.decision("halve", "the loss is noisy"));
      String key = "sk-" + "only-at-the-control-plane-51c2e0";
      int[] cp =
          controlPlane(
              TestRuns.freePort(), Map.of("OPENAI_API_KEY", key, "OPENAI_BASE_URL", llm.baseUrl()));
      TestRuns.Http http = new TestRuns.Http(cp[0]);
      ServerProcess a = trainer(cp[1], "a", "--agent", "openai", "--agent-every", "20");
      ServerProcess b = trainer(cp[1], "b");
      String idA = runId(a);
      String idB = runId(b);
      for (String id : List.of(idA, idB)) {
        await(http, id, r -> Boolean.TRUE.equals(r.get("live")) && number(r.get("step")) >= 5, 120);
      }
      // a person's command to each trainer, applied at that trainer's next step
      for (String id : List.of(idA, idB)) {
        HttpResponse<String> r =
            http.command(
                id,
                "{\"type\":\"set_knobs\",\"args\":{\"weight_decay\":0.05},\"reason\":\"test\"}");
        assertEquals(202, r.statusCode(), r.body());
        String cmd = (String) http.json(r).get("id");
        long seq = number(http.json(r).get("seq"));
        Map<String, Object> result = null;
        for (int i = 0; i < 600 && result == null; i++) {
          for (Object o :
              (List<Object>) http.json(http.get("/api/runs/" + id + "/commands")).get("commands")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (cmd.equals(((Map<String, Object>) c.get("command")).get("id"))
                && c.get("result") != null) {
              result = (Map<String, Object>) c.get("result");
            }
          }
          java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
        }
        assertTrue(result != null, "a result for " + id);
        assertEquals("applied", result.get("status"), result.toString());
        Path trainerLog = dir.resolve("trainers/" + (id.equals(idA) ? "a" : "b") + "/events.jsonl");
        Event recorded =
            log(trainerLog).stream().filter(e -> e.seq() == seq).findFirst().orElseThrow();
        assertEquals(
            EventType.COMMAND, recorded.type(), "acknowledged means on the trainer's disk");
        long applied = number(result.get("step"));
        // applied at the trainer's next control point after it had the command: the tiny test
        // model steps in ~10 ms, so the fsync of the record can span a few steps on a busy machine
        assertTrue(
            applied > recorded.step() && applied <= recorded.step() + 20,
            "applied soon after it was received (" + recorded.step() + "): " + applied);
        System.out.printf(
            "a person's command to %s: recorded at step %d, applied from step %d%n",
            id, recorded.step(), applied);
      }
      // the model lives with its trainer in another JVM: the control plane asks it over the bus
      HttpResponse<String> model = http.get("/api/runs/" + idB + "/model");
      assertEquals(200, model.statusCode(), model.body());
      assertTrue(model.body().contains("\"module\":\"block0.drop\""), model.body());
      // the agent lives at the control plane, with the key; it steers trainer a through the bus
      long deadline = System.nanoTime() + 120_000_000_000L;
      List<Event> agentResults = List.of();
      while (agentResults.isEmpty() && System.nanoTime() < deadline) {
        List<Event> t = log(dir.resolve("trainers/a/events.jsonl"));
        List<String> agentCmds =
            t.stream()
                .filter(
                    e -> e.type() == EventType.COMMAND && "agent".equals(e.payload().get("source")))
                .map(e -> String.valueOf(e.payload().get("id")))
                .toList();
        agentResults =
            t.stream()
                .filter(
                    e ->
                        e.type() == EventType.COMMAND_RESULT
                            && agentCmds.contains(String.valueOf(e.payload().get("command_id")))
                            && "applied".equals(e.payload().get("status")))
                .toList();
        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
      }
      assertFalse(agentResults.isEmpty(), "the agent's halving was applied at trainer a");
      assertFalse(llm.requests().isEmpty(), "the control plane called the model");
      assertTrue(
          log(dir.resolve("trainers/b/events.jsonl")).stream()
              .noneMatch(e -> e.type() == EventType.AGENT_DECISION),
          "b has no agent");
      // the key never travels to a trainer: not in its files, not in what it printed
      // (the trainers still run: a checkpoint's temporary folder may vanish during the walk)
      for (Map.Entry<Path, String> f : TestRuns.filesUnder(dir.resolve("trainers")).entrySet()) {
        assertFalse(f.getValue().contains(key), f.getKey().toString());
      }
      assertFalse(a.output().contains(key));
      // GET /metrics at the control plane: both runs, the agent's spending, Vert.x's bus; no key
      Scrape m = Scrape.of(http, Map.of());
      assertEquals(200, m.status());
      assertFalse(m.body().contains(key), "the key is not in the metrics");
      assertFalse(m.body().contains(TestRuns.TOKEN), "nor the token");
      for (String id : List.of(idA, idB)) {
        assertTrue(m.value("coxswain_run_step", "run", id) >= 5, id + ": " + m.body());
      }
      assertTrue(m.value("coxswain_agent_decisions_total", "run", idA) >= 1);
      assertTrue(m.value("coxswain_agent_tokens_total", "run", idA) > 0, "the model's tokens");
      assertTrue(m.find("coxswain_agent_decisions_total", "run", idB).isEmpty(), "b has no agent");
      assertTrue(m.value("vertx_eventbus_received_total", "side", "remote") > 0, "the bus");
    }
  }

  @Test
  void aKilledTrainerIsLostAndResumeBringsItBackWithTheReplicaGapFree() throws Exception {
    int[] cp = controlPlane(TestRuns.freePort(), Map.of());
    TestRuns.Http http = new TestRuns.Http(cp[0]);
    ServerProcess a = trainer(cp[1], "a");
    String id = runId(a);
    await(http, id, r -> number(r.get("step")) >= 30, 120);
    a.kill();
    long killed = System.nanoTime();
    await(http, id, r -> "lost".equals(r.get("status")), 30);
    double lostAfter = (System.nanoTime() - killed) / 1e6;
    Scrape lost = Scrape.of(http, Map.of());
    assertEquals(1, lost.value("coxswain_run_status", "run", id, "status", "lost"), lost.body());
    assertEquals(0, lost.value("coxswain_run_status", "run", id, "status", "running"));
    System.out.printf(
        "kill -9 of a trainer: run lost after %.0f ms (heartbeat %d ms, lost after 3 missed)%n",
        lostAfter, BEAT);
    assertEquals(
        503, http.command(id, "{\"type\":\"pause\"}").statusCode(), "a lost run takes no command");

    ServerProcess back =
        joinProcess(
            "a2",
            "resume",
            List.of(
                dir.resolve("trainers/a").toString(),
                "--join",
                "127.0.0.1:" + cp[1],
                "--cluster-credentials",
                credentials().toString(),
                "--cluster-port",
                Integer.toString(TestRuns.freePort()),
                "--heartbeat-ms",
                Long.toString(BEAT)));
    assertEquals(id, runId(back));
    await(
        http,
        id,
        r -> "running".equals(r.get("status")) && Boolean.TRUE.equals(r.get("live")),
        120);
    assertEquals(202, http.command(id, "{\"type\":\"pause\"}").statusCode());
    await(http, id, r -> "paused".equals(r.get("status")), 60);
    awaitReplicaEqualsTrainer(id, dir.resolve("trainers/a"), 60);
    assertTrue(
        log(dir.resolve("trainers/a/events.jsonl")).stream()
            .anyMatch(
                e ->
                    e.type() == EventType.HEALTH && "trainer_lost".equals(e.payload().get("kind"))),
        "the outage is recorded in the run's log");

    // Ctrl-C of a joined trainer: it stops at a step, says where and how to resume, and the log
    // and the control plane name the signal it got (not SIGTERM for every signal)
    back.signal("INT");
    assertEquals(130, back.awaitExit(120), "exit as for SIGINT: " + back.output());
    assertTrue(back.output().contains("SIGINT received"), back.output());
    Matcher stopped =
        Pattern.compile("coxswain: stopped at step (\\d+); last checkpoint (\\S+); resume with: ")
            .matcher(back.output());
    assertTrue(stopped.find(), back.output());
    assertTrue(
        Files.exists(dir.resolve("trainers/a/checkpoints/" + stopped.group(2) + "/meta.json")));
    List<Event> events = log(dir.resolve("trainers/a/events.jsonl"));
    assertTrue(
        events.stream()
            .anyMatch(
                e ->
                    e.type() == EventType.COMMAND
                        && "stop".equals(e.payload().get("type"))
                        && "SIGINT".equals(e.payload().get("reason"))),
        "the stop names SIGINT");
    assertFalse(
        Files.readString(dir.resolve("trainers/a/events.jsonl")).contains("SIGTERM"),
        "no SIGTERM for a SIGINT");
    await(http, id, r -> "stopped".equals(r.get("status")), 60);
  }

  @Test
  void aKilledControlPlaneLeavesTrainingAloneAndARestartedOneCatchesUpWithEveryEventOnce()
      throws Exception {
    int clusterPort = TestRuns.freePort();
    int[] cp = controlPlane(clusterPort, Map.of());
    TestRuns.Http http = new TestRuns.Http(cp[0]);
    ServerProcess a = trainer(cp[1], "a");
    String id = runId(a);
    await(http, id, r -> number(r.get("step")) >= 50, 120);
    Path trainerLog = dir.resolve("trainers/a/events.jsonl");
    double before = stepRate(trainerLog, 2000);
    procs.get(0).kill(); // the control plane
    long stepAtKill = lastStep(trainerLog);
    long t0 = System.nanoTime();
    while (lastStep(trainerLog) < stepAtKill + 100 && System.nanoTime() - t0 < 120_000_000_000L) {
      java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
    }
    double during = stepRate(trainerLog, 2000);
    System.out.printf(
        "trainer step rate: %.1f steps/s with the control plane, %.1f steps/s during its outage%n",
        before, during);
    assertTrue(
        lastStep(trainerLog) >= stepAtKill + 100, "training went on without the control plane");

    int[] cp2 = controlPlane(clusterPort, Map.of());
    TestRuns.Http http2 = new TestRuns.Http(cp2[0]);
    await(http2, id, r -> Boolean.TRUE.equals(r.get("live")), 120);
    assertEquals(202, http2.command(id, "{\"type\":\"pause\"}").statusCode());
    await(http2, id, r -> "paused".equals(r.get("status")), 60);
    long t1 = System.nanoTime();
    awaitReplicaEqualsTrainer(id, dir.resolve("trainers/a"), 60);
    System.out.printf(
        "restarted control plane: replica equal to the trainer's %d events (caught up within %.0f ms of the pause)%n",
        log(trainerLog).size(), (System.nanoTime() - t1) / 1e6);
  }

  @Test
  void aProcessWithoutTheCredentialsReadsNothingItsCommandIsRefusedAndItRaisesAnAlarm()
      throws Exception {
    int[] cp = controlPlane(TestRuns.freePort(), Map.of());
    TestRuns.Http http = new TestRuns.Http(cp[0]);
    ServerProcess a = trainer(cp[1], "a");
    String id = runId(a);
    await(http, id, r -> Boolean.TRUE.equals(r.get("live")) && number(r.get("step")) >= 5, 120);
    // the credentials are not enough without the secret, and the secret not without TLS keys
    Path partial = Files.createDirectories(dir.resolve("partial"));
    Files.copy(credentials().resolve("secret"), partial.resolve("secret"));
    ServerProcess refused =
        joinProcess(
            "x",
            "train",
            List.of("--join", "127.0.0.1:" + cp[1], "--cluster-credentials", partial.toString()));
    assertTrue(refused.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(2, refused.process().exitValue(), refused.output());
    assertTrue(refused.output().contains("has no 'node.p12'"), refused.output());

    ServerProcess rogue =
        ServerProcess.startMain(
            dir.resolve("logs"),
            Map.of(),
            RogueMember.class.getName(),
            "127.0.0.1:" + cp[1],
            Integer.toString(TestRuns.freePort()),
            id,
            "5");
    procs.add(rogue);
    rogue.awaitOutput(Pattern.compile("rogue: received (\\d+) events"), 180);
    String said = rogue.output();
    said.lines().filter(l -> l.startsWith("rogue:")).forEach(System.out::println);
    assertTrue(said.contains("rogue: received 0 events"), said);
    assertFalse(said.contains("command ACCEPTED"), said);
    assertTrue(
        log(dir.resolve("trainers/a/events.jsonl")).stream()
            .noneMatch(
                e -> e.type() == EventType.COMMAND && "rogue-1".equals(e.payload().get("id"))),
        "the rogue's command never reached the log");
    long deadline = System.nanoTime() + 90_000_000_000L;
    boolean alarm = false;
    while (!alarm && System.nanoTime() < deadline) {
      alarm =
          log(dir.resolve("trainers/a/events.jsonl")).stream()
              .anyMatch(
                  e ->
                      e.type() == EventType.HEALTH
                          && "unexpected_member".equals(e.payload().get("kind")));
      java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
    }
    assertTrue(alarm, "a member nobody expects raises a health event in the run's log");
    // the run goes on being steered by those who hold the credentials
    assertEquals(202, http.command(id, "{\"type\":\"pause\"}").statusCode());
  }

  private static long lastStep(Path log) throws Exception {
    List<Event> all = log(log);
    return all.stream()
        .filter(e -> e.type() == EventType.METRICS)
        .mapToLong(Event::step)
        .max()
        .orElse(0);
  }

  /** Steps per second over the last {@code millis} of the trainer's own log. */
  private static double stepRate(Path log, long millis) throws Exception {
    List<Event> m = log(log).stream().filter(e -> e.type() == EventType.METRICS).toList();
    Event last = m.get(m.size() - 1);
    java.time.Instant from = last.time().minusMillis(millis);
    List<Event> window = m.stream().filter(e -> !e.time().isBefore(from)).toList();
    double secs = (last.time().toEpochMilli() - window.get(0).time().toEpochMilli()) / 1000.0;
    return secs <= 0 ? 0 : (window.size() - 1) / secs;
  }
}
