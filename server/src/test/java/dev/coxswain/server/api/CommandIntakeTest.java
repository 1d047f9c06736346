package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * What the intake decides before the trainer sees a command, against a real server and run: who
 * sent it when the body does not say, and a fork into a branch the run already has.
 */
class CommandIntakeTest {
  @TempDir Path dir;
  private CoxswainServer server;
  private TestRuns.Http http;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  /** A run held paused (it takes commands and leaves the CPU to others) after {@code steps}. */
  private void startPausedAfter(long steps) throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= steps, 120);
    assertEquals(202, http.command("t1", "{\"type\":\"pause\"}").statusCode());
    http.awaitState("t1", s -> "paused".equals(s.get("status")), 60);
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> history() throws Exception {
    return (List<Map<String, Object>>) http.json(http.get("/api/runs/t1/commands")).get("commands");
  }

  /** The source the history records for command {@code id} (it reaches the history shortly). */
  @SuppressWarnings("unchecked")
  private String sourceOf(String id) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (Map<String, Object> c : history()) {
        Map<String, Object> cmd = (Map<String, Object>) c.get("command");
        if (id.equals(cmd.get("id"))) {
          return (String) cmd.get("source");
        }
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
    throw new AssertionError("no command " + id + " in the history within 30 s");
  }

  @Test
  void aCommandWithoutSourceIsApiAndOneThatSaysHumanIsHuman() throws Exception {
    startPausedAfter(1);
    String knob = "\"type\":\"set_knobs\",\"args\":{\"lr\":0.002}";
    assertEquals(202, http.command("t1", "{\"id\":\"curl-1\"," + knob + "}").statusCode());
    assertEquals("api", sourceOf("curl-1"));
    assertEquals(
        202,
        http.command("t1", "{\"id\":\"person-1\",\"source\":\"human\"," + knob + "}").statusCode());
    assertEquals("human", sourceOf("person-1"));
    assertEquals(
        202, http.command("t1", "{\"id\":\"api-1\",\"source\":\"api\"," + knob + "}").statusCode());
    assertEquals("api", sourceOf("api-1"));
  }

  @Test
  void anEmptyHugeOrOtherSourceIsRefusedNamingTheField() throws Exception {
    startPausedAfter(1);
    int before = history().size();
    for (String source :
        List.of("\"\"", "\"" + "h".repeat(20_000) + "\"", "\"agent\"", "7", "\"Human\"")) {
      HttpResponse<String> r = http.command("t1", "{\"type\":\"pause\",\"source\":" + source + "}");
      assertEquals(400, r.statusCode(), r.body());
      Map<String, Object> err = http.json(r);
      assertEquals("source", err.get("field"));
      assertTrue(err.get("error").toString().contains("'human' or 'api'"), r.body());
      assertTrue(r.body().length() < 500, "the value is not echoed back");
    }
    assertEquals(before, history().size(), "nothing recorded");
  }

  @Test
  void loadingACheckpointIntoABranchThatExistsIsRefusedAtIntake() throws Exception {
    startPausedAfter(55); // checkpoint main/50 exists
    int before = history().size();
    HttpResponse<String> r = load("main");
    assertEquals(400, r.statusCode(), r.body());
    Map<String, Object> err = Json.read(r.body(), Map.class);
    assertEquals("args.branch", err.get("field"));
    assertTrue(err.get("error").toString().contains("branch 'main' already exists"), r.body());
    assertEquals(before, history().size(), "nothing recorded");

    r = load("retry");
    assertEquals(202, r.statusCode(), r.body());
    http.awaitState("t1", s -> "retry".equals(s.get("branch")), 60);
    r = load("retry");
    assertEquals(400, r.statusCode(), "a branch made by a fork is taken too: " + r.body());
    assertEquals("args.branch", http.json(r).get("field"));
    r = load("main");
    assertEquals(400, r.statusCode(), "and main stays taken from another branch: " + r.body());

    r = http.command("t1", "{\"type\":\"load_checkpoint\",\"args\":{\"checkpoint\":\"main/50\"}}");
    assertEquals(202, r.statusCode(), "without a name the trainer picks a fresh one: " + r.body());
    assertFalse(server.store().branches().contains("again"));
    assertEquals(202, load("again").statusCode());
  }

  private HttpResponse<String> load(String branch) throws Exception {
    return http.command(
        "t1",
        "{\"type\":\"load_checkpoint\",\"args\":{\"checkpoint\":\"main/50\",\"branch\":\""
            + branch
            + "\"}}");
  }
}
