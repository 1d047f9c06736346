package dev.coxswain.examples.easytrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.Coxswain;
import dev.coxswain.server.TestRuns;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL's own {@code EasyTrain.fit} on Debian's Fashion-MNIST, served through the adapter and steered
 * over HTTP like any run: a person's learning rate at the next batch, a refused knob, pause, a
 * checkpoint while paused, resume, stop.
 */
class EasyTrainExampleTest {
  static final Path DATA =
      Path.of(System.getProperty("fashion.mnist", FashionMnistData.DEBIAN_DIR.toString()));
  static final String RUN = "easytrain";

  @TempDir Path dir;

  static FashionMnistData[] data(int train, int val) throws IOException {
    if (!Files.isDirectory(DATA)) {
      throw new AssertionError(
          "Fashion-MNIST missing at " + DATA + ": apt-get install dataset-fashion-mnist");
    }
    return new FashionMnistData[] {
      FashionMnistData.train(DATA, train), FashionMnistData.test(DATA, val)
    };
  }

  @Test
  void easyTrainFitIsSteeredFromTheApi() throws Exception {
    FashionMnistData[] d = data(6_000, 1_000);
    int epochs = 20; // far more than the test lets it train: the stop ends it
    TrainerConfig config =
        TrainerConfig.builder()
            .optRunId(RUN)
            .optMaxSteps(EasyTrainExample.steps(d[0].count(), 64, epochs))
            .optEvalEvery(0)
            .build();
    RunOutcome end =
        EasyTrainExample.train(
            d[0],
            d[1],
            64,
            epochs,
            1e-3,
            loop -> {
              try (Coxswain run =
                  Coxswain.builder(loop, config)
                      .optRunsRoot(dir.resolve("runs"))
                      .optListen("127.0.0.1", 0)
                      .optToken(TestRuns.TOKEN)
                      .serve()) {
                steer(new TestRuns.Http(run.port()), run.runDirectory());
                return run.awaitEnd(120);
              }
            });
    assertEquals("stopped", end.status());
    double accuracy = end.metrics().get("accuracy");
    // ten classes: chance is 0.1; a hundred batches of this MLP reach far beyond it
    assertTrue(accuracy > 0.6, "validation accuracy " + accuracy);
    assertTrue(end.validationLoss() < end.initialValidationLoss());
    System.out.printf(
        "easytrain (EasyTrain.fit, MLP, 6,000 training images, stopped at batch %d): validation"
            + " accuracy %.4f on 1,000 test images, loss %.4f -> %.4f%n",
        end.step(), accuracy, end.initialValidationLoss(), end.validationLoss());
  }

  @SuppressWarnings("unchecked")
  static void steer(TestRuns.Http http, Path runDir) throws Exception {
    Map<String, Object> state = http.awaitState(RUN, s -> step(s) >= 3, 120);
    Map<String, Object> lr =
        ((List<Map<String, Object>>) state.get("knobs"))
            .stream().filter(k -> "lr".equals(k.get("name"))).findFirst().orElseThrow();
    assertEquals("log", lr.get("scale"), lr.toString());
    assertEquals("learning_rate", lr.get("role"), lr.toString());

    // a person's learning rate: applied from the next batch, which the metrics show
    String id = accepted(http, "{\"type\":\"set_knobs\",\"args\":{\"lr\":0.0005}}");
    Map<String, Object> result = awaitResult(http, id);
    assertEquals("applied", result.get("status"), result.toString());
    long from = ((Number) result.get("step")).longValue();
    http.awaitState(RUN, s -> step(s) >= from, 60);
    Map<Long, Double> lrs = lrByStep(http);
    assertEquals(1e-3, lrs.get(from - 1), 1e-12, "the batch before the change");
    assertEquals(5e-4, lrs.get(from), 1e-12, "the next batch");

    // what DJL's stock optimizers do not expose: refused, named, nothing recorded
    int before = history(http).size();
    HttpResponse<String> refused =
        http.command(RUN, "{\"type\":\"set_knobs\",\"args\":{\"weight_decay\":0.1}}");
    assertEquals(400, refused.statusCode(), refused.body());
    Map<String, Object> err = http.json(refused);
    assertEquals("args.weight_decay", err.get("field"));
    String why = String.valueOf(err.get("error"));
    assertTrue(why.contains("unknown knob 'weight_decay'") && why.contains("known: lr"), why);
    assertEquals(before, history(http).size(), "nothing recorded");

    // pause holds the fit between batches; a checkpoint of the parameters is saved while paused
    awaitResult(http, accepted(http, "{\"type\":\"pause\"}"));
    Map<String, Object> paused = http.awaitState(RUN, s -> "paused".equals(s.get("status")), 60);
    long held = step(paused);
    Map<String, Object> saved =
        awaitResult(
            http, accepted(http, "{\"type\":\"save_checkpoint\",\"args\":{\"tag\":\"paused\"}}"));
    assertEquals("applied", saved.get("status"), saved.toString());
    String checkpoint = (String) ((Map<String, Object>) saved.get("detail")).get("checkpoint");
    assertEquals("main/" + held, checkpoint);
    Path files = runDir.resolve("checkpoints").resolve("main").resolve(String.valueOf(held));
    try (Stream<Path> s = Files.list(files)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(List.of("meta.json", "parameters"), names);
    }
    // 784x128 + 128 + 128x10 + 10 floats of four bytes, with their names and shapes
    assertTrue(Files.size(files.resolve("parameters")) > 407_080, "the MLP's parameters");
    assertEquals(held, step(http.state(RUN)), "no batch trained while paused");

    // resume trains on; stop ends EasyTrain.fit at the next batch
    awaitResult(http, accepted(http, "{\"type\":\"resume\"}"));
    http.awaitState(RUN, s -> step(s) >= held + 60, 120);
    awaitResult(http, accepted(http, "{\"type\":\"stop\"}"));
    http.awaitState(RUN, s -> "stopped".equals(s.get("status")), 120);
  }

  static long step(Map<String, Object> state) {
    return ((Number) state.get("step")).longValue();
  }

  static String accepted(TestRuns.Http http, String json) throws Exception {
    HttpResponse<String> r = http.command(RUN, json);
    assertEquals(202, r.statusCode(), r.body());
    return (String) http.json(r).get("id");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> history(TestRuns.Http http) throws Exception {
    return (List<Map<String, Object>>)
        http.json(http.get("/api/runs/" + RUN + "/commands")).get("commands");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> awaitResult(TestRuns.Http http, String id) throws Exception {
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
    throw new AssertionError("no result for command " + id + " within 60 s");
  }

  @SuppressWarnings("unchecked")
  static Map<Long, Double> lrByStep(TestRuns.Http http) throws Exception {
    List<Map<String, Object>> points =
        (List<Map<String, Object>>)
            http.json(http.get("/api/runs/" + RUN + "/metrics?branch=main")).get("metrics");
    Map<Long, Double> out = new java.util.TreeMap<>();
    for (Map<String, Object> p : points) {
      if ("metrics".equals(p.get("type")) && p.get("lr") != null) {
        out.put(((Number) p.get("step")).longValue(), ((Number) p.get("lr")).doubleValue());
      }
    }
    return out;
  }
}
