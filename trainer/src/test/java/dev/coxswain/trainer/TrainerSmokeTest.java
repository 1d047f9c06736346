package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.EventType;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerSmokeTest {
  @TempDir Path dir;

  @Test
  void tinyGptLearnsAndPublishesEveryMetric() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1), Fixtures.config(60).optEvalEvery(30).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      RunOutcome end = t.run();
      assertEquals("finished", end.status());
      assertEquals(60, end.step());
      Map<Long, Double> losses = rec.losses("main");
      assertEquals(60, losses.size());
      double first = losses.get(1L);
      assertTrue(
          end.trainLoss() < first - 0.5, "loss fell from " + first + " to " + end.trainLoss());
      var m = rec.of(EventType.METRICS).get(9).payload(); // step 10: the ratio is measured
      for (String key :
          new String[] {
            "loss", "lr", "grad_norm", "clip_scale", "update_ratio", "tokens_per_s", "step_ms"
          }) {
        assertTrue(m.get(key) instanceof Number, key + " missing in " + m);
      }
      double ratio = ((Number) m.get("update_ratio")).doubleValue();
      assertTrue(ratio > 0 && ratio < 0.1, "update ratio " + ratio);
      assertEquals(null, rec.of(EventType.METRICS).get(10).payload().get("update_ratio"));
      assertEquals(
          3, rec.of(EventType.EVAL).size(), "evals at 0, 30 and 60; the end reuses step 60");
      assertTrue(Double.isFinite(end.validationLoss()));
    }
  }

  @Test
  void theCheckpointAtTheEndIsPrunedByTheKeepPolicyLikeThePeriodicOnes() throws Exception {
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1),
                Fixtures.config(25)
                    .optCheckpointEvery(10)
                    .optKeepCheckpoints(1)
                    .optCheckpointAtEnd(true)
                    .build())
            .optRunDir(dir)
            .optSink(new Recorder())
            .build()) {
      assertEquals("finished", t.run().status());
    }
    var store = new dev.coxswain.trainer.checkpoint.CheckpointStore(dir.resolve("checkpoints"));
    // periodic 10 and 20, then the end's 25: keep 1 leaves only the newest
    assertEquals(
        java.util.List.of("main/25"),
        store.list().stream().map(dev.coxswain.trainer.checkpoint.CheckpointMeta::id).toList());
  }
}
