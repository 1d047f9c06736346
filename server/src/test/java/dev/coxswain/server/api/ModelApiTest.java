package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/runs/{id}/model} and the model commands through the API, against a real server
 * with a real DJL run: the tree comes from the trainer, good commands apply, bad ones are refused
 * with the field at fault before anything is recorded.
 */
class ModelApiTest {
  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> module(Map<String, Object> tree, String path) {
    return ((List<Map<String, Object>>) tree.get("modules"))
        .stream().filter(m -> path.equals(m.get("module"))).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static double dropout(Map<String, Object> tree) {
    Map<String, Object> p =
        ((List<Map<String, Object>>) module(tree, "block0.drop").get("settable")).get(0);
    return ((Number) p.get("value")).doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> history(TestRuns.Http http) throws Exception {
    return (List<Map<String, Object>>) http.json(http.get("/api/runs/t1/commands")).get("commands");
  }

  /** Waits for the result of the command with this id in the history. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> result(TestRuns.Http http, String id) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (Map<String, Object> c : history(http)) {
        if (id.equals(((Map<String, Object>) c.get("command")).get("id"))
            && c.get("result") != null) {
          return (Map<String, Object>) c.get("result");
        }
      }
      LockSupport.parkNanos(20_000_000);
    }
    throw new AssertionError("no result for " + id + " within 60 s");
  }

  private static String post(TestRuns.Http http, String type, Map<String, Object> args)
      throws Exception {
    HttpResponse<String> r =
        http.command("t1", Json.write(Map.of("type", type, "args", args, "reason", "test")));
    assertEquals(202, r.statusCode(), r.body());
    return (String) http.json(r).get("id");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theTreeComesFromTheTrainerAndModelCommandsApplyOrAreRefusedWithTheirField()
      throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 2, 60);
    HttpResponse<String> got = http.get("/api/runs/t1/model");
    assertEquals(200, got.statusCode(), got.body());
    Map<String, Object> tree = http.json(got);
    assertEquals("CausalSelfAttention", module(tree, "block0.attn").get("type"));
    assertEquals(List.of("reset"), module(tree, "block0.attn").get("operations"));
    assertEquals(0.0, dropout(tree), "dropout is off by default");
    assertTrue(((Number) tree.get("parameter_count")).longValue() > 0);

    String set =
        post(http, "set_module_param", Map.of("module", "block0.drop", "param", "p", "value", 0.1));
    Map<String, Object> r = result(http, set);
    assertEquals("applied", r.get("status"), r.toString());
    Map<String, Object> detail = (Map<String, Object>) r.get("detail");
    assertEquals(0.0, ((Number) detail.get("from")).doubleValue());
    assertEquals(0.1, ((Number) detail.get("to")).doubleValue());
    assertEquals(0.1, dropout(http.json(http.get("/api/runs/t1/model"))), 1e-12);

    String reset = post(http, "reset_module", Map.of("module", "block0.attn"));
    r = result(http, reset);
    assertEquals("applied", r.get("status"), r.toString());
    assertEquals("block0.attn", ((Map<String, Object>) r.get("detail")).get("module"));

    int before = history(http).size();
    record Bad(String type, Map<String, Object> args, String field, String words) {}
    List<Bad> bad =
        List.of(
            new Bad("reset_module", Map.of("module", "block9"), "args.module", "no module"),
            new Bad(
                "reset_module", Map.of("module", "block0.drop"), "args.module", "no parameters"),
            new Bad(
                "set_module_param",
                Map.of("module", "head", "param", "p", "value", 0.1),
                "args.module",
                "no settable parameters; settable: block0.ln1.eps, block0.ln2.eps, block0.drop.p"),
            new Bad(
                "set_module_param",
                Map.of("module", "block0.drop", "param", "rate", "value", 0.1),
                "args.param",
                "it has: p"),
            new Bad(
                "set_module_param",
                Map.of("module", "block0.drop", "param", "p", "value", "0.1"),
                "args.value",
                "must be a number"),
            new Bad(
                "set_module_param",
                Map.of("module", "block0.drop", "param", "p", "value", 2),
                "args.value",
                "out of bounds [0.0, 0.9]"),
            new Bad(
                "set_module_param",
                Map.of("module", "block0.drop", "param", "p"),
                "args.value",
                "required"));
    for (Bad b : bad) {
      HttpResponse<String> refused =
          http.command("t1", Json.write(Map.of("type", b.type(), "args", b.args())));
      assertEquals(400, refused.statusCode(), b + " -> " + refused.body());
      Map<String, Object> err = http.json(refused);
      assertEquals(b.field(), err.get("field"), refused.body());
      assertTrue(((String) err.get("error")).contains(b.words()), refused.body());
    }
    assertEquals(before, history(http).size(), "nothing recorded");
    assertEquals(0.1, dropout(http.json(http.get("/api/runs/t1/model"))), 1e-12);
    long step = ((Number) http.state("t1").get("step")).longValue();
    http.awaitState("t1", s -> ((Number) s.get("step")).longValue() > step + 5, 60);
  }

  @Test
  void aFinishedRunShowsItsModelWhileHostedAndARunFromDiskHasNone() throws Exception {
    server = TestRuns.start(dir, 10);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("t1", s -> "finished".equals(s.get("status")), 60);
    // its trainer still holds the model: readable, though it takes no more commands
    assertEquals(200, http.get("/api/runs/t1/model").statusCode());
    HttpResponse<String> late =
        http.command("t1", "{\"type\":\"reset_module\",\"args\":{\"module\":\"head\"}}");
    assertEquals(409, late.statusCode(), late.body());
    server.shutdown("restart");
    // the same runs directory under a new server with a run of its own: t1 is only on disk
    dev.coxswain.run.RunConfig cfg =
        dev.coxswain.run.RunConfig.load(TestRuns.config(dir, 1_000_000, 50))
            .withOverrides("t2", null, null, null, null);
    dev.coxswain.run.RunSpec spec = dev.coxswain.run.RunSpec.resolve(cfg, 10, Map.of());
    server =
        CoxswainServer.start(
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            dir.resolve("runs"),
            dev.coxswain.run.RunStore.create(dir.resolve("runs/t2"), spec.runJson()),
            spec,
            null,
            null);
    http = new TestRuns.Http(server.port());
    HttpResponse<String> r = http.get("/api/runs/t1/model");
    assertEquals(409, r.statusCode(), r.body());
    assertTrue(http.json(r).get("error").toString().contains("not live"), r.body());
    assertEquals(404, http.get("/api/runs/nope/model").statusCode());
  }

  @Test
  void withPrivateReadsTheModelNeedsTheToken() throws Exception {
    server =
        TestRuns.start(
            dir,
            1_000_000,
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withPrivateReads(true),
            null);
    TestRuns.Http http = new TestRuns.Http(server.port());
    assertEquals(401, http.get("/api/runs/t1/model").statusCode());
    assertEquals(
        401, http.get("/api/runs/t1/model", Map.of("Authorization", "Bearer nope")).statusCode());
    Map<String, String> auth = Map.of("Authorization", "Bearer " + TestRuns.TOKEN);
    HttpResponse<String> ok = http.get("/api/runs/t1/model", auth);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (ok.statusCode() == 409 && System.nanoTime() < deadline) { // until the trainer joins
      LockSupport.parkNanos(20_000_000);
      ok = http.get("/api/runs/t1/model", auth);
    }
    assertEquals(200, ok.statusCode(), ok.body());
    assertTrue(ok.body().contains("block0.drop"), ok.body());
  }
}
