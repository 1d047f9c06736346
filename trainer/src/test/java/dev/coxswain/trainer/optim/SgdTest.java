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

/** SGD with momentum on the engine against the same formulas in plain Java doubles. */
class SgdTest {
  private static final float[] W0 = {0.5f, -1.0f, 2.0f, 0.0f};
  private static final float[][] GRADS = {
    {0.1f, -0.2f, 0.3f, 0f}, {-0.4f, 0.1f, 0.0f, 1f}, {0.2f, 0.2f, -0.5f, -1f}
  };

  private static Knobs.Snapshot knobs(double lr, double wd, double mu) {
    return new Knobs.Snapshot(Map.of("lr", lr, "weight_decay", wd, "momentum", mu));
  }

  /** PyTorch's SGD: L2 decay added to the gradient, the velocity starting at the first d. */
  private static double[] reference(
      int steps, double lr, double wd, double mu, boolean nesterov, double clip) {
    double[] w = new double[W0.length];
    double[] b = new double[W0.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = W0[i];
    }
    for (int t = 1; t <= steps; t++) {
      for (int i = 0; i < w.length; i++) {
        double d = GRADS[t - 1][i] * clip + wd * w[i];
        b[i] = t == 1 ? d : mu * b[i] + d;
        w[i] -= lr * (nesterov ? d + mu * b[i] : b[i]);
      }
    }
    return w;
  }

  private static float[] run(
      Sgd opt, NDManager nm, NDArray w, int from, int to, Knobs.Snapshot k, double clip) {
    for (int t = from; t < to; t++) {
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        opt.update(List.of(new Optimizer.Slot("w", w, nm.create(GRADS[t]))), k, clip, false);
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
  void heavyBallAndNesterovMatchTheReferenceWithDecayAndClipping() {
    try (NDManager nm = NDManager.newBaseManager()) {
      for (boolean nesterov : new boolean[] {false, true}) {
        Sgd opt = new Sgd(nm, nesterov);
        float[] w = run(opt, nm, nm.create(W0.clone()), 0, 3, knobs(0.1, 0.01, 0.9), 0.5);
        assertClose(reference(3, 0.1, 0.01, 0.9, nesterov, 0.5), w);
        assertEquals(3, opt.updates());
      }
    }
  }

  @Test
  void withoutMomentumItIsPlainSgdAndKeepsNoState() {
    try (NDManager nm = NDManager.newBaseManager()) {
      Sgd opt = new Sgd(nm, false);
      float[] w = run(opt, nm, nm.create(W0.clone()), 0, 3, knobs(0.1, 0, 0), 1);
      assertClose(reference(3, 0.1, 0, 0, false, 1), w);
      assertTrue(opt.velocity("w").isEmpty());
    }
  }

  @Test
  void aGroupsMultiplierScalesItsLearningRate() {
    try (NDManager nm = NDManager.newBaseManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray w = nm.create(W0.clone());
      new Sgd(nm, true)
          .update(
              List.of(new Optimizer.Slot("w", w, nm.create(GRADS[0]), 0.25)),
              knobs(0.4, 0.01, 0.9),
              1,
              false);
      assertClose(reference(1, 0.1, 0.01, 0.9, true, 1), w.toFloatArray());
    }
  }

  @Test
  void savedVelocityResumesExactlyAndAForgottenOneStartsAgain() throws IOException {
    try (NDManager nm = NDManager.newBaseManager()) {
      NDArray w = nm.create(W0.clone());
      Sgd first = new Sgd(nm, true);
      run(first, nm, w, 0, 2, knobs(0.1, 0.01, 0.9), 1);
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      first.save(new DataOutputStream(buf));
      Sgd second = new Sgd(nm, true);
      second.load(new DataInputStream(new ByteArrayInputStream(buf.toByteArray())));
      assertEquals(2, second.updates());
      assertArrayEquals(first.velocity("w").orElseThrow(), second.velocity("w").orElseThrow(), 0f);
      NDArray w2 = nm.create(w.toFloatArray());
      float[] a = run(first, nm, w, 2, 3, knobs(0.1, 0.01, 0.9), 1);
      float[] b = run(second, nm, w2, 2, 3, knobs(0.1, 0.01, 0.9), 1);
      assertArrayEquals(a, b, 0f);
      assertClose(reference(3, 0.1, 0.01, 0.9, true, 1), b);

      assertEquals(1, second.forget(List.of("w", "absent")));
      assertTrue(second.velocity("w").isEmpty());
    }
  }

  @Test
  void refusesAnotherOptimizersStateAndKeepsItsOwn() throws IOException {
    try (NDManager nm = NDManager.newBaseManager()) {
      Sgd sgd = new Sgd(nm, false);
      run(sgd, nm, nm.create(W0.clone()), 0, 1, knobs(0.1, 0, 0.9), 1);
      float[] velocity = sgd.velocity("w").orElseThrow();
      ByteArrayOutputStream adamw = new ByteArrayOutputStream();
      new AdamW(nm).save(new DataOutputStream(adamw));
      IOException e =
          assertThrows(
              IOException.class,
              () -> sgd.load(new DataInputStream(new ByteArrayInputStream(adamw.toByteArray()))));
      assertTrue(e.getMessage().startsWith("not an SGD state file"), e.getMessage());
      assertArrayEquals(velocity, sgd.velocity("w").orElseThrow(), 0f, "unchanged");
      assertEquals(1, sgd.updates());

      ByteArrayOutputStream own = new ByteArrayOutputStream();
      sgd.save(new DataOutputStream(own));
      byte[] torn = java.util.Arrays.copyOf(own.toByteArray(), own.size() - 3);
      assertThrows(
          IOException.class, () -> sgd.load(new DataInputStream(new ByteArrayInputStream(torn))));
      assertArrayEquals(velocity, sgd.velocity("w").orElseThrow(), 0f, "unchanged by a torn file");
      AdamW a = new AdamW(nm);
      IOException back =
          assertThrows(
              IOException.class,
              () -> a.load(new DataInputStream(new ByteArrayInputStream(own.toByteArray()))));
      assertEquals("not an AdamW state file (bad magic number)", back.getMessage());
    }
  }
}
