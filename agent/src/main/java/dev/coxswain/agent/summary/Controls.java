package dev.coxswain.agent.summary;

import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.KnobType;
import java.util.ArrayList;
import java.util.List;

/**
 * How the run's registered knobs and actions read in a prompt: each knob with its type, value,
 * bounds, scale, unit, role, description and lock; each action with its typed fields and whether
 * the agent may call it. Written from what the run announced, never from a fixed list.
 */
public final class Controls {
  private Controls() {}

  /** One line per knob, under a heading. */
  static void knobs(List<Summary.KnobView> knobs, StringBuilder sb) {
    if (knobs.isEmpty()) {
      sb.append("knobs: none registered\n");
      return;
    }
    sb.append("knobs (name=value [min, max] type, scale, role, unit: description):\n");
    for (Summary.KnobView v : knobs) {
      Knob k = v.knob();
      sb.append("- ").append(k.name()).append('=').append(value(k, k.value()));
      sb.append(" [").append(value(k, k.min())).append(", ").append(value(k, k.max())).append("] ");
      sb.append(type(k));
      if (k.type() == KnobType.DOUBLE) {
        sb.append(k.isLog() ? ", log scale" : ", linear scale");
      }
      if (k.role() != null) {
        sb.append(", role ").append(k.role());
      }
      if (k.unit() != null && !k.unit().isBlank()) {
        sb.append(", unit ").append(k.unit());
      }
      if (!describe(k).isBlank()) {
        sb.append(": ").append(describe(k));
      }
      if (v.locked()) {
        sb.append(" (LOCKED by a human: do not change it)");
      }
      sb.append('\n');
    }
  }

  /** One line per registered action, or nothing when the run registered none. */
  static void actions(List<ActionSpec> actions, StringBuilder sb) {
    if (actions.isEmpty()) {
      return;
    }
    sb.append("actions the run registered (run_action):\n");
    for (ActionSpec a : actions) {
      List<String> fields = new ArrayList<>();
      a.fields().forEach(f -> fields.add(field(f)));
      sb.append("- ").append(a.name()).append('(').append(String.join("; ", fields)).append(')');
      if (!a.description().isBlank()) {
        sb.append(": ").append(a.description());
      }
      sb.append(a.agent() ? " (you may call it)" : " (a person's only: you may not call it)");
      sb.append('\n');
    }
  }

  /** {@code steps: integer [1, 100]}, {@code mode?: one of [a, b]}; {@code ?} marks optional. */
  static String field(ActionSpec.Field f) {
    StringBuilder sb = new StringBuilder(f.name()).append(f.required() ? "" : "?").append(": ");
    switch (f.type()) {
      case CHOICE -> sb.append("one of ").append(f.choices());
      case TEXT ->
          sb.append("text").append(f.max() == null ? "" : " of at most " + f.max().longValue());
      default -> {
        sb.append(f.type().wire());
        if (f.min() != null || f.max() != null) {
          sb.append(" [")
              .append(bound(f, f.min()))
              .append(", ")
              .append(bound(f, f.max()))
              .append(']');
        }
      }
    }
    if (!f.description().isBlank()) {
      sb.append(" (").append(f.description()).append(')');
    }
    return sb.toString();
  }

  private static String bound(ActionSpec.Field f, Double b) {
    if (b == null) {
      return "-";
    }
    return f.type() == ActionSpec.FieldType.INTEGER
        ? Long.toString(b.longValue())
        : WindowText.g(b);
  }

  private static String type(Knob k) {
    return switch (k.type()) {
      case DOUBLE -> "real";
      case INT -> "integer";
      case BOOL -> "boolean";
      case CHOICE -> "one of " + k.choices();
    };
  }

  /** A knob's description, empty when it has none. */
  public static String describe(Knob k) {
    return k.description() == null ? "" : k.description();
  }

  /** A value as a person writes it: a whole number, on/off, an option's name, or 4 digits. */
  public static String value(Knob k, double v) {
    return switch (k.type()) {
      case DOUBLE -> WindowText.g(v);
      case INT -> Long.toString((long) v);
      case BOOL -> v != 0 ? "true" : "false";
      case CHOICE -> {
        int i = (int) v;
        yield i >= 0 && i < k.choices().size() ? k.choices().get(i) : WindowText.g(v);
      }
    };
  }
}
