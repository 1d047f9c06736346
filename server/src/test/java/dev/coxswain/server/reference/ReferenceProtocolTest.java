package dev.coxswain.server.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client written from the reference's protocol (its routes and envelopes), doing what its {@code
 * llm_as_tuner.py} does against a Coxswain run served with {@code --compat}: read {@code
 * log_update} messages, pause at an evaluation, resume, change the learning rate with {@code
 * update_optimizer}; the change applies at the next step and its result comes back in their
 * envelope. Bad envelopes get their envelope with {@code failed} and our reason, and change
 * nothing.
 */
class ReferenceProtocolTest {
  @TempDir Path dir;
  private CoxswainServer server;

  @org.junit.jupiter.api.AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  /** The reference's client side: envelopes over HTTP, messages from the WebSocket. */
  static final class ReferenceClient implements WebSocket.Listener, AutoCloseable {
    final BlockingQueue<Map<String, Object>> messages = new LinkedBlockingQueue<>();
    final List<Map<String, Object>> seen = new ArrayList<>();
    final TestRuns.Http http;
    final WebSocket ws;
    private final StringBuilder partial = new StringBuilder();

    ReferenceClient(int port) throws Exception {
      http = new TestRuns.Http(port);
      ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/message/"), this)
              .get(10, TimeUnit.SECONDS);
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          messages.add(Json.mapper().readValue(partial.toString(), Map.class));
        } catch (Exception e) {
          throw new AssertionError("a message that is not JSON: " + partial, e);
        }
        partial.setLength(0);
      }
      w.request(1);
      return null;
    }

    /** Their envelope: args is a JSON document in a string; time in seconds. */
    HttpResponse<String> send(String command, String args, String uuid) throws Exception {
      String body =
          Json.write(
              Map.of(
                  "command", command,
                  "args", args,
                  "uuid", uuid,
                  "time", System.currentTimeMillis() / 1000.0,
                  "status", "requested"));
      return http.post("/api/command/", body, null); // their clients send no token
    }

    /** The next message that matches, reading (and keeping) every message before it. */
    Map<String, Object> await(String what, Predicate<Map<String, Object>> p) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        Map<String, Object> m = messages.poll(100, TimeUnit.MILLISECONDS);
        if (m != null) {
          seen.add(m);
          if (p.test(m)) {
            return m;
          }
        }
      }
      throw new AssertionError("no message " + what + " within 60 s; last: " + tail());
    }

    private List<Map<String, Object>> tail() {
      return seen.subList(Math.max(0, seen.size() - 5), seen.size());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> args(Map<String, Object> m) throws Exception {
      return Json.mapper().readValue((String) m.get("args"), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> metrics(Map<String, Object> m) throws Exception {
      return (Map<String, Object>) args(m).get("metrics");
    }

    static Predicate<Map<String, Object>> result(String command, String uuid) {
      return m ->
          command.equals(m.get("command"))
              && uuid.equals(m.get("uuid"))
              && List.of("success", "failed").contains(m.get("status"));
    }

    @Override
    public void close() {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
  }

  private static double number(Object o) {
    return ((Number) o).doubleValue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void theReferencesTunerLoopSteersACoxswainRun() throws Exception {
    server =
        TestRuns.start(
            dir,
            1_000_000,
            // about 25 commands, good and bad, in a few seconds: on a fast machine more than the
            // default burst of 20 (a 429 here once); the rate limit has tests of its own
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withCompat("t1").withRate(1000, 1000),
            null);
    try (ReferenceClient c = new ReferenceClient(server.port())) {
      // like llm_as_tuner: at an evaluation after the start (epoch != 0), pause, resume, set lr
      Map<String, Object> eval =
          c.await(
              "an evaluation's log_update after the start",
              m -> {
                try {
                  return "log_update".equals(m.get("command"))
                      && ReferenceClient.metrics(m).containsKey("eval_loss")
                      && number(ReferenceClient.metrics(m).get("epoch")) != 0.0;
                } catch (Exception e) {
                  return false;
                }
              });
      assertTrue(number(ReferenceClient.metrics(eval).get("global_step")) >= 50, eval.toString());
      String pause = UUID.randomUUID().toString();
      assertEquals(200, c.send("pause_training", "", pause).statusCode());
      assertEquals(
          "success",
          c.await("pause's result", ReferenceClient.result("pause_training", pause)).get("status"));
      Map<String, Object> info = c.http.json(c.http.get("/api/get_info/"));
      assertEquals("paused", info.get("status"));
      assertEquals("t1", info.get("run_name"));
      String resume = UUID.randomUUID().toString();
      assertEquals(200, c.send("resume_training", "", resume).statusCode());
      c.await("resume's result", ReferenceClient.result("resume_training", resume));
      double old = number(c.http.json(c.http.get("/api/get_optimizer_info/")).get("lr"));
      double lr = old / 2;
      String update = UUID.randomUUID().toString();
      HttpResponse<String> sent =
          c.send(
              "update_optimizer",
              Json.write(Map.of("lr", Map.of("value", lr, "name", "lr"))),
              update);
      assertEquals(200, sent.statusCode(), sent.body());
      assertEquals("success", c.http.json(sent).get("status"));
      Map<String, Object> applied =
          c.await("update_optimizer's result", ReferenceClient.result("update_optimizer", update));
      assertEquals("success", applied.get("status"), applied.toString());
      long from = ((Number) applied.get("step")).longValue();
      // the training steps around it: the old lr before, the new one from the step it names
      Map<String, Object> next =
          c.await(
              "the step the change applies at",
              m -> {
                try {
                  return "log_update".equals(m.get("command"))
                      && ReferenceClient.metrics(m).containsKey("loss")
                      && number(ReferenceClient.metrics(m).get("global_step")) == from;
                } catch (Exception e) {
                  return false;
                }
              });
      assertEquals(lr, number(ReferenceClient.metrics(next).get("learning_rate")), 1e-12);
      for (Map<String, Object> m : c.seen) {
        if ("log_update".equals(m.get("command"))
            && ReferenceClient.metrics(m).containsKey("learning_rate")) {
          double step = number(ReferenceClient.metrics(m).get("global_step"));
          if (step < from && step > number(ReferenceClient.metrics(eval).get("global_step"))) {
            assertEquals(
                old,
                number(ReferenceClient.metrics(m).get("learning_rate")),
                1e-12,
                "before step " + from);
          }
        }
      }
      assertEquals(
          lr, number(c.http.json(c.http.get("/api/get_optimizer_info/")).get("lr")), 1e-12);

      // checkpoints: saved, listed, loaded onto a new branch
      String save = UUID.randomUUID().toString();
      assertEquals(200, c.send("save_checkpoint", "", save).statusCode());
      Map<String, Object> ckpt =
          c.await("checkpoint_info_update", m -> "checkpoint_info_update".equals(m.get("command")));
      String ckptId = (String) ReferenceClient.args(ckpt).get("uuid");
      c.await("save's result", ReferenceClient.result("save_checkpoint", save));
      List<Map<String, Object>> listed =
          Json.mapper().readValue(c.http.get("/api/get_checkpoints/").body(), List.class);
      assertTrue(listed.stream().anyMatch(k -> ckptId.equals(k.get("uuid"))), listed.toString());
      String load = UUID.randomUUID().toString();
      assertEquals(
          200,
          c.send(
                  "load_checkpoint",
                  Json.write(Map.of("uuid", ckptId, "branch_name", "retry")),
                  load)
              .statusCode());
      assertEquals(
          "success",
          c.await("load's result", ReferenceClient.result("load_checkpoint", load)).get("status"));
      Map<String, Object> logs = c.http.json(c.http.get("/api/get_logs/"));
      Map<String, Object> branches = (Map<String, Object>) logs.get("branch_info");
      assertEquals(
          "main",
          ((Map<String, Object>) branches.get("retry")).get("parent"),
          logs.get("branch_info").toString());
      assertTrue(
          !((List<Object>) ((Map<String, Object>) logs.get("branched_logs")).get("main"))
              .isEmpty());
      Map<String, Object> modelInfo = c.http.json(c.http.get("/api/get_model_info/"));
      assertEquals("CharGpt", modelInfo.get("module_type"));
      // their tree, nested, each node named by what their layer commands send as layer_name
      Map<String, Object> block0 = ((List<Map<String, Object>>) modelInfo.get("children")).get(0);
      assertEquals("block0", block0.get("name"));
      Map<String, Object> dropNode =
          ((List<Map<String, Object>>) block0.get("children"))
              .stream().filter(n -> "block0.drop".equals(n.get("name"))).findFirst().orElseThrow();
      assertEquals(
          "p", ((List<Map<String, Object>>) dropNode.get("hyperparameters")).get(0).get("name"));
      assertEquals(
          "reset_parameters",
          ((List<Map<String, Object>>) block0.get("operators")).get(0).get("name"));
      assertTrue(
          c.http.json(c.http.get("/api/get_dataset_info/")).get("initialization_parameters")
              instanceof Map);

      // their layer commands: a dropout's p set, a layer's parameters reset
      String drop = UUID.randomUUID().toString();
      HttpResponse<String> dropSent =
          c.send(
              "model_layer_parameter_update",
              Json.write(Map.of("layer_name", "block0.drop", "param_name", "p", "value", 0.1)),
              drop);
      assertEquals(200, dropSent.statusCode(), dropSent.body());
      assertEquals(
          "success",
          c.await(
                  "the dropout's result",
                  ReferenceClient.result("model_layer_parameter_update", drop))
              .get("status"));
      assertTrue(
          c.http.get("/api/runs/t1/model").body().contains("\"value\":0.1"),
          "our tree shows their change");
      String reset = UUID.randomUUID().toString();
      assertEquals(
          200,
          c.send(
                  "model_layer_operation",
                  Json.write(
                      Map.of(
                          "layer_name",
                          "block0.attn",
                          "operation_name",
                          "reset_parameters",
                          "params",
                          Map.of())),
                  reset)
              .statusCode());
      assertEquals(
          "success",
          c.await("the reset's result", ReferenceClient.result("model_layer_operation", reset))
              .get("status"));

      // bad envelopes: their envelope with failed and our reason; nothing recorded
      int before =
          ((List<Object>) c.http.json(c.http.get("/api/runs/t1/commands")).get("commands")).size();
      List<String[]> bad =
          List.of(
              new String[] {"not json", "body"},
              new String[] {
                "{\"command\":\"update_optimizer\",\"args\":\"{lr: oops\",\"uuid\":\"u1\",\"time\":1}",
                "args"
              },
              new String[] {
                "{\"command\":\"update_optimizer\",\"args\":\"{\\\"lr\\\":{\\\"value\\\":50}}\",\"uuid\":\"u2\",\"time\":1}",
                "args.lr"
              },
              new String[] {
                "{\"command\":\"update_optimizer\",\"args\":\"{\\\"momentum\\\":0.9}\",\"uuid\":\"u3\",\"time\":1}",
                "args.momentum"
              },
              new String[] {
                "{\"command\":\"update_dataset\",\"args\":\"{}\",\"uuid\":\"u4\",\"time\":1}",
                "command"
              },
              new String[] {
                "{\"command\":\"fly\",\"args\":\"\",\"uuid\":\"u5\",\"time\":1}", "command"
              },
              new String[] {
                "{\"command\":\"pause_training\",\"uuid\":\"u6\",\"time\":\"noon\"}", "time"
              },
              new String[] {
                "{\"command\":\"load_checkpoint\",\"args\":\"{\\\"uuid\\\":\\\"main/999999\\\"}\",\"uuid\":\"u7\",\"time\":1}",
                "args.checkpoint"
              },
              new String[] {
                layer(
                    "model_layer_operation",
                    "u8",
                    "block0.attn",
                    "operation_name",
                    "requires_grad_"),
                "args.operation_name"
              },
              new String[] {
                layer("model_layer_operation", "u9", "nope", "operation_name", "reset_parameters"),
                "args.module"
              },
              new String[] {
                layer("model_layer_parameter_update", "u10", "block0.drop", "param_name", "eps"),
                "args.param"
              },
              new String[] {
                Json.write(
                    Map.of(
                        "command",
                        "model_layer_parameter_update",
                        "args",
                        Json.write(
                            Map.of("layer_name", "block0.drop", "param_name", "p", "value", 5)),
                        "uuid",
                        "u11",
                        "time",
                        1)),
                "args.value"
              },
              new String[] {
                "{\"command\":\"reset_layer\",\"args\":\"{}\",\"uuid\":\"u12\",\"time\":1}",
                "command"
              });
      for (String[] b : bad) {
        HttpResponse<String> r = c.http.post("/api/command/", b[0], null);
        assertEquals(400, r.statusCode(), b[0] + " -> " + r.body());
        Map<String, Object> m = c.http.json(r);
        assertEquals("failed", m.get("status"), r.body());
        assertEquals(b[1], m.get("field"), r.body());
        assertTrue(((String) m.get("message")).length() > 10, r.body());
      }
      Map<String, Object> refused =
          c.await(
              "the refusal of u2 on the socket", ReferenceClient.result("update_optimizer", "u2"));
      assertTrue(((String) refused.get("message")).contains("out of bounds"), refused.toString());
      assertEquals(
          before,
          ((List<Object>) c.http.json(c.http.get("/api/runs/t1/commands")).get("commands")).size(),
          "nothing recorded");
      assertEquals(
          lr, number(c.http.json(c.http.get("/api/get_optimizer_info/")).get("lr")), 1e-12);

      // time in milliseconds and the README's flat args are read too; then stop
      String flat = UUID.randomUUID().toString();
      HttpResponse<String> ms =
          c.http.post(
              "/api/command/",
              Json.write(
                  Map.of(
                      "command",
                      "update_optimizer",
                      "args",
                      "{\"lr\": " + old + "}",
                      "uuid",
                      flat,
                      "time",
                      System.currentTimeMillis(),
                      "status",
                      "requested")),
              null);
      assertEquals(200, ms.statusCode(), ms.body());
      Map<String, Object> flatDone =
          c.await("the flat update's result", ReferenceClient.result("update_optimizer", flat));
      assertEquals("success", flatDone.get("status"));
      assertTrue(number(flatDone.get("time")) < 1e11, "echoed in seconds: " + flatDone);
      String stop = UUID.randomUUID().toString();
      assertEquals(200, c.send("stop_training", "", stop).statusCode());
      assertEquals(
          "success",
          c.await("stop's result", ReferenceClient.result("stop_training", stop)).get("status"));
    }
  }

  /** One of their layer envelopes with one more argument (and value 0.1 for updates). */
  private static String layer(String command, String uuid, String layer, String key, String v) {
    Map<String, Object> args = new java.util.LinkedHashMap<>();
    args.put("layer_name", layer);
    args.put(key, v);
    if (command.equals("model_layer_parameter_update")) {
      args.put("value", 0.1);
    }
    return Json.write(
        Map.of("command", command, "args", Json.write(args), "uuid", uuid, "time", 1));
  }

  @Test
  void theReferencesRoutesAreOffUnlessAsked() throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    {
      TestRuns.Http http = new TestRuns.Http(server.port());
      assertEquals(404, http.get("/api/get_info/").statusCode());
      assertEquals(
          404, http.post("/api/command/", "{\"command\":\"stop_training\"}", null).statusCode());
      assertEquals(200, http.get("/api/runs/t1").statusCode());
    }
  }
}
