package dev.coxswain.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A block's parameters saved and restored in place: same arrays, the saved values. */
class StatePartTest {

  static Block mlp(NDManager m, int hidden) {
    Block b =
        new SequentialBlock()
            .add(Linear.builder().setUnits(hidden).build())
            .add(Linear.builder().setUnits(1).build());
    b.initialize(m, DataType.FLOAT32, new Shape(4, 3));
    return b;
  }

  static List<NDArray> arrays(Block b) {
    return b.getParameters().values().stream().map(p -> p.getArray()).toList();
  }

  static float[] flat(Block b) {
    return arrays(b).stream()
        .map(NDArray::toFloatArray)
        .reduce(
            new float[0],
            (x, y) -> {
              float[] z = Arrays.copyOf(x, x.length + y.length);
              System.arraycopy(y, 0, z, x.length, y.length);
              return z;
            });
  }

  @Test
  void restoresTheSavedValuesIntoTheSameArrays() throws IOException {
    try (NDManager m = NDManager.newBaseManager()) {
      Block b = mlp(m, 5);
      StatePart part = StatePart.parameters(b, m);
      ByteArrayOutputStream saved = new ByteArrayOutputStream();
      part.save(saved);
      float[] before = flat(b);
      List<NDArray> identity = arrays(b);
      for (NDArray a : identity) {
        a.addi(1f); // training moved on
      }
      assertFalse(Arrays.equals(before, flat(b)));
      part.restore(new ByteArrayInputStream(saved.toByteArray()));
      assertArrayEquals(before, flat(b));
      List<NDArray> after = arrays(b);
      for (int i = 0; i < after.size(); i++) {
        assertSame(identity.get(i), after.get(i), "a DJL Trainer's cached array stays the one");
      }
    }
  }

  @Test
  void anotherBlocksParametersAreRefusedAndNothingChanges() throws IOException {
    try (NDManager m = NDManager.newBaseManager()) {
      ByteArrayOutputStream other = new ByteArrayOutputStream();
      StatePart.parameters(mlp(m, 7), m).save(other);
      Block b = mlp(m, 5);
      float[] before = flat(b);
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  StatePart.parameters(b, m)
                      .restore(new ByteArrayInputStream(other.toByteArray())));
      assertTrue(e.getMessage().contains("does not fit the block"), e.getMessage());
      assertTrue(e.getMessage().contains("(5, 3)") || e.getMessage().contains("5"), e.getMessage());
      assertArrayEquals(before, flat(b), "nothing restored");
    }
  }

  @Test
  void restoredParametersStillTrain() throws IOException {
    try (NDManager m = NDManager.newBaseManager()) {
      Block b = mlp(m, 5);
      b.getParameters().forEach(p -> p.getValue().getArray().setRequiresGradient(true));
      StatePart part = StatePart.parameters(b, m);
      ByteArrayOutputStream saved = new ByteArrayOutputStream();
      part.save(saved);
      part.restore(new ByteArrayInputStream(saved.toByteArray()));
      try (NDManager step = m.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y =
            b.forward(new ParameterStore(step, false), new NDList(step.ones(new Shape(2, 3))), true)
                .singletonOrThrow();
        gc.backward(y.sum()); // a restore that dropped the gradients fails here
      }
      NDArray w = arrays(b).get(0);
      assertTrue(w.hasGradient(), "the restored weights are still trained");
      assertTrue(w.getGradient().abs().sum().getFloat() > 0, "the backward pass reached them");
    }
  }
}
