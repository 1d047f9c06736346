package dev.coxswain.agent.guard;

import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Knob;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The typed side of the guardrails: what an agent's value for a registered knob means (a number, on
 * or off, an option's name), what a knob's value looks like in the command sent, and whether a
 * registered action may be called by the agent with the arguments it gave.
 */
final class KnobValues {
  private KnobValues() {}

  /**
   * The agent's wish for a knob as a number (an option's index, 1 or 0 for on or off), or empty
   * with the reason in {@code edits}; a whole-number knob's fraction is rounded, and said.
   */
  static OptionalDouble read(Knob k, Object wish, List<String> edits) {
    String drop = "dropped " + k.name() + ": ";
    switch (k.type()) {
      case BOOL -> {
        if (wish instanceof Boolean b) {
          return OptionalDouble.of(b ? 1 : 0);
        }
        if (wish instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1)) {
          return OptionalDouble.of(n.doubleValue());
        }
        edits.add(drop + "it takes true or false, got " + wish);
        return OptionalDouble.empty();
      }
      case CHOICE -> {
        Optional<Integer> i =
            wish instanceof String option ? k.choiceIndex(option) : Optional.empty();
        if (i.isEmpty()) {
          edits.add(drop + "it is one of " + k.choices() + ", got " + wish);
          return OptionalDouble.empty();
        }
        return OptionalDouble.of(i.get());
      }
      default -> {
        if (!(wish instanceof Number n) || !Double.isFinite(n.doubleValue())) {
          edits.add(drop + "not a finite number");
          return OptionalDouble.empty();
        }
        double v = n.doubleValue();
        if (k.type() == dev.coxswain.protocol.KnobType.INT && v != Math.rint(v)) {
          edits.add(k.name() + ": " + v + " is not a whole number; rounded to " + Math.rint(v));
          v = Math.rint(v);
        }
        return OptionalDouble.of(v);
      }
    }
  }

  /** A knob's value as the command carries it: a real, a whole number, true/false or an option. */
  static Object wire(Knob k, double v) {
    return switch (k.type()) {
      case DOUBLE -> v;
      case INT -> Math.round(v);
      case BOOL -> v != 0;
      case CHOICE -> k.choices().get((int) v);
    };
  }

  /**
   * A {@code run_action} decision: the action must be registered and one the agent may call, and
   * its arguments must fit its fields; anything else is kept, with why.
   */
  static Guardrails.Outcome action(Decision d, Summary s, List<String> edits) {
    Object name = d.args().get("action");
    Optional<ActionSpec> spec = s.actions().stream().filter(a -> a.name().equals(name)).findFirst();
    if (spec.isEmpty()) {
      edits.add("unknown action '" + name + "'; kept instead");
      return keep(edits);
    }
    if (!spec.get().agent()) {
      edits.add("action '" + name + "' is a person's only, not the agent's; kept instead");
      return keep(edits);
    }
    Map<String, Object> fields = new LinkedHashMap<>(d.args());
    fields.remove("action");
    try {
      spec.get().check(fields);
    } catch (InvalidCommandException e) {
      edits.add(e.getMessage() + "; kept instead");
      return keep(edits);
    }
    return new Guardrails.Outcome(Optional.of("run_action"), d.args(), edits);
  }

  private static Guardrails.Outcome keep(List<String> edits) {
    return new Guardrails.Outcome(Optional.empty(), Map.of(), edits);
  }
}
