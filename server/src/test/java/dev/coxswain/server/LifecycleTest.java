package dev.coxswain.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a separate process: kill -9 and resume, SIGTERM, and secrets that must not leak.
 */
class LifecycleTest {
  @TempDir Path dir;

  private static List<Event> events(Path runDir) throws IOException {
    List<Event> out = new ArrayList<>();
    for (String line : Files.readAllLines(runDir.resolve("events.jsonl"))) {
      out.add(Json.read(line, Event.class));
    }
    return out;
  }

  @Test
  @SuppressWarnings("unchecked")
  void afterKillMinus9ResumeContinuesFromTheLastCheckpointWithTheLogIntact() throws Exception {
    Path config = TestRuns.config(dir, 300, 10);
    Path runDir = dir.resolve("runs/crash");
    Map<String, String> env = Map.of("COXSWAIN_TOKEN", TestRuns.TOKEN);
    long killedAt;
    try (ServerProcess p =
        ServerProcess.start(
            dir.resolve("logs"),
            env,
            "serve",
            "--port",
            "0",
            "--config",
            config.toString(),
            "--run-dir",
            runDir.toString(),
            "--agent",
            "rule",
            "--agent-every",
            "10")) {
      p.awaitServing(120);
      TestRuns.Http http = new TestRuns.Http(p.port());
      http.awaitState(p.runId(), s -> ((Number) s.get("step")).longValue() >= 35, 120);
      assertEquals(202, http.command(p.runId(), "{\"type\":\"pause\"}").statusCode());
      killedAt =
          ((Number)
                  http.awaitState(p.runId(), s -> "paused".equals(s.get("status")), 60).get("step"))
              .longValue();
      p.kill();
    }
    List<Event> before = events(runDir);
    long lastSeqBefore = before.get(before.size() - 1).seq();
    long checkpoint = killedAt / 10 * 10;
    try (ServerProcess p =
        ServerProcess.start(dir.resolve("logs"), env, "resume", runDir.toString(), "--port", "0")) {
      p.awaitServing(120);
      TestRuns.Http http = new TestRuns.Http(p.port());
      http.awaitState(p.runId(), s -> "finished".equals(s.get("status")), 120);
      // readers see each (branch, step) once: the re-trained steps replace the lost ones
      List<Map<String, Object>> points =
          (List<Map<String, Object>>)
              http.json(http.get("/api/runs/" + p.runId() + "/metrics?limit=100000"))
                  .get("metrics");
      List<String> steps =
          points.stream()
              .filter(m -> "metrics".equals(m.get("type")))
              .map(m -> m.get("branch") + "/" + m.get("step"))
              .toList();
      assertEquals(300, steps.size(), "steps 1..300 once each");
      assertEquals(300, new java.util.HashSet<>(steps).size(), "no (branch, step) twice");
      assertEquals(143, p.terminate(60), "SIGTERM, after the shutdown hook ran: " + p.output());
    }
    List<Event> all = events(runDir);
    for (int i = 0; i < all.size(); i++) {
      assertEquals(i + 1, all.get(i).seq(), "sequence numbers continue with no gap");
    }
    List<Event> after = all.subList((int) lastSeqBefore, all.size());
    assertEquals("resuming", after.get(0).payload().get("status"));
    assertEquals(checkpoint, ((Number) after.get(0).payload().get("from_step")).longValue());
    assertEquals("main", after.get(0).payload().get("branch"));
    // the log itself stays append-only: the lost steps are still in it, before the resume
    if (killedAt > checkpoint) {
      assertEquals(
          2,
          all.stream()
              .filter(e -> e.type() == EventType.METRICS && e.step() == checkpoint + 1)
              .count(),
          "step " + (checkpoint + 1) + " trained twice, logged twice");
    }
    Event firstStep =
        after.stream().filter(e -> e.type() == EventType.METRICS).findFirst().orElseThrow();
    assertEquals(
        checkpoint + 1,
        firstStep.step(),
        "continues after checkpoint main/" + checkpoint + " (killed at " + killedAt + ")");
    Event last = all.get(all.size() - 1);
    assertTrue(
        all.stream()
            .anyMatch(
                e ->
                    e.type() == EventType.STATUS
                        && "finished".equals(e.payload().get("status"))
                        && e.step() == 300));
    assertEquals(
        300,
        after.stream()
            .filter(e -> e.type() == EventType.METRICS)
            .mapToLong(Event::step)
            .max()
            .orElseThrow());
    assertEquals(EventType.NOTE, last.type());
    // the agent came back with the run and kept deciding
    assertTrue(
        after.stream().anyMatch(e -> e.type() == EventType.AGENT_DECISION && e.step() > checkpoint),
        "the rule agent decides after the resume");
  }

  @Test
  void sigtermCheckpointsFlushesAndExitsAndNoSecretLeaksAnywhere() throws Exception {
    String token = "tok-" + "9f8e7d6c5b4a39281706";
    String apiKey = "sk-fake-" + "0123456789abcdefABCDEF";
    Path config = TestRuns.config(dir, 1_000_000, 1000);
    Path runDir = dir.resolve("runs/secret");
    Map<String, String> env = Map.of("COXSWAIN_TOKEN", token, "OPENAI_API_KEY", apiKey);
    List<String> responses = new ArrayList<>();
    int code;
    String output;
    try (ServerProcess p =
        ServerProcess.start(
            dir.resolve("logs"),
            env,
            "serve",
            "--port",
            "0",
            "--config",
            config.toString(),
            "--run-dir",
            runDir.toString(),
            "--agent",
            "off")) { // with the key set, the default agent would call OpenAI
      p.awaitServing(120);
      TestRuns.Http http = new TestRuns.Http(p.port());
      String id = p.runId();
      http.awaitState(id, s -> ((Number) s.get("step")).longValue() >= 20, 120);
      List<HttpResponse<String>> rs = new ArrayList<>();
      rs.add(
          http.post(
              "/api/runs/" + id + "/commands",
              "{\"type\":\"note\",\"args\":{\"text\":\"hello\"}}",
              token));
      rs.add(
          http.post(
              "/api/runs/" + id + "/commands",
              "{\"type\":\"set_knobs\",\"args\":{\"lr\":0.002}}",
              token));
      rs.add(http.post("/api/runs/" + id + "/commands", "{\"type\":\"stop\"}", token + "x"));
      rs.add(http.post("/api/runs/" + id + "/commands", "{\"type\":\"stop\"}", apiKey));
      rs.add(http.post("/api/runs/" + id + "/commands", "{\"type\":", token));
      for (String path :
          List.of(
              "",
              "/commands",
              "/events?since=0&limit=10000",
              "/metrics",
              "/checkpoints",
              "/decisions")) {
        rs.add(http.get("/api/runs/" + id + path));
      }
      rs.add(http.get("/api/runs"));
      for (HttpResponse<String> r : rs) {
        responses.add(r.headers().map() + "\n" + r.body());
      }
      assertEquals(202, rs.get(0).statusCode());
      assertEquals(401, rs.get(2).statusCode());
      code = p.terminate(120);
      output = p.output();
    }
    assertEquals(143, code, "exit on SIGTERM after the shutdown hook ran");
    List<Event> all = events(runDir);
    Event stopped =
        all.stream()
            .filter(
                e -> e.type() == EventType.STATUS && "stopped".equals(e.payload().get("status")))
            .findFirst()
            .orElseThrow();
    assertTrue(
        Files.exists(runDir.resolve("checkpoints/main/" + stopped.step() + "/meta.json")),
        "checkpoint at the stop");
    assertTrue(output.contains("serving run"));
    assertTrue(output.contains("console http"), "the console's address is printed");
    assertFalse(output.contains("#token="), "with COXSWAIN_TOKEN set the token is not printed");
    for (String secret : List.of(token, apiKey)) {
      for (String r : responses) {
        assertFalse(
            r.contains(secret),
            "secret in a response: " + r.substring(0, Math.min(300, r.length())));
      }
      assertFalse(output.contains(secret), "secret in the output");
      for (Map.Entry<Path, String> f : TestRuns.filesUnder(dir).entrySet()) {
        if (f.getKey().toString().endsWith(".bin")) {
          continue; // tensors
        }
        assertFalse(f.getValue().contains(secret), "secret in " + f.getKey());
      }
    }
  }
}
