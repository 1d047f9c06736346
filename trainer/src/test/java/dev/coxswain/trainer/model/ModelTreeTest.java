package dev.coxswain.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The module tree of any DJL block, and the settable dropout on its own. */
class ModelTreeTest {
  @Test
  void siblingsOfOneTypeKeepDjlsNumberSoEveryPathIsUnique() {
    try (NDManager m = NDManager.newBaseManager()) {
      SequentialBlock net =
          new SequentialBlock()
              .add(Linear.builder().setUnits(8).build())
              .add(Activation.reluBlock())
              .add(Linear.builder().setUnits(2).build())
              .add(new SettableDropout());
      net.initialize(m, DataType.FLOAT32, new Shape(3, 4));
      ModelTree tree = ModelTree.of(net);
      assertEquals(
          List.of("", "01Linear", "LambdaBlock", "03Linear", "SettableDropout"),
          tree.modules().stream().map(ModelTree.Module::path).toList());
      assertEquals(4 * 8 + 8 + 8 * 2 + 2, tree.modules().get(0).count());
      assertEquals(List.of("01Linear", "03Linear"), tree.resettable());
      assertFalse(tree.find("").orElseThrow().resettable(), "the root is not reset by name");
      assertEquals(List.of("SettableDropout.p"), tree.settableNames());
      assertEquals(Map.of("SettableDropout", Map.of("p", 0.0)), tree.settableValues());
      tree.restoreSettableValues(Map.of("SettableDropout", Map.of("p", 0.5)));
      assertEquals(0.5, tree.settableValues().get("SettableDropout").get("p"));
      // a value out of bounds, or none at all (an old checkpoint), falls back to the default
      tree.restoreSettableValues(Map.of("SettableDropout", Map.of("p", 7.0)));
      assertEquals(0.0, tree.settableValues().get("SettableDropout").get("p"));
      tree.restoreSettableValues(null);
      assertEquals(0.0, tree.settableValues().get("SettableDropout").get("p"));
    }
  }

  @Test
  void dropoutActsInTrainingOnlyAndAtZeroIsTheIdentity() {
    try (NDManager m = NDManager.newBaseManager()) {
      SettableDropout d = new SettableDropout();
      d.initialize(m, DataType.FLOAT32, new Shape(1000));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.ones(new Shape(1000));
      assertTrue(d.forward(ps, new NDList(x), true).singletonOrThrow() == x, "p = 0: the input");
      d.set("p", 0.5);
      assertTrue(d.forward(ps, new NDList(x), false).singletonOrThrow() == x, "evaluation: same");
      float[] y = d.forward(ps, new NDList(x), true).singletonOrThrow().toFloatArray();
      int zeros = 0;
      for (float v : y) {
        if (v == 0f) {
          zeros++;
        } else {
          assertEquals(2f, v, 1e-6, "kept values are scaled by 1 / (1 - p)");
        }
      }
      assertTrue(zeros > 400 && zeros < 600, "about half dropped: " + zeros);
      assertTrue(SettableDropout.P.validate("d", 0.95).orElseThrow().contains("out of bounds"));
      assertTrue(SettableDropout.P.validate("d", Double.NaN).isPresent());
      assertTrue(SettableDropout.P.validate("d", 0.9).isEmpty());
    }
  }
}
