package dev.coxswain.protocol;

import java.util.Optional;

/**
 * A typed, bounded, described control of a running job, with its current value.
 *
 * @param name e.g. {@code lr}
 * @param type double or int
 * @param value current value
 * @param min inclusive lower bound
 * @param max inclusive upper bound
 * @param description what it does, for people and for the agent's prompt
 */
public record Knob(
    String name, KnobType type, double value, double min, double max, String description) {

  public Knob {
    if (name == null || !name.matches("[a-z][a-z0-9_.]{0,63}")) {
      throw new IllegalArgumentException("knob name must match [a-z][a-z0-9_.]{0,63}: " + name);
    }
    if (!(min <= max)) {
      throw new IllegalArgumentException("knob " + name + ": min " + min + " > max " + max);
    }
    Optional<String> problem = check(name, type, value, min, max);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
  }

  /** Why {@code candidate} is not an acceptable value for this knob, or empty if it is. */
  public Optional<String> validate(double candidate) {
    return check(name, type, candidate, min, max);
  }

  /** The same knob holding another value; the value must be valid. */
  public Knob withValue(double newValue) {
    return new Knob(name, type, newValue, min, max, description);
  }

  private static Optional<String> check(
      String name, KnobType type, double v, double min, double max) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return Optional.of("knob '" + name + "' must be a finite number, got " + v);
    }
    if (type == KnobType.INT && v != Math.rint(v)) {
      return Optional.of("knob '" + name + "' takes a whole number, got " + v);
    }
    if (v < min || v > max) {
      return Optional.of(
          "knob '" + name + "' = " + v + " is out of bounds [" + min + ", " + max + "]");
    }
    return Optional.empty();
  }
}
