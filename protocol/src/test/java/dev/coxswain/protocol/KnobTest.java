package dev.coxswain.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KnobTest {
  private final Knob lr = new Knob("lr", KnobType.DOUBLE, 1e-3, 0, 1, "learning rate");
  private final Knob layers = new Knob("frozen_layers", KnobType.INT, 2, 0, 12, "layers frozen");

  @Test
  void acceptsValuesInsideTheBoundsInclusive() {
    assertTrue(lr.validate(0).isEmpty());
    assertTrue(lr.validate(1).isEmpty());
    assertTrue(layers.validate(12).isEmpty());
    assertEquals(0.5, lr.withValue(0.5).value());
  }

  @Test
  void rejectsOutOfBoundsNonFiniteAndFractionalInts() {
    assertTrue(lr.validate(1.0001).orElseThrow().contains("out of bounds [0.0, 1.0]"));
    assertTrue(lr.validate(-1e-9).orElseThrow().contains("out of bounds"));
    assertTrue(lr.validate(Double.NaN).orElseThrow().contains("finite"));
    assertTrue(lr.validate(Double.NEGATIVE_INFINITY).orElseThrow().contains("finite"));
    assertTrue(layers.validate(2.5).orElseThrow().contains("whole number"));
    assertThrows(IllegalArgumentException.class, () -> lr.withValue(2));
  }

  @Test
  void refusesBadDefinitions() {
    assertThrows(
        IllegalArgumentException.class, () -> new Knob("LR!", KnobType.DOUBLE, 0, 0, 1, ""));
    assertThrows(
        IllegalArgumentException.class, () -> new Knob("lr", KnobType.DOUBLE, 0, 1, 0, ""));
    assertThrows(
        IllegalArgumentException.class, () -> new Knob("lr", KnobType.DOUBLE, 5, 0, 1, ""));
  }
}
