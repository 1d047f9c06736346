package dev.coxswain.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's small model and the CPU time of each arm's own threads. */
class ThroughputBenchmarkTest {
  @TempDir Path dir;

  @Test
  void theMlpLearnsItsSyntheticImages() throws Exception {
    TrainerConfig c =
        TrainerConfig.builder()
            .optMaxSteps(150)
            .optLr(3e-3)
            .optEvalEvery(0)
            .optCheckpointEvery(0)
            .optCheckpointAtEnd(false)
            .build();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(new ImageMlp(64, 32).build(1), c).optRunDir(dir).build()) {
      RunOutcome end = t.run();
      assertEquals("finished", end.status());
      // ten classes: ln 10 = 2.30 by chance; each class brightens its own band
      assertTrue(end.trainLoss() < 1.0, "train loss after 150 steps: " + end.trainLoss());
    }
  }

  @Test
  void everyArmReportsTheCpuTimeOfItsOwnThreadsAndCoxswainItsWriter() throws Exception {
    ThroughputBenchmark.Options o =
        new ThroughputBenchmark.Options(new ImageMlp(16, 32), 30, 10, 10, 1e-3, 10, dir);
    ThroughputBenchmark.Result r =
        ThroughputBenchmark.run(o, ThroughputBenchmark.standardArms(), s -> {});
    assertEquals(16, r.tokensPerStep(), "examples per step");
    for (ThroughputBenchmark.ArmFigures a : r.arms()) {
      double training = a.cpuMs().get(CpuTime.TRAINING);
      assertTrue(training > 0 && training < 1000, a.name() + ": " + a.cpuMs());
      assertTrue(a.medianMs() > 0, a.name());
    }
    Map<String, Double> cox = r.arm(ThroughputBenchmark.COXSWAIN).cpuMs();
    assertEquals(Set.of(CpuTime.TRAINING, "event writer"), cox.keySet());
    assertTrue(cox.get("event writer") > 0, "the writer serializes each step's metrics: " + cox);
    assertEquals(
        Set.of(CpuTime.TRAINING),
        r.arm(PlainLoop.CLIPPING).cpuMs().keySet(),
        "the plain loop has no threads of its own");
    System.out.println(
        "CPU ms per step: " + r.arms().stream().map(a -> a.name() + " " + a.cpuMs()).toList());
  }
}
