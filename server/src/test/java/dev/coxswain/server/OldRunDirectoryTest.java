package dev.coxswain.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.LogReader;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.run.StateViews;
import dev.coxswain.server.api.ApiOptions;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A run directory written by the code of 2026-12-02 (src/test/resources/fixtures/run-2026-12-02:
 * serve, a person's commands, two resumes, two forks, the rule agent's rollback) opens, folds,
 * resumes and reports under today's code; and a log holding events this version cannot read skips
 * them, one warning each, and loads the rest.
 */
class OldRunDirectoryTest {
  private static final Path FIXTURE = Path.of("src/test/resources/fixtures/run-2026-12-02");
  private static final String ID = "20261202-051904-89ca";

  @TempDir Path tmp;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  /** The fixture in a fresh directory, its corpus (TestRuns' text) where its run.json says. */
  @SuppressWarnings("unchecked")
  private Path copy() throws IOException {
    Path run = tmp.resolve("runs").resolve(ID);
    try (Stream<Path> files = Files.walk(FIXTURE)) {
      for (Path f : files.toList()) {
        Path to = run.resolve(FIXTURE.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    String corpus = TestRuns.corpus(tmp).toString();
    Path rj = run.resolve("run.json");
    Map<String, Object> json = Json.read(Files.readString(rj), Map.class);
    ((Map<String, Object>) ((Map<String, Object>) json.get("config")).get("data"))
        .put("corpus", corpus);
    ((Map<String, Object>) json.get("data")).put("source", corpus);
    Files.writeString(rj, Json.write(json));
    return run;
  }

  @Test
  void itOpensWithTheStateItsLogSays() throws Exception {
    Path run = copy();
    try (RunStore s = RunStore.open(run)) {
      assertEquals(List.of(), s.damage(), "a sound log");
      assertEquals("stopped", s.status());
      Map<String, Object> state = s.state();
      assertEquals("b2", state.get("branch"));
      assertEquals(713L, ((Number) state.get("step")).longValue());
      assertEquals("b2", s.read(StateViews::lastEval).branch(), "the live branch's own evaluation");
      assertEquals(java.util.Set.of("main", "retry", "b2"), s.branches());
      assertEquals(
          6, s.read(StateViews::knobs).size(), "the knob table: " + s.read(StateViews::knobs));
      assertEquals(30, s.commands().size());
      assertTrue(s.commands().stream().allMatch(c -> c.result() != null), "one result each");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void itsStateKeepsTheJsonShapeTheApiHasAlwaysServed() throws Exception {
    Path run = copy();
    Map<String, Object> runJson = Json.read(Files.readString(run.resolve("run.json")), Map.class);
    try (RunStore s = RunStore.open(run)) {
      Map<String, Object> state = Json.read(Json.write(s.view()), Map.class);
      assertEquals(
          List.of(
              "id",
              "status",
              "step",
              "branch",
              "last_seq",
              "max_steps",
              "knobs",
              "actions",
              "last_metrics",
              "last_eval",
              "agent",
              "started",
              "workload",
              "reports"),
          List.copyOf(state.keySet()),
          "every key, in order (none null): " + state);
      assertEquals(100000, state.get("max_steps"));
      assertEquals(runJson.get("reports"), state.get("reports"), "run.json's section as it is");
      assertFalse(state.containsKey("device"), "a run from before devices were recorded");
      assertEquals(runJson.get("started"), state.get("started"));
      Map<String, Object> eval = (Map<String, Object>) state.get("last_eval");
      assertEquals("b2", eval.get("branch"));
      assertEquals(
          List.of("step", "branch"),
          eval.keySet().stream().skip(eval.size() - 2).toList(),
          "the payload's keys, then its step and branch: " + eval);
      List<Event> metrics = new ArrayList<>();
      s.forEach(
          e -> {
            if (e.type() == dev.coxswain.protocol.EventType.METRICS) {
              metrics.add(e);
            }
          });
      Event lastMetrics = metrics.get(metrics.size() - 1);
      assertEquals(
          Json.read(Json.write(lastMetrics.payload()), Map.class),
          state.get("last_metrics"),
          "the last metrics event's payload");
      assertEquals(6, ((List<?>) state.get("knobs")).size());
      assertEquals(Json.write(s.view()), Json.write(s.state()), "the map form is the same JSON");
    }
  }

  @Test
  void itReportsAndResumesWhereItStopped() throws Exception {
    Path run = copy();
    assertEquals(0, new CommandLine(new Main()).execute("report", run.toString()));
    String md = Files.readString(run.resolve("report.md"));
    assertTrue(md.contains("b2"), "the report names the live branch:\n" + md);

    RunStore store = RunStore.open(run);
    long before = store.lastSeq();
    @SuppressWarnings("unchecked")
    Map<String, Object> config = (Map<String, Object>) store.runJson().get("config");
    AgentSettings agent = AgentSettings.fromRunJson(store.runJson().get("agent"), Map.of());
    server =
        CoxswainServer.start(
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            tmp.resolve("runs"),
            store,
            RunSpec.resolve(RunConfig.fromMap(config), 0, Map.of()),
            "latest",
            null,
            agent);
    TestRuns.Http http = new TestRuns.Http(server.port());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Map<String, Object> state;
    do {
      LockSupport.parkNanos(50_000_000);
      state = http.state(ID);
      assertTrue(System.nanoTime() < deadline, "no step after 713: " + state);
    } while (((Number) state.get("step")).longValue() <= 714);
    assertEquals("b2", state.get("branch"), "resumed on the branch it stopped on");
    // the console's first read: the whole history, the old events first
    HttpResponse<String> page = http.get("/api/runs/" + ID + "/events?since=0&limit=5");
    assertEquals(200, page.statusCode(), page.body());
    List<Event> events = new ArrayList<>();
    store.forEach(events::add);
    assertEquals(1, events.get(0).seq());
    assertTrue(events.size() > before, "new events after the old ones");
    for (Event e : events) {
      e.body(); // every event, old and new, reads as its type
    }
  }

  @Test
  void eventsThisVersionCannotReadAreSkippedWithAWarningAndTheRestLoads() throws Exception {
    Path run = copy();
    Path log = run.resolve(RunStore.LOG);
    List<String> lines = new ArrayList<>(Files.readAllLines(log));
    // line 10: an event type from a newer version; line 20: an eval whose loss is not a number
    lines.set(9, lines.get(9).replaceFirst("\"type\":\"[a-z_]+\"", "\"type\":\"telemetry\""));
    String eval = lines.get(19);
    assertTrue(eval.contains("\"type\":\"metrics\""), eval);
    lines.set(
        19,
        eval.replaceFirst("\"type\":\"metrics\"", "\"type\":\"eval\"")
            .replaceFirst("\"payload\":\\{", "\"payload\":{\"eval_loss\":\"low\","));
    Files.write(log, lines);

    try (RunStore s = RunStore.open(run)) {
      List<String> damage = s.damage();
      assertEquals(2, damage.size(), "one warning per skipped line: " + damage);
      assertTrue(damage.get(0).startsWith("events.jsonl line 10: skipped (seq 10)"), damage.get(0));
      assertTrue(damage.get(0).contains("'telemetry' is unknown"), damage.get(0));
      assertTrue(damage.get(1).startsWith("events.jsonl line 20: skipped (seq 20)"), damage.get(1));
      assertTrue(damage.get(1).contains("eval_loss"), damage.get(1));
      assertEquals("stopped", s.status(), "everything after them loaded");
      assertEquals("b2", s.state().get("branch"));
    }
    List<String> read = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    LogReader.read(run, RunStore.LOG, events::add, read::add);
    assertEquals(2, read.size(), "the same two, no gap: " + read);
    assertEquals(lines.size() - 2, events.size());
  }
}
