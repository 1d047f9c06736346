package dev.coxswain.agent;

import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Knob;

/** Knobs as runs register them, for summaries built by hand in tests. */
public final class TestKnobs {
  private TestKnobs() {}

  /** Coxswain's own {@code lr}: log scale, role learning_rate, 1e-12..10. */
  public static Summary.KnobView lr(double value) {
    return lr("lr", value, 1e-12, 10, false);
  }

  /** A learning-rate knob of that name, bounds and lock. */
  public static Summary.KnobView lr(
      String name, double value, double min, double max, boolean locked) {
    return new Summary.KnobView(
        Knob.real(name)
            .bounds(min, max)
            .initial(value)
            .log()
            .role(Knob.LEARNING_RATE)
            .describe("learning rate")
            .build(),
        locked);
  }
}
