package dev.coxswain.trainer.control;

import dev.coxswain.protocol.Knob;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * A knob a run registered for itself, with the setter that applies a new value at the control point
 * (on the training thread). A setter that throws makes the command {@code failed}.
 */
public record OwnKnob(Knob knob, DoubleConsumer setter) {
  public OwnKnob {
    Objects.requireNonNull(knob, "knob");
    Objects.requireNonNull(setter, "knob '" + knob.name() + "' needs a setter");
  }
}
