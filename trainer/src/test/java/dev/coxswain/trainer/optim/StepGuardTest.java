package dev.coxswain.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.coxswain.trainer.control.Knobs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The step's decision on the device: norm, clip, skip, and what a skipped update leaves. */
class StepGuardTest {
  private static final float[] W0 = {0.5f, -1.0f, 2.0f, 0.25f};
  private static final float[] G1 = {0.1f, -0.2f, 0.3f, 1f};
  private static final float[] G2 = {3f, -4f, 0.5f, -1f};

  private static Knobs.Snapshot adam() {
    return new Knobs.Snapshot(
        Map.of("lr", 0.01, "weight_decay", 0.1, "beta1", 0.9, "beta2", 0.99, "eps", 1e-8));
  }

  private static Knobs.Snapshot sgd() {
    return new Knobs.Snapshot(Map.of("lr", 0.01, "weight_decay", 0.1, "momentum", 0.9));
  }

  private static double[] readout(StepGuard g, NDArray ratio) {
    return g.readout(ratio).toDoubleArray();
  }

  @Test
  void theNormTheClipScaleAndTheFiniteFlagAreDecidedTogether() {
    try (NDManager nm = NDManager.newBaseManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      List<Optimizer.Slot> slots =
          List.of(
              new Optimizer.Slot("a", nm.create(W0), nm.create(new float[] {3f, 0f})),
              new Optimizer.Slot("b", nm.create(W0), nm.create(new float[][] {{0f, 4f}})));
      double[] v = readout(StepGuard.decide(nm.create(1.5f), slots, 1.0), null);
      assertEquals(1.5, v[StepGuard.LOSS], 1e-7);
      assertEquals(5.0, v[StepGuard.NORM], 1e-6);
      assertEquals(1.0 / (5.0 + 1e-6), v[StepGuard.CLIP], 1e-12);
      assertEquals(1.0, v[StepGuard.FINITE]);
      assertTrue(Double.isNaN(v[StepGuard.RATIO]), "not measured");
      // under the limit, or no limit: no clipping
      assertEquals(1.0, readout(StepGuard.decide(nm.create(1.5f), slots, 6.0), null)[2]);
      assertEquals(1.0, readout(StepGuard.decide(nm.create(1.5f), slots, 0), null)[2]);
      double[] bad =
          readout(
              StepGuard.decide(
                  nm.create(Float.NaN),
                  List.of(
                      new Optimizer.Slot(
                          "a", nm.create(W0), nm.create(new float[] {Float.POSITIVE_INFINITY}))),
                  1.0),
              null);
      assertTrue(Double.isNaN(bad[StepGuard.LOSS]));
      assertTrue(Double.isInfinite(bad[StepGuard.NORM]), "a non-finite gradient: non-finite norm");
      assertEquals(0.0, bad[StepGuard.FINITE]);
      double[] infLoss =
          readout(
              StepGuard.decide(
                  nm.create(Float.NEGATIVE_INFINITY),
                  List.of(new Optimizer.Slot("a", nm.create(W0), nm.create(G1))),
                  1.0),
              null);
      assertEquals(0.0, infLoss[StepGuard.FINITE], "a finite norm does not save an infinite loss");
    }
  }

  @Test
  void aGuardedAdamWStepMatchesTheHostDecidedOneAndAClippedOneToo() {
    try (NDManager nm = NDManager.newBaseManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      for (double maxNorm : new double[] {0, 1.0}) {
        AdamW host = new AdamW(nm);
        AdamW device = new AdamW(nm);
        NDArray wh = nm.create(W0.clone());
        NDArray wd = nm.create(W0.clone());
        for (float[] g : new float[][] {G1, G2}) {
          double norm = 0;
          for (float x : g) {
            norm += (double) x * x;
          }
          norm = Math.sqrt(norm);
          double clip = maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
          host.update(List.of(new Optimizer.Slot("w", wh, nm.create(g))), adam(), clip, false);
          List<Optimizer.Slot> slots = List.of(new Optimizer.Slot("w", wd, nm.create(g)));
          device.update(slots, adam(), StepGuard.decide(nm.create(1f), slots, maxNorm), false);
        }
        assertArrayEquals(wh.toFloatArray(), wd.toFloatArray(), 1e-7f, "max norm " + maxNorm);
        assertArrayEquals(
            host.moments("w").orElseThrow()[1], device.moments("w").orElseThrow()[1], 1e-9f);
        assertEquals(2, device.updates());
      }
    }
  }

  @Test
  void aNonFiniteStepLeavesAdamWWeightsMomentsAndCountBitIdentical() {
    try (NDManager nm = NDManager.newBaseManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      AdamW opt = new AdamW(nm);
      NDArray w = nm.create(W0.clone());
      opt.update(List.of(new Optimizer.Slot("w", w, nm.create(G1))), adam(), 1, false);
      float[] w1 = w.toFloatArray();
      float[][] m1 = opt.moments("w").orElseThrow();
      for (float poison : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
        float[] g = G2.clone();
        g[1] = poison;
        List<Optimizer.Slot> slots = List.of(new Optimizer.Slot("w", w, nm.create(g)));
        StepGuard guard = StepGuard.decide(nm.create(2f), slots, 1.0);
        NDArray ratio = opt.update(slots, adam(), guard, true);
        assertEquals(0.0, readout(guard, ratio)[StepGuard.FINITE]);
        opt.takeBackSkipped(); // what the run does once it has read the step
        assertArrayEquals(w1, w.toFloatArray(), 0f, "weights after a " + poison + " gradient");
        assertArrayEquals(m1[0], opt.moments("w").orElseThrow()[0], 0f);
        assertArrayEquals(m1[1], opt.moments("w").orElseThrow()[1], 0f);
        assertEquals(1, opt.updates());
      }
      // and the next finite step trains as if the skipped ones never happened
      AdamW fresh = new AdamW(nm);
      NDArray w2 = nm.create(W0.clone());
      fresh.update(List.of(new Optimizer.Slot("w", w2, nm.create(G1))), adam(), 1, false);
      fresh.update(List.of(new Optimizer.Slot("w", w2, nm.create(G2))), adam(), 1, false);
      List<Optimizer.Slot> slots = List.of(new Optimizer.Slot("w", w, nm.create(G2)));
      opt.update(slots, adam(), StepGuard.decide(nm.create(2f), slots, 0), false);
      assertArrayEquals(w2.toFloatArray(), w.toFloatArray(), 0f);
    }
  }

  @Test
  void aNonFiniteStepLeavesSgdVelocityAndWeightsBitIdentical() {
    try (NDManager nm = NDManager.newBaseManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      Sgd opt = new Sgd(nm, true);
      NDArray w = nm.create(W0.clone());
      opt.update(List.of(new Optimizer.Slot("w", w, nm.create(G1))), sgd(), 1, false);
      float[] w1 = w.toFloatArray();
      float[] b1 = opt.velocity("w").orElseThrow();
      float[] g = G2.clone();
      g[0] = Float.NaN;
      List<Optimizer.Slot> slots = List.of(new Optimizer.Slot("w", w, nm.create(g)));
      StepGuard guard = StepGuard.decide(nm.create(2f), slots, 1.0);
      opt.update(slots, sgd(), guard, false);
      assertEquals(0.0, readout(guard, null)[StepGuard.FINITE]);
      opt.takeBackSkipped();
      assertArrayEquals(w1, w.toFloatArray(), 0f);
      assertArrayEquals(b1, opt.velocity("w").orElseThrow(), 0f);
      assertEquals(1, opt.updates());
    }
  }
}
