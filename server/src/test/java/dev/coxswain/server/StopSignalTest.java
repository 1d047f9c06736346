package dev.coxswain.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C and SIGTERM of a real {@code serve}: one line with the step, the last checkpoint and the
 * resume command; the log names the signal; a second Ctrl-C quits at once; the run keeps its token
 * across resume; the runs list says stopped.
 */
class StopSignalTest {
  private static final Pattern TOKEN = Pattern.compile("#token=([A-Za-z0-9_-]+)");
  private static final Pattern STOPPED =
      Pattern.compile(
          "coxswain: stopped at step (\\d+); last checkpoint (\\S+); resume with: coxswain resume"
              + " (\\S+)");

  @TempDir Path dir;

  private static List<Event> events(Path runDir) throws IOException {
    List<Event> out = new ArrayList<>();
    for (String line : Files.readAllLines(runDir.resolve("events.jsonl"))) {
      out.add(Json.read(line, Event.class));
    }
    return out;
  }

  private ServerProcess serve(Path runDir, Path config) throws Exception {
    return ServerProcess.startInterruptible(
            dir.resolve("logs"),
            Map.of(),
            "serve",
            "--port",
            "0",
            "--config",
            config.toString(),
            "--run-dir",
            runDir.toString(),
            "--agent",
            "off")
        .awaitServing(120);
  }

  private static String stopReason(List<Event> events) {
    return events.stream()
        .filter(e -> e.type() == EventType.COMMAND && "stop".equals(e.payload().get("type")))
        .map(e -> String.valueOf(e.payload().get("reason")))
        .reduce((a, b) -> b)
        .orElse(null);
  }

  @Test
  @SuppressWarnings("unchecked")
  void ctrlCSaysWhereItStoppedNamesTheSignalAndResumeKeepsTheToken() throws Exception {
    Path config = TestRuns.config(dir, 1_000_000, 10);
    Path runDir = dir.resolve("runs/r1");
    String token;
    String id;
    Matcher line;
    try (ServerProcess p = serve(runDir, config)) {
      id = p.runId();
      token = p.awaitOutput(TOKEN, 30).group(1);
      TestRuns.Http http = new TestRuns.Http(p.port());
      http.awaitState(p.runId(), s -> ((Number) s.get("step")).longValue() >= 25, 120);
      p.signal("INT");
      assertEquals(130, p.awaitExit(120), "exit as for SIGINT: " + p.output());
      line = STOPPED.matcher(p.output());
      assertTrue(line.find(), p.output());
      assertEquals(1, p.output().split("stopped at step", -1).length - 1, "one line");
    }
    long step = Long.parseLong(line.group(1));
    assertEquals(runDir.toAbsolutePath().normalize().toString(), line.group(3));
    List<Event> log = events(runDir);
    Event stopped =
        log.stream()
            .filter(
                e -> e.type() == EventType.STATUS && "stopped".equals(e.payload().get("status")))
            .reduce((a, b) -> b)
            .orElseThrow();
    assertEquals(stopped.step(), step, "the line's step is the log's");
    CheckpointMeta last =
        new CheckpointStore(runDir.resolve("checkpoints")).resolve("latest").orElseThrow();
    assertEquals(last.id(), line.group(2));
    assertTrue(Files.exists(runDir.resolve("checkpoints/" + last.id() + "/meta.json")));
    // the log names the signal received, and no other
    assertEquals("SIGINT", stopReason(log));
    String text = Files.readString(runDir.resolve("events.jsonl"));
    assertTrue(text.contains("server shut down: SIGINT"), "the note names it");
    assertFalse(text.contains("SIGTERM"), "no SIGTERM for a SIGINT");
    // the token is kept for the owner only, and in no log
    Path kept = runDir.resolve("token");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
    for (String f : List.of("events.jsonl", "replica.jsonl", "run.json")) {
      if (Files.exists(runDir.resolve(f))) {
        assertFalse(Files.readString(runDir.resolve(f)).contains(token), "token in " + f);
      }
    }

    // another server over the same runs: the stopped run is listed as stopped
    try (ServerProcess other = serve(dir.resolve("runs/r2"), config)) {
      TestRuns.Http http = new TestRuns.Http(other.port());
      List<Map<String, Object>> runs =
          (List<Map<String, Object>>) http.json(http.get("/api/runs")).get("runs");
      Map<String, Object> r1 =
          runs.stream().filter(r -> id.equals(r.get("id"))).findFirst().orElseThrow();
      assertEquals("stopped", r1.get("status"), runs.toString());
      assertEquals("running", http.state(other.runId()).get("status"));
      other.signal("TERM");
      assertEquals(143, other.awaitExit(120), other.output());
      assertTrue(
          Files.readString(dir.resolve("runs/r2/events.jsonl"))
              .contains("server shut down: SIGTERM"));
    }

    // resume: the same token, so a console tab left open (and this request) still works
    try (ServerProcess p =
        ServerProcess.startInterruptible(
                dir.resolve("logs"), Map.of(), "resume", runDir.toString(), "--port", "0")
            .awaitServing(120)) {
      assertEquals(token, p.awaitOutput(TOKEN, 30).group(1), "the run's token again");
      TestRuns.Http http = new TestRuns.Http(p.port());
      http.awaitState(p.runId(), s -> ((Number) s.get("step")).longValue() > step, 120);
      assertEquals(
          202,
          http.post(
                  "/api/runs/" + p.runId() + "/commands",
                  "{\"type\":\"note\",\"args\":{\"text\":\"still me\"}}",
                  token)
              .statusCode());
      p.signal("INT");
      p.signal("INT"); // the second one quits at once
      assertEquals(130, p.awaitExit(60), p.output());
    }
    // whatever the second Ctrl-C cut short, the latest checkpoint is a whole one
    CheckpointMeta after =
        new CheckpointStore(runDir.resolve("checkpoints")).resolve("latest").orElseThrow();
    assertTrue(after.step() >= last.step());
    for (String f : List.of("meta.json", "params.bin", "optimizer.bin")) {
      assertTrue(Files.exists(runDir.resolve("checkpoints/" + after.id() + "/" + f)), f);
    }
  }

  @Test
  void ctrlCOfTrainStopsAtACheckpointAndSaysHowToResume() throws Exception {
    Path config = TestRuns.config(dir, 1_000_000, 10);
    Path runDir = dir.resolve("runs/t1");
    try (ServerProcess p =
        ServerProcess.startInterruptible(
            dir.resolve("logs"),
            Map.of(),
            "train",
            "--config",
            config.toString(),
            "--run-dir",
            runDir.toString())) {
      p.awaitOutput(Pattern.compile("run directory"), 120);
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(runDir.resolve("events.jsonl"))
          || events(runDir).stream()
              .noneMatch(e -> e.type() == EventType.METRICS && e.step() >= 5)) {
        assertTrue(System.nanoTime() < deadline, "no step 5 within 120 s: " + p.output());
        p.process().waitFor(50, java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      p.signal("INT");
      assertEquals(130, p.awaitExit(120), p.output());
      Matcher line = STOPPED.matcher(p.output());
      assertTrue(line.find(), p.output());
      assertTrue(p.output().contains("SIGINT received"), p.output());
      Event stopped =
          events(runDir).stream()
              .filter(
                  e -> e.type() == EventType.STATUS && "stopped".equals(e.payload().get("status")))
              .findFirst()
              .orElseThrow();
      assertEquals(stopped.step(), Long.parseLong(line.group(1)));
      assertTrue(Files.exists(runDir.resolve("checkpoints/" + line.group(2) + "/meta.json")));
    }
  }

  @Test
  void anExplicitCoxswainTokenWinsAndIsNotKept() throws Exception {
    Path config = TestRuns.config(dir, 1_000_000, 10);
    Path runDir = dir.resolve("runs/e1");
    try (ServerProcess p =
        ServerProcess.startInterruptible(
                dir.resolve("logs"),
                Map.of("COXSWAIN_TOKEN", TestRuns.TOKEN),
                "serve",
                "--port",
                "0",
                "--config",
                config.toString(),
                "--run-dir",
                runDir.toString(),
                "--agent",
                "off")
            .awaitServing(120)) {
      TestRuns.Http http = new TestRuns.Http(p.port());
      assertEquals(
          202,
          http.command(p.runId(), "{\"type\":\"note\",\"args\":{\"text\":\"hi\"}}").statusCode());
      assertFalse(Files.exists(runDir.resolve("token")), "an explicit token is its owner's");
      assertFalse(p.output().contains("#token="));
      p.signal("TERM");
      assertEquals(143, p.awaitExit(120), p.output());
      assertTrue(STOPPED.matcher(p.output()).find(), p.output());
      assertEquals("SIGTERM", stopReason(events(runDir)));
    }
  }
}
