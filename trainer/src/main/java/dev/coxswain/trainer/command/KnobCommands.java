package dev.coxswain.trainer.command;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.Registry;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.Steps;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.control.Knobs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The knob commands ({@code set_knobs}, {@code scale_knob}, {@code lock_knob}, {@code unlock_knob})
 * and the locks a person puts on knobs: while a knob is locked, the agent and the rules may not
 * change it.
 */
public final class KnobCommands {
  private final Knobs knobs;
  private final Consumer<Payload> emit;
  private final Map<String, Long> locks = new TreeMap<>(); // knob -> last locked step

  /**
   * @param emit publishes the trainer's events (a {@code knobs} event after every change)
   */
  public KnobCommands(Knobs knobs, Consumer<Payload> emit) {
    this.knobs = knobs;
    this.emit = emit;
  }

  /** Registers the four knob commands. */
  public void registerWith(CommandHandlers handlers) {
    handlers
        .register(
            Action.SetKnobs.class,
            (c, a, next) -> unlessLocked(c, a.names(), next, () -> setChecked(c, a, next)))
        .register(
            Action.ScaleKnob.class,
            (c, a, next) -> unlessLocked(c, Set.of(a.knob()), next, () -> scale(c, a, next)))
        .register(Action.LockKnob.class, this::lock)
        .register(Action.UnlockKnob.class, this::unlock);
  }

  /**
   * At the start of a run: a {@code knobs} event with the full table, bounds included, and the
   * actions the run registered.
   */
  public void announce(List<ActionSpec> actions) {
    // for late readers: the specs say the bounds
    emit.accept(
        new Payload.Knobs(
            knobs.snapshot().values(),
            knobs.list(),
            actions.isEmpty() ? null : actions,
            null,
            null,
            null,
            null,
            null));
  }

  // booleans and options resolved, each value checked against its knob's type and bounds
  private CommandResult setChecked(Command c, Action.SetKnobs a, long nextStep) {
    Map<String, Double> values;
    try {
      values = new Registry(knobs.list(), List.of()).values(a);
    } catch (InvalidCommandException e) {
      return CommandResult.rejected(c, nextStep, e.getMessage());
    }
    return set(c, values, nextStep);
  }

  private interface Change {
    CommandResult apply();
  }

  // a person's lock holds against the agent and the rules, not against a person or the API
  private CommandResult unlessLocked(Command c, Set<String> touched, long nextStep, Change change) {
    if (c.source() == Source.AGENT || c.source() == Source.RULE) {
      for (String k : touched) {
        Long until = locks.get(k);
        if (until != null && nextStep <= until) {
          return CommandResult.rejected(
              c,
              nextStep,
              "knob '"
                  + k
                  + "' is locked by a person"
                  + (until == Long.MAX_VALUE ? "" : " until step " + until));
        }
      }
    }
    return change.apply();
  }

  private CommandResult scale(Command c, Action.ScaleKnob a, long nextStep) {
    double v;
    try {
      v = new Registry(knobs.list(), List.of()).scaled(a);
    } catch (InvalidCommandException e) {
      return CommandResult.rejected(c, nextStep, e.getMessage());
    }
    return set(c, Map.of(a.knob(), v), nextStep);
  }

  private CommandResult set(Command c, Map<String, Double> values, long nextStep) {
    Map<String, Double> before = knobs.snapshot().values();
    Optional<String> problem = knobs.trySet(values);
    if (problem.isPresent()) {
      return CommandResult.rejected(c, nextStep, problem.get());
    }
    Map<String, Payload.Change> changed = new LinkedHashMap<>();
    values.forEach((k, v) -> changed.put(k, new Payload.Change(before.get(k), v)));
    emit.accept(
        new Payload.Knobs(
            knobs.snapshot().values(),
            null,
            null,
            List.copyOf(locks.keySet()),
            changed,
            c.id(),
            c.source().wire(),
            nextStep));
    return CommandResult.applied(c, nextStep, Json.toMap(changed));
  }

  private CommandResult lock(Command c, Action.LockKnob a, long nextStep) {
    if (knobs.get(a.knob()).isEmpty()) {
      return CommandResult.rejected(
          c, nextStep, "unknown knob '" + a.knob() + "'; known: " + names());
    }
    long last = a.steps() == null ? Long.MAX_VALUE : Steps.add(nextStep, a.steps() - 1);
    locks.put(a.knob(), last);
    publishLocks(c);
    return CommandResult.applied(
        c,
        nextStep,
        Map.of("knob", a.knob(), "until_step", a.steps() == null ? "until unlocked" : last));
  }

  private CommandResult unlock(Command c, Action.UnlockKnob a, long nextStep) {
    if (locks.remove(a.knob()) == null) {
      return CommandResult.rejected(c, nextStep, "knob '" + a.knob() + "' is not locked");
    }
    publishLocks(c);
    return CommandResult.applied(c, nextStep, Map.of("knob", a.knob()));
  }

  private void publishLocks(Command c) {
    emit.accept(
        new Payload.Knobs(
            knobs.snapshot().values(),
            null,
            null,
            List.copyOf(new TreeSet<>(locks.keySet())),
            null,
            c.id(),
            c.source().wire(),
            null));
  }

  private String names() {
    return knobs.list().stream().map(Knob::name).collect(Collectors.joining(", "));
  }
}
