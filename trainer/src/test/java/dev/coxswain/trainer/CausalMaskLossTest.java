package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The causal mask is made once per device and length instead of being uploaded in every forward
 * pass of every layer: the losses are the ones the per-forward upload gave.
 */
class CausalMaskLossTest {
  // Recorded on main e956726 (mask uploaded per forward), tiny GPT, seed 7, one PyTorch thread.
  private static final double[] BEFORE = {
    4.266947746,
    4.151027679,
    4.051663399,
    3.972384930,
    3.840318680,
    3.748939514,
    3.689260006,
    3.582821369
  };

  @TempDir Path dir;

  @Test
  void lossesAreTheOnesOfTheMaskUploadedInEveryForwardPass() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(8).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      t.run();
    }
    Map<Long, Double> losses = rec.losses("main");
    StringBuilder printed = new StringBuilder();
    losses.values().forEach(l -> printed.append(String.format("%.9f, ", l)));
    System.out.println("losses " + printed);
    assertEquals(BEFORE.length, losses.size(), "losses " + printed);
    for (int s = 1; s <= BEFORE.length; s++) {
      assertEquals(BEFORE[s - 1], losses.get((long) s), 1e-6, "step " + s + ": " + printed);
    }
  }
}
