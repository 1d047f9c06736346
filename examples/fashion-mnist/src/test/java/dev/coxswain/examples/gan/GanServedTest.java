package dev.coxswain.examples.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.Coxswain;
import dev.coxswain.server.TestRuns;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The GAN served by the library facade, steered over HTTP: the run's state lists its knobs (type,
 * bounds, scale, role) and its action; a knob change is applied at the next step and shows in the
 * metrics; bad values are refused with a 400 naming the knob, nothing recorded; the action is
 * applied, and its handler's error is reported {@code failed} while the run goes on.
 */
class GanServedTest {
  static final Path DATA =
      Path.of(System.getProperty("fashion.mnist", FashionMnistData.DEBIAN_DIR.toString()));

  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void theGanIsSteeredThroughItsOwnKnobsAndAction() throws Exception {
    FashionMnistData train = FashionMnistData.train(DATA, 512);
    FashionMnistData val = FashionMnistData.test(DATA, 200);
    TrainerConfig config =
        TrainerConfig.builder().optRunId("gan").optMaxSteps(1_000_000).optEvalEvery(20).build();
    try (GanLoop gan = new GanLoop(train, val, 32, 42);
        Coxswain run =
            Coxswain.builder(gan.loop(), config)
                .optRunsRoot(dir.resolve("runs"))
                .optListen("127.0.0.1", 0)
                .optToken(TestRuns.TOKEN)
                .serve()) {
      TestRuns.Http http = new TestRuns.Http(run.port());
      Map<String, Object> state =
          http.awaitState("gan", s -> ((Number) s.get("step")).longValue() >= 3, 60);

      // the knobs as registered, with type, bounds, scale and role; the action with its field
      Map<String, Map<String, Object>> knobs =
          byName((List<Map<String, Object>>) state.get("knobs"));
      assertEquals(List.of("lr_d", "lr_g", "n_critic"), List.copyOf(knobs.keySet()));
      Map<String, Object> lrD = knobs.get("lr_d");
      assertEquals("double", lrD.get("type"));
      assertEquals(1e-6, ((Number) lrD.get("min")).doubleValue());
      assertEquals(1e-2, ((Number) lrD.get("max")).doubleValue());
      assertEquals("log", lrD.get("scale"));
      assertEquals("learning_rate", lrD.get("role"));
      assertEquals("learning_rate", knobs.get("lr_g").get("role"));
      Map<String, Object> nCritic = knobs.get("n_critic");
      assertEquals("int", nCritic.get("type"));
      assertEquals(1.0, ((Number) nCritic.get("min")).doubleValue());
      assertEquals(10.0, ((Number) nCritic.get("max")).doubleValue());
      assertEquals(null, nCritic.get("scale"), "a linear knob says no scale");
      List<Map<String, Object>> actions = (List<Map<String, Object>>) state.get("actions");
      assertEquals(1, actions.size(), String.valueOf(actions));
      assertEquals("freeze_d", actions.get(0).get("name"));
      Map<String, Object> field = ((List<Map<String, Object>>) actions.get(0).get("fields")).get(0);
      assertEquals("steps", field.get("name"));
      assertEquals(1000, ((Number) field.get("max")).intValue());

      // a person's lr_d, applied at the next step and seen in that step's metrics
      Map<String, Object> set = awaitResult(http, send(http, "set_knobs", "{\"lr_d\":0.001}"));
      assertEquals("applied", set.get("status"), String.valueOf(set));
      long from = ((Number) set.get("step")).longValue();
      http.awaitState("gan", s -> ((Number) s.get("step")).longValue() >= from, 60);
      assertEquals(2e-4, valuesAt(http, from - 1).get("lr_d").doubleValue());
      assertEquals(1e-3, valuesAt(http, from).get("lr_d").doubleValue());

      // bad values: 400 naming the knob or field, nothing recorded
      int recorded = commands(http).size();
      refused(http, "set_knobs", "{\"lr_d\":0.5}", "args.lr_d", "out of bounds");
      refused(http, "set_knobs", "{\"n_critic\":2.5}", "args.n_critic", "n_critic");
      refused(http, "set_knobs", "{\"lr_x\":0.001}", "args.lr_x", "lr_x");
      refused(http, "run_action", "{\"action\":\"freeze_d\",\"steps\":0}", "args.steps", "steps");
      refused(http, "run_action", "{\"action\":\"thaw_d\"}", "args.action", "thaw_d");
      assertEquals(recorded, commands(http).size(), "nothing recorded");
      assertEquals(
          1e-3,
          ((Number)
                  byName((List<Map<String, Object>>) http.state("gan").get("knobs"))
                      .get("lr_d")
                      .get("value"))
              .doubleValue(),
          "lr_d unchanged");

      // the action, then its handler's error: failed, with the error; the run goes on
      Map<String, Object> frozen =
          awaitResult(http, send(http, "run_action", "{\"action\":\"freeze_d\",\"steps\":1000}"));
      assertEquals("applied", frozen.get("status"), String.valueOf(frozen));
      Map<String, Object> again =
          awaitResult(http, send(http, "run_action", "{\"action\":\"freeze_d\",\"steps\":5}"));
      assertEquals("failed", again.get("status"), String.valueOf(again));
      assertTrue(
          String.valueOf(again.get("reason")).contains("already frozen"), String.valueOf(again));
      long failedAt = ((Number) again.get("step")).longValue();
      Map<String, Object> later =
          http.awaitState("gan", s -> ((Number) s.get("step")).longValue() >= failedAt + 3, 60);
      assertEquals("running", later.get("status"));
      assertEquals(1.0, valuesAt(http, failedAt + 1).get("d_frozen").doubleValue());

      // its figures: both losses each step, the sample quality at each evaluation
      Map<String, Number> values = valuesAt(http, failedAt + 1);
      assertTrue(Double.isFinite(values.get("loss_d").doubleValue()));
      assertTrue(Double.isFinite(values.get("loss_g").doubleValue()));
      Map<String, Object> withEval =
          http.awaitState(
              "gan", s -> s.get("last_eval") instanceof Map<?, ?> e && !e.isEmpty(), 60);
      assertNotNull(withEval.get("last_eval"));
      assertEquals("applied", awaitResult(http, send(http, "stop", "{}")).get("status"), "stopped");
      RunOutcome end = run.awaitEnd(60);
      assertEquals("stopped", end.status());
      assertTrue(end.metrics().get("nn_distance") > 0, String.valueOf(end.metrics()));
    }
  }

  @Test
  void theExampleCommandTrainsServedWithTheRuleAgentAndPrintsItsFigures() throws Exception {
    PrintStream out = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int code;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      code =
          new CommandLine(new GanExample())
              .execute(
                  "--data",
                  DATA.toString(),
                  "--steps",
                  "40",
                  "--train-images",
                  "300",
                  "--val-images",
                  "100",
                  "--eval-every",
                  "20",
                  "--agent-every",
                  "10",
                  "--port",
                  "0",
                  "--exit-when-done",
                  "--run-id",
                  "g",
                  "--runs",
                  dir.resolve("runs").toString());
    } finally {
      System.setOut(out);
    }
    String text = printed.toString(StandardCharsets.UTF_8);
    System.out.print(text);
    assertEquals(0, code, text);
    assertTrue(text.contains("gan: finished at step 40: loss_d "), text);
    assertTrue(text.matches("(?s).*nearest real image at RMS distance 0\\.\\d+.*"), text);
    String runJson = Files.readString(dir.resolve("runs/g/run.json"));
    assertTrue(runJson.matches("(?s).*\"mode\"\\s*:\\s*\"rule\".*"), runJson);

    PrintStream err = System.err;
    System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      code =
          new CommandLine(new GanExample())
              .execute(
                  "--data",
                  DATA.toString(),
                  "--train-images",
                  "10",
                  "--val-images",
                  "10",
                  "--batch",
                  "0",
                  "--port",
                  "0");
    } finally {
      System.setErr(err);
    }
    assertEquals(2, code);
    assertTrue(
        printed.toString(StandardCharsets.UTF_8).contains("the batch must hold at least 1 image"));
  }

  private static Map<String, Map<String, Object>> byName(List<Map<String, Object>> list) {
    Map<String, Map<String, Object>> out = new java.util.LinkedHashMap<>();
    list.forEach(m -> out.put((String) m.get("name"), m));
    return out;
  }

  private static String send(TestRuns.Http http, String type, String args) throws Exception {
    HttpResponse<String> r =
        http.command("gan", "{\"type\":\"" + type + "\",\"args\":" + args + "}");
    assertEquals(202, r.statusCode(), r.body());
    return (String) http.json(r).get("id");
  }

  private static void refused(
      TestRuns.Http http, String type, String args, String field, String says) throws Exception {
    HttpResponse<String> r =
        http.command("gan", "{\"type\":\"" + type + "\",\"args\":" + args + "}");
    assertEquals(400, r.statusCode(), r.body());
    Map<String, Object> body = http.json(r);
    assertEquals(field, body.get("field"), r.body());
    assertTrue(String.valueOf(body.get("error")).contains(says), r.body());
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> commands(TestRuns.Http http) throws Exception {
    return (List<Map<String, Object>>)
        http.json(http.get("/api/runs/gan/commands")).get("commands");
  }

  /** Waits (bounded) for the command's result in the history. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> awaitResult(TestRuns.Http http, String id) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (Map<String, Object> c : commands(http)) {
        if (id.equals(((Map<String, Object>) c.get("command")).get("id"))
            && c.get("result") != null) {
          return (Map<String, Object>) c.get("result");
        }
      }
      LockSupport.parkNanos(20_000_000);
    }
    throw new AssertionError("no result for command " + id + " within 60 s");
  }

  /** The named values of the main branch's metrics at one step. */
  @SuppressWarnings("unchecked")
  private static Map<String, Number> valuesAt(TestRuns.Http http, long step) throws Exception {
    List<Map<String, Object>> points =
        (List<Map<String, Object>>)
            http.json(
                    http.get("/api/runs/gan/metrics?branch=main&since=" + (step - 1) + "&limit=4"))
                .get("metrics");
    return points.stream()
        .filter(p -> ((Number) p.get("step")).longValue() == step && p.get("values") != null)
        .map(p -> (Map<String, Number>) p.get("values"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metrics of step " + step + ": " + points));
  }
}
