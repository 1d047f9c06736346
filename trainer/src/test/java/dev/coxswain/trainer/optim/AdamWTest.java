package dev.coxswain.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.coxswain.trainer.control.Knobs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AdamW on the engine against the same formula in plain Java doubles. */
class AdamWTest {
  private static final float[] W0 = {0.5f, -1.0f, 2.0f, 0.0f};
  private static final float[][] GRADS = {
    {0.1f, -0.2f, 0.3f, 0f}, {-0.4f, 0.1f, 0.0f, 1f}, {0.2f, 0.2f, -0.5f, -1f}
  };

  private static Knobs.Snapshot knobs(double lr, double wd) {
    return new Knobs.Snapshot(
        Map.of("lr", lr, "weight_decay", wd, "beta1", 0.9, "beta2", 0.99, "eps", 1e-8));
  }

  /** The reference: decoupled decay, bias-corrected moments. */
  private static double[] reference(int steps, double lr, double wd, double clip) {
    double[] w = new double[W0.length];
    double[] m = new double[W0.length];
    double[] v = new double[W0.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = W0[i];
    }
    for (int t = 1; t <= steps; t++) {
      for (int i = 0; i < w.length; i++) {
        double g = GRADS[t - 1][i] * clip;
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.99 * v[i] + 0.01 * g * g;
        double mh = m[i] / (1 - Math.pow(0.9, t));
        double vh = v[i] / (1 - Math.pow(0.99, t));
        w[i] = w[i] - lr * wd * w[i] - lr * mh / (Math.sqrt(vh) + 1e-8);
      }
    }
    return w;
  }

  private static float[] run(
      AdamW opt, NDManager nm, NDArray w, int from, int to, double lr, double wd, double clip) {
    for (int t = from; t < to; t++) {
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        NDArray g = nm.create(GRADS[t]);
        opt.update(List.of(new AdamW.Slot("w", w, g)), knobs(lr, wd), clip, false);
      }
    }
    return w.toFloatArray();
  }

  private static void assertClose(double[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-6, "element " + i);
    }
  }

  @Test
  void aForgottenParameterStartsAgainAsIfNewAndTheOthersKeepTheirState() throws IOException {
    try (NDManager nm = NDManager.newBaseManager()) {
      NDArray w = nm.create(W0.clone());
      NDArray other = nm.create(W0.clone());
      AdamW opt = new AdamW(nm);
      for (int t = 0; t < 2; t++) {
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          NDArray g = nm.create(GRADS[t]);
          opt.update(
              List.of(new AdamW.Slot("w", w, g), new AdamW.Slot("other", other, g)),
              knobs(0.01, 0.1),
              1,
              false);
        }
      }
      assertEquals(1, opt.forget(List.of("w")));
      assertTrue(opt.moments("w").isEmpty());
      assertTrue(opt.moments("other").isPresent());
      // saved and loaded, the reset survives (format 2)
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      opt.save(new DataOutputStream(bytes));
      AdamW loaded = new AdamW(nm);
      loaded.load(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      // w's next update is a fresh optimizer's first (moments 0, t = 1) from where w is now
      NDArray fresh = w.duplicate();
      float[] expected = run(new AdamW(nm), nm, fresh, 2, 3, 0.01, 0.1, 1);
      float[] otherExpected;
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        NDArray otherCopy = other.duplicate();
        AdamW kept = new AdamW(nm);
        kept.load(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        NDArray g = nm.create(GRADS[2]);
        kept.update(List.of(new AdamW.Slot("other", otherCopy, g)), knobs(0.01, 0.1), 1, false);
        otherExpected = otherCopy.toFloatArray();
        NDArray g2 = nm.create(GRADS[2]);
        loaded.update(
            List.of(new AdamW.Slot("w", w, g2), new AdamW.Slot("other", other, g2)),
            knobs(0.01, 0.1),
            1,
            false);
      }
      assertEquals(3, loaded.updates(), "the run's t goes on");
      assertArrayEquals(expected, w.toFloatArray(), 1e-7f);
      assertArrayEquals(otherExpected, other.toFloatArray(), 1e-7f, "t = 3 for the other");
    }
  }

  @Test
  void matchesTheReferenceFormulaWithDecayAndClipping() {
    try (NDManager nm = NDManager.newBaseManager()) {
      NDArray w = nm.create(W0.clone());
      AdamW opt = new AdamW(nm);
      assertClose(reference(3, 0.01, 0.1, 0.5), run(opt, nm, w, 0, 3, 0.01, 0.1, 0.5));
      assertEquals(3, opt.updates());
    }
  }

  @Test
  void aGroupsMultiplierScalesItsLearningRateAndDecayAndOneLeavesTheUpdateAsItWas() {
    try (NDManager nm = NDManager.newBaseManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray half = nm.create(W0.clone());
      NDArray one = nm.create(W0.clone());
      NDArray plain = nm.create(W0.clone());
      NDArray g = nm.create(GRADS[0]);
      new AdamW(nm)
          .update(
              List.of(
                  new AdamW.Slot("half", half, g, 0.5),
                  new AdamW.Slot("one", one, g, 1),
                  new AdamW.Slot("plain", plain, g)),
              knobs(0.02, 0.1),
              1,
              false);
      assertClose(reference(1, 0.01, 0.1, 1), half.toFloatArray());
      assertArrayEquals(plain.toFloatArray(), one.toFloatArray(), 0f);
      assertClose(reference(1, 0.02, 0.1, 1), plain.toFloatArray());
    }
  }

  @Test
  void theRatioIsNaNWhenNotMeasured() {
    try (NDManager nm = NDManager.newBaseManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray w = nm.create(W0.clone());
      double r =
          new AdamW(nm)
              .update(
                  List.of(new AdamW.Slot("w", w, nm.create(GRADS[0]))), knobs(0.01, 0), 1, false);
      assertTrue(Double.isNaN(r));
    }
  }

  @Test
  void zeroLearningRateChangesNothingEvenWithDecay() {
    try (NDManager nm = NDManager.newBaseManager()) {
      NDArray w = nm.create(W0.clone());
      assertArrayEquals(W0, run(new AdamW(nm), nm, w, 0, 3, 0.0, 0.5, 1.0), 0f);
    }
  }

  @Test
  void updateRatioIsDeltaNormOverWeightNorm() {
    try (NDManager nm = NDManager.newBaseManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray w = nm.create(W0.clone());
      double ratio =
          new AdamW(nm)
              .update(
                  List.of(new AdamW.Slot("w", w, nm.create(GRADS[0]))), knobs(0.01, 0), 1, true);
      double[] after = reference(1, 0.01, 0, 1);
      double d = 0;
      double n = 0;
      for (int i = 0; i < after.length; i++) {
        d += (after[i] - W0[i]) * (after[i] - W0[i]);
        n += after[i] * after[i];
      }
      assertEquals(Math.sqrt(d) / Math.sqrt(n), ratio, 1e-5);
    }
  }

  @Test
  void savedStateResumesExactlyWhereItLeftOff() throws IOException {
    try (NDManager nm = NDManager.newBaseManager()) {
      NDArray w = nm.create(W0.clone());
      AdamW first = new AdamW(nm);
      run(first, nm, w, 0, 2, 0.01, 0.1, 1);
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      first.save(new DataOutputStream(buf));
      AdamW second = new AdamW(nm);
      second.load(new DataInputStream(new ByteArrayInputStream(buf.toByteArray())));
      assertEquals(2, second.updates());
      NDArray w2 = nm.create(w.toFloatArray());
      float[] a = run(first, nm, w, 2, 3, 0.01, 0.1, 1);
      float[] b = run(second, nm, w2, 2, 3, 0.01, 0.1, 1);
      assertArrayEquals(a, b, 0f);
      assertClose(reference(3, 0.01, 0.1, 1), b);
    }
  }

  @Test
  void refusesAFileThatIsNotItsState() {
    try (NDManager nm = NDManager.newBaseManager()) {
      AdamW opt = new AdamW(nm);
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  opt.load(
                      new DataInputStream(
                          new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))));
      assertEquals("not an AdamW state file (bad magic number)", e.getMessage());
    }
  }
}
