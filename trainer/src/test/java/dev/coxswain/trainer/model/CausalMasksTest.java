package dev.coxswain.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/** One causal mask per device and length, shared by the layers of a model, made once. */
class CausalMasksTest {
  private static NDArray ids(NDManager m, int t) {
    return m.arange(0, 2 * t, 1, DataType.INT64).mod(11).reshape(2, t);
  }

  @Test
  void everyLayerAndEveryForwardPassUseTheOneMaskOfItsLength() {
    try (NDManager m = NDManager.newBaseManager()) {
      CharGpt gpt = new CharGpt(new GptConfig(11, 16, 3, 16, 2));
      gpt.initialize(m, DataType.FLOAT32, new Shape(2, 16));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray first;
      try (NDScope scope = new NDScope(); // a training step's scope must not close the mask
          NDManager step = m.newSubManager()) {
        scope.suppressNotUsedWarning();
        gpt.forward(ps, new NDList(ids(step, 16)), true);
        first = gpt.masks().of(ids(step, 16), 16);
      }
      assertEquals(1, gpt.masks().size(), "three layers, one length: one mask");
      assertTrue(first.getManager().isOpen(), "the mask outlives the step's scope");
      try (NDManager step = m.newSubManager()) {
        gpt.forward(ps, new NDList(ids(step, 16)), false);
        assertSame(first, gpt.masks().of(ids(step, 16), 16), "the same array, not a new upload");
        gpt.forward(ps, new NDList(ids(step, 8)), false);
      }
      assertEquals(2, gpt.masks().size(), "a second length: a second mask");
      float[] m4 = new CausalMasks().of(m.zeros(new Shape(1)), 4).toFloatArray();
      assertArrayEquals(
          new float[] {0, -1e9f, -1e9f, -1e9f, 0, 0, -1e9f, -1e9f, 0, 0, 0, -1e9f, 0, 0, 0, 0},
          m4,
          "0 on and below the diagonal");
    }
  }

  @Test
  void withoutAnOwnerAMaskIsMadeOnTheInputsManagerAndNotKept() {
    CausalMasks masks = new CausalMasks(); // as a block used without being initialized
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a;
      try (NDManager step = m.newSubManager()) {
        NDArray x = step.zeros(new Shape(1));
        a = masks.of(x, 4);
        assertSame(step, a.getManager(), "made where the input lives, freed with it");
      }
      assertEquals(0, masks.size());
      assertTrue(!a.getManager().isOpen());
    }
  }
}
