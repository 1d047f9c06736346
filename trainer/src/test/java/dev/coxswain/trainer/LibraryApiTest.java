package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.data.DatasetSource;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's own block, DJL dataset and loss under the control point: the README's example. */
class LibraryApiTest {
  @TempDir Path dir;

  @Test
  void aSmallRegressionMlpTrainsAndObeysCommands() throws Exception {
    try (NDManager data = NDManager.newBaseManager()) {
      // y = 3*x0 - 2*x1 + 0.5 on 512 random points; 128 held out
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
      Workload workload =
          Workload.builder()
              .setBlock(mlp)
              .setInputShape(new Shape(32, 2))
              .setLoss(Loss.l2Loss())
              .setData(new DatasetSource(train, val, 32, 1))
              .build();
      Recorder rec = new Recorder();
      TrainerConfig config =
          TrainerConfig.builder().optMaxSteps(200).optLr(1e-2).optEvalEvery(50).build();
      try (InteractiveTrainer t =
          InteractiveTrainer.builder(workload, config).optRunDir(dir).optSink(rec).build()) {
        CompletableFuture<CommandResult>[] halve = new CompletableFuture[1];
        rec.at(
            100,
            e ->
                halve[0] =
                    t.submit(
                        Command.of("scale_knob", Source.API, Map.of("knob", "lr", "factor", 0.5))));
        RunOutcome end = t.run();
        assertEquals("finished", end.status());
        assertTrue(
            end.validationLoss() < end.initialValidationLoss() / 10,
            "validation loss " + end.initialValidationLoss() + " -> " + end.validationLoss());
        CommandResult r = halve[0].get(10, TimeUnit.SECONDS);
        assertEquals(CommandStatus.APPLIED, r.status());
        assertEquals(101, r.step());
        assertEquals(
            5e-3,
            ((Number) rec.of(EventType.METRICS).get(100).payload().get("lr")).doubleValue(),
            1e-12);
        assertEquals(
            5, rec.of(EventType.EVAL).size(), "evaluations at steps 0, 50, 100, 150 and 200");
      }
    }
  }
}
