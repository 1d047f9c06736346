package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "The run now" in {@code GET /api/runs/{id}} is the live branch: after a fork, the last evaluation
 * shown is the new branch's own, never the one its parent made later.
 */
class LiveBranchStateTest {
  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  private static Map<?, ?> lastEval(Map<String, Object> state) {
    return (Map<?, ?>) state.get("last_eval");
  }

  @Test
  void afterAForkLastEvalIsTheNewBranchsOwnAndNotTheParentsLaterOne() throws Exception {
    server = TestRuns.start(dir, 1_000_000); // evaluations and checkpoints every 50 steps
    TestRuns.Http http = new TestRuns.Http(server.port());
    Map<String, Object> s =
        http.awaitState(
            "t1", st -> lastEval(st).get("step") instanceof Number n && n.longValue() >= 100, 180);
    assertEquals("main", lastEval(s).get("branch"), s.toString());
    assertEquals(202, http.command("t1", "{\"type\":\"pause\"}").statusCode());
    http.awaitState("t1", st -> "paused".equals(st.get("status")), 60);

    assertEquals(
        202,
        http.command(
                "t1",
                "{\"type\":\"load_checkpoint\","
                    + "\"args\":{\"checkpoint\":\"main/50\",\"branch\":\"retry\"}}")
            .statusCode());
    s = http.awaitState("t1", st -> "retry".equals(st.get("branch")), 60);
    // negative: main evaluated at step 100 and later; retry (at step 50) has not evaluated yet
    assertTrue(lastEval(s).isEmpty(), "another branch's evaluation shown: " + s);

    // positive: retry's own evaluation, at its step 100, once it has made one
    assertEquals(202, http.command("t1", "{\"type\":\"resume\"}").statusCode());
    s = http.awaitState("t1", st -> "retry".equals(lastEval(st).get("branch")), 180);
    assertEquals(100L, ((Number) lastEval(s).get("step")).longValue(), s.toString());
    assertTrue(lastEval(s).get("eval_loss") instanceof Number, s.toString());
  }
}
