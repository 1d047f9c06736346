package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A thousand and more hostile bodies: only 4xx answers, no state change, the server stays up. */
class FuzzTest {
  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  private static final String[] FRAGMENTS = {
    "{",
    "}",
    "[",
    "]",
    "\"type\"",
    "\"args\"",
    ":",
    ",",
    "null",
    "true",
    "1e999",
    "-0",
    "\"set_knobs\"",
    "\"lr\"",
    "NaN",
    "\"\\u0000\"",
    "{\"lr\":",
    "\"scale_knob\"",
    "\"factor\"",
    "9".repeat(400),
    "\"source\"",
    "\"agent\"",
    "\"../..\"",
    "\u00ff\u00fe",
    "\"load_checkpoint\"",
    "\"checkpoint\"",
    "/*",
    "'",
    "\\"
  };

  /** A body that must be refused: broken JSON, wrong shapes, or well-formed nonsense. */
  static String hostile(Random rnd) {
    switch (rnd.nextInt(6)) {
      case 0 -> { // random fragments glued together
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(12);
        for (int i = 0; i < n; i++) {
          sb.append(FRAGMENTS[rnd.nextInt(FRAGMENTS.length)]);
        }
        return sb.toString();
      }
      case 1 -> { // random bytes as text
        byte[] b = new byte[rnd.nextInt(200)];
        rnd.nextBytes(b);
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
      }
      case 2 -> { // a valid command type with hostile arguments
        String[] types = {
          "set_knobs", "scale_knob", "load_checkpoint", "save_checkpoint", "note", "pause"
        };
        String[] vals = {
          "\"x\"", "[]", "{}", "null", "-1", "1e308", "true", "\"../../etc/passwd\"", "99999"
        };
        String t = types[rnd.nextInt(types.length)];
        String args =
            switch (t) {
              case "set_knobs" ->
                  "{\""
                      + (rnd.nextBoolean() ? "lr" : "warp")
                      + "\":"
                      + vals[rnd.nextInt(vals.length)]
                      + "}";
              case "scale_knob" ->
                  "{\"knob\":"
                      + vals[rnd.nextInt(vals.length)]
                      + ",\"factor\":"
                      + vals[rnd.nextInt(vals.length)]
                      + "}";
              case "load_checkpoint" ->
                  "{\"checkpoint\":" + vals[rnd.nextInt(vals.length)] + ",\"branch\":\"a/b\"}";
              case "save_checkpoint" ->
                  "{\"tag\":" + vals[rnd.nextInt(vals.length)] + ",\"extra\":1}";
              case "note" -> "{\"text\":" + (rnd.nextBoolean() ? "5" : "\"\"") + "}";
              default -> "{\"now\":true}";
            };
        return "{\"type\":\"" + t + "\",\"args\":" + args + "}";
      }
      case 3 -> { // unknown types and fields
        return "{\"type\":\"t" + rnd.nextInt(1000) + "\",\"f" + rnd.nextInt(10) + "\":1}";
      }
      case 4 -> { // wrong top-level shapes
        String[] shapes = {
          "42",
          "\"pause\"",
          "[{\"type\":\"pause\"}]",
          "null",
          "{\"type\":null}",
          "{\"type\":[\"pause\"]}",
          "{\"type\":\"pause\",\"source\":\"rule\"}"
        };
        return shapes[rnd.nextInt(shapes.length)];
      }
      default -> { // deep nesting
        int depth = 1 + rnd.nextInt(2000);
        return "{\"type\":\"note\",\"args\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
      }
    }
  }

  @Test
  void hostileBodiesGetOnly4xxAndChangeNothing() throws Exception {
    server =
        TestRuns.start(
            dir,
            1_000_000,
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withRate(100_000, 100_000),
            null);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> "running".equals(s.get("status")), 60);
    Object knobsBefore = http.state("t1").get("knobs");
    long commandsBefore = server.store().commands().size();
    Random rnd = new Random(20261122);
    Map<Integer, Integer> statuses = new TreeMap<>();
    int sent = 0;
    for (; sent < 1200; sent++) {
      String body = hostile(rnd);
      HttpResponse<String> r = http.command("t1", body);
      statuses.merge(r.statusCode(), 1, Integer::sum);
      assertTrue(
          r.statusCode() >= 400 && r.statusCode() < 500,
          "got "
              + r.statusCode()
              + " for "
              + body.substring(0, Math.min(200, body.length()))
              + ": "
              + r.body());
      assertTrue(r.body().startsWith("{\"error\""), r.body());
    }
    System.out.println("fuzz: " + sent + " hostile bodies, statuses " + statuses);
    assertEquals(commandsBefore, server.store().commands().size(), "no command was accepted");
    assertEquals(knobsBefore, http.state("t1").get("knobs"));
    assertEquals("running", http.state("t1").get("status"));
    long step = ((Number) http.state("t1").get("step")).longValue();
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() > step, 30);
    assertEquals(
        202,
        http.command("t1", "{\"type\":\"note\",\"args\":{\"text\":\"still here\"}}").statusCode());
  }

  @Test
  void numbersAtTheLimitsOfTheirTypeAreAnsweredOrRefusedNamingTheField() throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 1, 60);
    for (String path : List.of("/api/runs/t1/events?since=", "/api/runs/t1/metrics?since=")) {
      // the largest since there is: nothing after it, and no overflow on the way
      HttpResponse<String> most = http.get(path + Long.MAX_VALUE);
      assertEquals(200, most.statusCode(), most.body());
      for (String bad : List.of("9223372036854775808", "-1", "1e308", "0x10", "")) {
        HttpResponse<String> r = http.get(path + bad);
        if (bad.isEmpty()) {
          continue; // an empty value is the default
        }
        assertEquals(400, r.statusCode(), path + bad + ": " + r.body());
        assertEquals("since", http.json(r).get("field"), r.body());
      }
    }
    for (String bad : List.of("-1", "9223372036854775807", "100001")) {
      HttpResponse<String> r = http.get("/api/runs/t1/metrics?limit=" + bad);
      assertEquals(400, r.statusCode(), bad + ": " + r.body());
      assertEquals("limit", http.json(r).get("field"));
    }
    HttpResponse<String> lock =
        http.command(
            "t1",
            "{\"type\":\"lock_knob\",\"args\":{\"knob\":\"lr\",\"steps\":9223372036854775807}}");
    assertEquals(400, lock.statusCode(), lock.body());
    assertEquals("args.steps", http.json(lock).get("field"), lock.body());
  }
}
