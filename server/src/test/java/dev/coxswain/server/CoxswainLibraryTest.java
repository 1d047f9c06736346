package dev.coxswain.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.DatasetSource;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's own DJL model served by the library facade: API, console and agent in their JVM. */
class CoxswainLibraryTest {
  @TempDir Path dir;

  private static Workload regression(NDManager data) {
    // y = 3*x0 - 2*x1 + 0.5 on 512 random points (the same ones every run); 128 held out
    ai.djl.engine.Engine.getInstance().setRandomSeed(7);
    NDArray x = data.randomUniform(-1, 1, new Shape(640, 2));
    NDArray y = x.matMul(data.create(new float[] {3f, -2f}, new Shape(2, 1))).add(0.5f);
    ArrayDataset train =
        new ArrayDataset.Builder()
            .setData(x.get(":512"))
            .optLabels(y.get(":512"))
            .setSampling(32, false)
            .build();
    ArrayDataset val =
        new ArrayDataset.Builder()
            .setData(x.get("512:"))
            .optLabels(y.get("512:"))
            .setSampling(32, false)
            .build();
    SequentialBlock mlp =
        new SequentialBlock()
            .add(Linear.builder().setUnits(16).build())
            .add(Activation::relu)
            .add(Linear.builder().setUnits(1).build());
    return Workload.builder()
        .setBlock(mlp)
        .setInputShape(new Shape(32, 2))
        .setLoss(Loss.l2Loss())
        .setData(new DatasetSource(train, val, 32, 1))
        .optName("regression-mlp")
        .build();
  }

  @Test
  @SuppressWarnings("unchecked")
  void yourOwnModelGetsTheApiTheConsoleAndTheAgent() throws Exception {
    try (NDManager data = NDManager.newBaseManager()) {
      TrainerConfig config =
          TrainerConfig.builder()
              .optRunId("mine")
              .optMaxSteps(1_000_000)
              .optLr(1e-2)
              .optEvalEvery(50)
              .build();
      try (Coxswain c =
          Coxswain.builder(regression(data), config)
              .optRunsRoot(dir.resolve("runs"))
              .optListen("127.0.0.1", 0)
              .optToken(TestRuns.TOKEN)
              .optAgent("rule", 10)
              .serve()) {
        assertTrue(c.consoleUrl().endsWith("/#token=" + TestRuns.TOKEN));
        TestRuns.Http http = new TestRuns.Http(c.port());
        assertEquals(200, http.get("/").statusCode(), "the console page");
        Map<String, Object> state =
            http.awaitState("mine", s -> ((Number) s.get("step")).longValue() >= 20, 60);
        assertEquals("rule", ((Map<String, Object>) state.get("agent")).get("mode"));
        Map<String, Object> device = (Map<String, Object>) state.get("device");
        assertEquals("default", device.get("requested"), "the config set no device");
        assertTrue(
            ((Map<String, Object>) device.get("libtorch")).get("path") != null, device.toString());
        HttpResponse<String> r =
            http.command("mine", "{\"type\":\"set_knobs\",\"args\":{\"weight_decay\":0.02}}");
        assertEquals(202, r.statusCode(), r.body());
        http.awaitKnob("mine", "weight_decay", 0.02, 60);
        // the agent decides about the user's run (it may also pause it: a regression loss near 0
        // spikes easily, and its automatic recovery then calls a person)
        List<Object> decisions = List.of();
        for (int i = 0; i < 600 && decisions.isEmpty(); i++) {
          decisions =
              (List<Object>) http.json(http.get("/api/runs/mine/decisions")).get("decisions");
          java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
        }
        assertFalse(decisions.isEmpty(), "the rule agent decided about the user's run");
        // a person stops it from the API; the program sees the end
        assertEquals(202, http.command("mine", "{\"type\":\"stop\"}").statusCode());
        RunOutcome end;
        try {
          end = c.awaitEnd(120);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new AssertionError("the run did not end after a stop: " + http.state("mine"), e);
        }
        assertTrue(Set.of("stopped", "finished").contains(end.status()), "ended: " + end.status());
        assertTrue(
            end.validationLoss() < end.initialValidationLoss(),
            "validation loss " + end.initialValidationLoss() + " -> " + end.validationLoss());
        System.out.printf(
            "your own model, served: validation loss %.4f -> %.4f at step %d, %d agent journal entries%n",
            end.initialValidationLoss(), end.validationLoss(), end.step(), decisions.size());
      }
      // the same id again in the same place: refused with what to do; an unknown agent too
      IOException taken =
          assertThrows(
              IOException.class,
              () ->
                  Coxswain.builder(regression(data), config)
                      .optRunsRoot(dir.resolve("runs"))
                      .optListen("127.0.0.1", 0)
                      .serve());
      assertTrue(taken.getMessage().contains("optRunId"), taken.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> Coxswain.builder(regression(data), config).optAgent("psychic", 10));
    }
  }
}
