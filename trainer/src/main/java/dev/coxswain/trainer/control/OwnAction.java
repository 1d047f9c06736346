package dev.coxswain.trainer.control;

import dev.coxswain.protocol.ActionSpec;
import java.util.Objects;

/** An action a run registered for itself, with its handler. */
public record OwnAction(ActionSpec spec, ActionHandler handler) {
  public OwnAction {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(handler, "action '" + spec.name() + "' needs a handler");
  }
}
