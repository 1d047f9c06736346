package dev.coxswain.trainer.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default workload on the real State of the Union corpus (fetched by the build). */
class DefaultWorkloadTest {
  @TempDir Path dir;

  @Test
  void threeHundredStepsAtASensibleLrLowerValidationLossClearly() throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu"));
    assertTrue(
        Files.isDirectory(corpus), "corpus missing at " + corpus + ": run scripts/fetch-corpus.sh");
    Workload w = CharGptWorkload.defaults().withCorpus(corpus).build(42);
    TrainerConfig c =
        TrainerConfig.builder()
            .optMaxSteps(300)
            .optLr(1e-3)
            .optEvalEvery(100)
            .optCheckpointEvery(0)
            .build();
    long t0 = System.nanoTime();
    try (InteractiveTrainer t = InteractiveTrainer.builder(w, c).optRunDir(dir).build()) {
      RunOutcome end = t.run();
      System.out.printf(
          Locale.ROOT,
          "default workload, 300 steps at lr 1e-3: validation loss %.4f -> %.4f, train loss %.4f, %.1f s%n",
          end.initialValidationLoss(),
          end.validationLoss(),
          end.trainLoss(),
          (System.nanoTime() - t0) / 1e9);
      assertEquals("finished", end.status());
      assertEquals(0, end.skippedSteps());
      assertTrue(
          end.validationLoss() < end.initialValidationLoss() - 2.0,
          "validation loss should fall by more than 2 nats: "
              + end.initialValidationLoss()
              + " -> "
              + end.validationLoss());
      assertEquals(233, ((Number) w.data().describe().get("documents")).intValue());
    }
  }
}
