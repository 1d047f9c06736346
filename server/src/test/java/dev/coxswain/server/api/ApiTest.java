package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API against a real server on a random loopback port, with a real DJL run in it. */
class ApiTest {
  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
    return (List<Map<String, Object>>) m.get(key);
  }

  @Test
  void aPostedCommandIsRecordedAppliedAtTheNextStepAndInTheHistory() throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 5, 60);
    HttpResponse<String> r =
        http.command("t1", "{\"type\":\"set_knobs\",\"args\":{\"lr\":0.0025},\"reason\":\"test\"}");
    assertEquals(202, r.statusCode(), r.body());
    Map<String, Object> ack = http.json(r);
    String id = (String) ack.get("id");
    long seq = ((Number) ack.get("seq")).longValue();
    // acknowledged means on disk: the command is already in the file-backed log
    List<Event> logged = server.store().scan(e -> e.seq() == seq, 1);
    assertEquals(EventType.COMMAND, logged.get(0).type());

    Map<String, Object> result = null;
    for (int i = 0; i < 500 && result == null; i++) {
      for (Map<String, Object> c : list(http.json(http.get("/api/runs/t1/commands")), "commands")) {
        if (id.equals(((Map<?, ?>) c.get("command")).get("id")) && c.get("result") != null) {
          result = (Map<String, Object>) c.get("result");
        }
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
    assertTrue(result != null, "no result in the history");
    assertEquals("applied", result.get("status"));
    long appliedFrom = ((Number) result.get("step")).longValue();
    // the step before the result was the last finished one; the next metrics carry the new lr
    List<Event> log = server.store().scan(e -> true, 1_000_000);
    int at = -1;
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).type() == EventType.COMMAND_RESULT
          && id.equals(log.get(i).payload().get("command_id"))) {
        at = i;
      }
    }
    long before = -1;
    for (int i = at; i >= 0; i--) {
      if (log.get(i).type() == EventType.METRICS) {
        before = log.get(i).step();
        break;
      }
    }
    assertEquals(before + 1, appliedFrom);
    for (int i = at; i < log.size(); i++) {
      if (log.get(i).type() == EventType.METRICS) {
        assertEquals(appliedFrom, log.get(i).step());
        assertEquals(0.0025, ((Number) log.get(i).payload().get("lr")).doubleValue(), 1e-12);
        break;
      }
    }
    Map<String, Object> lr = list(http.state("t1"), "knobs").get(0);
    assertEquals("lr", lr.get("name"));
    assertEquals(0.0025, ((Number) lr.get("value")).doubleValue(), 1e-12);
  }

  @Test
  void badRequestsGetTheRightStatusAndAJsonErrorNamingTheField() throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> "running".equals(s.get("status")), 60);
    record Case(String body, String field) {}
    List<Case> cases =
        List.of(
            new Case("{\"type\":", "body"),
            new Case("[1,2]", "body"),
            new Case("", "body"),
            new Case("{\"args\":{}}", "type"),
            new Case("{\"type\":7}", "type"),
            new Case("{\"type\":\"launch\"}", "type"),
            new Case("{\"type\":\"pause\",\"colour\":\"red\"}", "colour"),
            new Case("{\"type\":\"set_knobs\",\"args\":[]}", "args"),
            new Case("{\"type\":\"set_knobs\",\"args\":{\"lr\":\"high\"}}", "args.lr"),
            new Case("{\"type\":\"set_knobs\",\"args\":{\"lr\":99}}", "args.lr"),
            new Case("{\"type\":\"set_knobs\",\"args\":{\"momentum\":0.9}}", "args.momentum"),
            new Case(
                "{\"type\":\"scale_knob\",\"args\":{\"knob\":\"lr\",\"factor\":1e9}}",
                "args.factor"),
            new Case("{\"type\":\"pause\",\"source\":\"agent\"}", "source"),
            new Case("{\"type\":\"pause\",\"id\":\"../../x\"}", "id"),
            new Case("{\"type\":\"note\",\"args\":{\"text\":\"\"}}", "args.text"));
    for (Case c : cases) {
      HttpResponse<String> r = http.command("t1", c.body());
      assertEquals(400, r.statusCode(), c.body() + " -> " + r.body());
      Map<String, Object> e = http.json(r);
      assertEquals(c.field(), e.get("field"), c.body() + " -> " + r.body());
      assertTrue(((String) e.get("error")).length() > 5);
    }
    // duplicate ids are refused
    assertEquals(
        202,
        http.command("t1", "{\"type\":\"note\",\"id\":\"n-1\",\"args\":{\"text\":\"hi\"}}")
            .statusCode());
    assertEquals(
        "id",
        http.json(
                http.command(
                    "t1", "{\"type\":\"note\",\"id\":\"n-1\",\"args\":{\"text\":\"again\"}}"))
            .get("field"));

    // 401 without or with a wrong token, and nothing recorded
    long seq = server.store().lastSeq();
    assertEquals(401, http.post("/api/runs/t1/commands", "{\"type\":\"stop\"}", null).statusCode());
    assertEquals(
        401,
        http.post("/api/runs/t1/commands", "{\"type\":\"stop\"}", "not-the-token").statusCode());
    // 404s
    assertEquals(404, http.get("/api/runs/nope").statusCode());
    assertEquals("id", http.json(http.get("/api/runs/nope")).get("field"));
    assertEquals(404, http.command("nope", "{\"type\":\"pause\"}").statusCode());
    assertEquals(404, http.get("/api/nothing/here").statusCode());
    // 413
    String big = "{\"type\":\"note\",\"args\":{\"text\":\"" + "x".repeat(70_000) + "\"}}";
    HttpResponse<String> tooBig = http.command("t1", big);
    assertEquals(413, tooBig.statusCode());
    assertEquals("body", http.json(tooBig).get("field"));
    // 400 on bad query parameters
    assertEquals("since", http.json(http.get("/api/runs/t1/events?since=-3")).get("field"));
    assertEquals("limit", http.json(http.get("/api/runs/t1/events?limit=lots")).get("field"));
    // nothing that was refused reached the log or the knobs
    List<Event> after =
        server.store().scan(e -> e.seq() > seq && e.type() == EventType.COMMAND, 1000);
    assertEquals(List.of(), after);
    assertEquals(
        1e-3, ((Number) list(http.state("t1"), "knobs").get(0).get("value")).doubleValue(), 1e-12);
    assertEquals("running", http.state("t1").get("status"));
  }

  @Test
  void commandsBeyondTheRateAre429WithRetryAfter() throws Exception {
    server =
        TestRuns.start(
            dir, 1_000_000, ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withRate(1, 3), null);
    TestRuns.Http http = new TestRuns.Http(server.port());
    int accepted = 0;
    int limited = 0;
    String retryAfter = null;
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r =
          http.command("t1", "{\"type\":\"note\",\"args\":{\"text\":\"n" + i + "\"}}");
      if (r.statusCode() == 202) {
        accepted++;
      } else {
        assertEquals(429, r.statusCode(), r.body());
        limited++;
        retryAfter = r.headers().firstValue("Retry-After").orElse(null);
      }
    }
    assertTrue(accepted >= 3 && accepted <= 4, "burst of 3 (+1 refilled at most), got " + accepted);
    assertEquals(10 - accepted, limited);
    assertTrue(retryAfter != null && Long.parseLong(retryAfter) >= 1);
    assertEquals(accepted, server.store().commands().size());
  }

  @Test
  void aFinishedRunIsListedReadableAndTakesNoCommands() throws Exception {
    server = TestRuns.start(dir, 20);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> "finished".equals(s.get("status")), 60);
    HttpResponse<String> r = http.command("t1", "{\"type\":\"pause\"}");
    assertEquals(409, r.statusCode(), r.body());
    Map<String, Object> runs = http.json(http.get("/api/runs"));
    assertEquals("t1", list(runs, "runs").get(0).get("id"));
    List<Map<String, Object>> metrics =
        list(http.json(http.get("/api/runs/t1/metrics?branch=main")), "metrics");
    assertEquals(20, metrics.stream().filter(m -> "metrics".equals(m.get("type"))).count());
    List<Map<String, Object>> ckpts =
        list(http.json(http.get("/api/runs/t1/checkpoints")), "checkpoints");
    assertEquals("main/20", ckpts.get(ckpts.size() - 1).get("id"));
    assertEquals(List.of(), list(http.json(http.get("/api/runs/t1/decisions")), "decisions"));
    Map<String, Object> page = http.json(http.get("/api/runs/t1/events?since=5&limit=3"));
    List<Map<String, Object>> events = list(page, "events");
    assertEquals(
        List.of(6, 7, 8), events.stream().map(e -> ((Number) e.get("seq")).intValue()).toList());
    assertEquals(
        Json.write(server.store().state().get("last_seq")), Json.write(page.get("last_seq")));
  }

  @Test
  void finishedRunsAreListedAndReadableAfterARestart() throws Exception {
    server = TestRuns.start(dir, 15);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> "finished".equals(s.get("status")), 60);
    server.shutdown("restart");
    // a new server process-equivalent on the same runs directory, with a run of its own
    dev.coxswain.run.RunConfig cfg =
        dev.coxswain.run.RunConfig.load(TestRuns.config(dir, 1_000_000, 50))
            .withOverrides("t2", null, null, null, null);
    dev.coxswain.run.RunSpec spec = dev.coxswain.run.RunSpec.resolve(cfg, 10, Map.of());
    dev.coxswain.run.RunStore store =
        dev.coxswain.run.RunStore.create(dir.resolve("runs/t2"), spec.runJson());
    server =
        CoxswainServer.start(
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            dir.resolve("runs"),
            store,
            spec,
            null,
            null);
    http = new TestRuns.Http(server.port());
    List<Map<String, Object>> all = list(http.json(http.get("/api/runs")), "runs");
    assertEquals(List.of("t1", "t2"), all.stream().map(r -> r.get("id")).toList());
    assertEquals(false, all.get(0).get("live"));
    Map<String, Object> old = http.state("t1");
    assertEquals("finished", old.get("status"));
    assertEquals(15, ((Number) old.get("step")).intValue());
    assertEquals("lr", list(old, "knobs").get(0).get("name"));
    List<Map<String, Object>> metrics =
        list(http.json(http.get("/api/runs/t1/metrics")), "metrics");
    assertEquals(15, metrics.stream().filter(m -> "metrics".equals(m.get("type"))).count());
    assertEquals(409, http.command("t1", "{\"type\":\"resume\"}").statusCode());
  }

  @Test
  @SuppressWarnings("unchecked")
  void corsIsClosedUnlessAnOriginIsConfigured() throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest req =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.port() + "/api/runs"))
            .header("Origin", "http://evil.example")
            .GET()
            .build();
    HttpResponse<String> r = c.send(req, HttpResponse.BodyHandlers.ofString());
    assertTrue(
        r.headers().firstValue("Access-Control-Allow-Origin").isEmpty(),
        r.headers().map().toString());
    server.shutdown("next");
    java.nio.file.Files.walk(dir.resolve("runs"))
        .sorted(java.util.Comparator.reverseOrder())
        .forEach(f -> f.toFile().delete());
    server =
        TestRuns.start(
            dir,
            1_000_000,
            ApiOptions.defaults(TestRuns.TOKEN)
                .withPort(0)
                .withCors(List.of("http://console.example")),
            null);
    java.net.http.HttpRequest ok =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.port() + "/api/runs"))
            .header("Origin", "http://console.example")
            .GET()
            .build();
    assertEquals(
        "http://console.example",
        c.send(ok, HttpResponse.BodyHandlers.ofString())
            .headers()
            .firstValue("Access-Control-Allow-Origin")
            .orElse(null));
    java.net.http.HttpRequest other =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.port() + "/api/runs"))
            .header("Origin", "http://evil.example")
            .GET()
            .build();
    HttpResponse<String> refused = c.send(other, HttpResponse.BodyHandlers.ofString());
    assertTrue(refused.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    // a client's mistake: 403 naming the header, in the API's JSON error form
    assertEquals(403, refused.statusCode(), refused.body());
    Map<String, Object> err = Json.read(refused.body(), Map.class);
    assertEquals("Origin", err.get("field"));
    assertTrue(String.valueOf(err.get("error")).contains("http://evil.example"), refused.body());
    // and a refused preflight changes nothing: the allowed origin still gets its header
    assertEquals(200, c.send(ok, HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  @SuppressWarnings("unchecked")
  void loadingACheckpointThatDoesNotExistIsRefusedAtOnceWithTheClosestOnes() throws Exception {
    server = TestRuns.start(dir, 1_000_000); // checkpoints every 50 steps
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 105, 120);
    // held still, so that retention does not move the checkpoints while the test reads them
    assertEquals(202, http.command("t1", "{\"type\":\"pause\"}").statusCode());
    http.awaitState("t1", s -> "paused".equals(s.get("status")), 60);
    int before = list(http.json(http.get("/api/runs/t1/commands")), "commands").size();
    long seqBefore = server.store().lastSeq();

    HttpResponse<String> r =
        http.command("t1", "{\"type\":\"load_checkpoint\",\"args\":{\"checkpoint\":\"main/60\"}}");
    assertEquals(400, r.statusCode(), r.body());
    Map<String, Object> err = http.json(r);
    assertEquals("args.checkpoint", err.get("field"));
    String why = String.valueOf(err.get("error"));
    assertTrue(why.contains("'main/60'") && why.contains("closest: main/50, main/100"), why);
    r = http.command("t1", "{\"type\":\"load_checkpoint\",\"args\":{\"checkpoint\":\"nightly\"}}");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals(
        before,
        list(http.json(http.get("/api/runs/t1/commands")), "commands").size(),
        "nothing recorded");
    assertTrue(
        server
            .store()
            .scan(e -> e.seq() > seqBefore && e.type() == EventType.COMMAND, 10)
            .isEmpty());

    // a checkpoint that is there is taken
    r = http.command("t1", "{\"type\":\"load_checkpoint\",\"args\":{\"checkpoint\":\"main/50\"}}");
    assertEquals(202, r.statusCode(), r.body());
  }
}
