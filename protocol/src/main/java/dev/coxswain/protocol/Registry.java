package dev.coxswain.protocol;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a run registered: its knobs and its actions. The one place a knob or action command is
 * checked against them, by the control plane at intake (a 400 naming the field, nothing recorded)
 * and by the trainer at the step boundary (again, for races).
 */
public record Registry(List<Knob> knobs, List<ActionSpec> actions) {

  /**
   * @throws IllegalArgumentException for two knobs or two actions of one name
   */
  public Registry {
    knobs = knobs == null ? List.of() : List.copyOf(knobs);
    actions = actions == null ? List.of() : List.copyOf(actions);
    Set<String> seen = new HashSet<>();
    for (Knob k : knobs) {
      if (!seen.add(k.name())) {
        throw new IllegalArgumentException("two knobs are named '" + k.name() + "'");
      }
    }
    seen.clear();
    for (ActionSpec a : actions) {
      if (!seen.add(a.name())) {
        throw new IllegalArgumentException("two actions are named '" + a.name() + "'");
      }
    }
  }

  public Optional<Knob> knob(String name) {
    return knobs.stream().filter(k -> k.name().equals(name)).findFirst();
  }

  public Optional<ActionSpec> action(String name) {
    return actions.stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /**
   * The values a {@code set_knobs} asks for, options turned into their index, each checked.
   *
   * @throws InvalidCommandException naming {@code args.<knob>}: unknown, wrong type, out of bounds
   */
  public Map<String, Double> values(Action.SetKnobs s) throws InvalidCommandException {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : s.values().entrySet()) {
      Knob k = known(e.getKey(), "args." + e.getKey());
      check(k, e.getValue(), "args." + e.getKey());
      out.put(k.name(), e.getValue());
    }
    for (Map.Entry<String, Boolean> e : s.switches().entrySet()) {
      Knob k = known(e.getKey(), "args." + e.getKey());
      if (k.type() != KnobType.BOOL) {
        throw new InvalidCommandException(
            "args." + e.getKey(),
            "knob '" + k.name() + "' takes a number, got boolean " + e.getValue());
      }
      out.put(k.name(), e.getValue() ? 1.0 : 0.0);
    }
    for (Map.Entry<String, String> e : s.options().entrySet()) {
      String field = "args." + e.getKey();
      Knob k = known(e.getKey(), field);
      if (k.type() != KnobType.CHOICE) {
        throw new InvalidCommandException(
            field, "knob '" + k.name() + "' takes a number, got '" + e.getValue() + "'");
      }
      int i =
          k.choiceIndex(e.getValue())
              .orElseThrow(
                  () ->
                      new InvalidCommandException(
                          field,
                          "knob '"
                              + k.name()
                              + "' is one of "
                              + k.choices()
                              + ", got '"
                              + e.getValue()
                              + "'"));
      out.put(k.name(), (double) i);
    }
    return out;
  }

  /**
   * The value a {@code scale_knob} asks for, from the knob's value now.
   *
   * @throws InvalidCommandException unknown knob, a knob that is not real, a result out of bounds
   */
  public double scaled(Action.ScaleKnob s) throws InvalidCommandException {
    Knob k = known(s.knob(), "args.knob");
    if (k.type() != KnobType.DOUBLE) {
      throw new InvalidCommandException(
          "args.knob",
          "knob '" + k.name() + "' is " + k.type().wire() + ": only a real knob can be scaled");
    }
    double v = k.value() * s.factor();
    check(k, v, "args.factor");
    return v;
  }

  /**
   * A {@code run_action}'s arguments in their types.
   *
   * @throws InvalidCommandException naming {@code args.action} for an unknown action, or the field
   */
  public Map<String, Object> args(Action.Invoke i) throws InvalidCommandException {
    ActionSpec spec =
        action(i.action())
            .orElseThrow(
                () ->
                    new InvalidCommandException(
                        "args.action",
                        "unknown action '"
                            + i.action()
                            + "'; "
                            + (actions.isEmpty()
                                ? "this run registered none"
                                : "registered: "
                                    + actions.stream()
                                        .map(ActionSpec::name)
                                        .collect(Collectors.joining(", ")))));
    return spec.check(i.args());
  }

  private Knob known(String name, String field) throws InvalidCommandException {
    return knob(name)
        .orElseThrow(
            () ->
                new InvalidCommandException(
                    field,
                    "unknown knob '"
                        + name
                        + "'; known: "
                        + knobs.stream().map(Knob::name).collect(Collectors.joining(", "))));
  }

  private static void check(Knob k, double v, String field) throws InvalidCommandException {
    Optional<String> problem = k.validate(v);
    if (problem.isPresent()) {
      throw new InvalidCommandException(field, problem.get());
    }
  }
}
