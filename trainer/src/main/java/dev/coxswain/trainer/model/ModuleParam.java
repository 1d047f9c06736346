package dev.coxswain.trainer.model;

import dev.coxswain.protocol.KnobType;
import java.util.Optional;

/**
 * A parameter of a module that may be set while the run goes on (a dropout's p): typed and bounded
 * like a knob, never clamped.
 *
 * @param name e.g. {@code p}
 * @param type double or int
 * @param min inclusive lower bound
 * @param max inclusive upper bound
 * @param defaultValue the value a fresh model has
 * @param description what it does, for people and for the agent
 */
public record ModuleParam(
    String name, KnobType type, double min, double max, double defaultValue, String description) {

  public ModuleParam {
    if (!(min <= max) || defaultValue < min || defaultValue > max) {
      throw new IllegalArgumentException(
          name + ": default " + defaultValue + " must lie in [" + min + ", " + max + "]");
    }
  }

  /** Why {@code v} is not acceptable for this parameter of {@code module}, or empty if it is. */
  public Optional<String> validate(String module, double v) {
    String what = module + " " + name;
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return Optional.of(what + " must be a finite number, got " + v);
    }
    if (type == KnobType.INT && v != Math.rint(v)) {
      return Optional.of(what + " takes a whole number, got " + v);
    }
    if (v < min || v > max) {
      return Optional.of(what + " = " + v + " is out of bounds [" + min + ", " + max + "]");
    }
    return Optional.empty();
  }
}
