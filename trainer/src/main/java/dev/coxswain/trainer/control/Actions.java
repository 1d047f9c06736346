package dev.coxswain.trainer.control;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.command.CommandHandlers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The actions a run registered for itself, each with its handler; {@code run_action} commands are
 * checked against the action's fields and carried out at the control point.
 */
public final class Actions {
  private record Entry(ActionSpec spec, ActionHandler handler) {}

  private final Map<String, Entry> byName = new LinkedHashMap<>();

  /**
   * @throws IllegalArgumentException when an action of that name is registered already
   */
  public void register(ActionSpec spec, ActionHandler handler) {
    Objects.requireNonNull(handler, "action '" + spec.name() + "' needs a handler");
    if (byName.putIfAbsent(spec.name(), new Entry(spec, handler)) != null) {
      throw new IllegalArgumentException("two actions are named '" + spec.name() + "'");
    }
  }

  /** The registered actions, in order. */
  public List<ActionSpec> specs() {
    List<ActionSpec> out = new ArrayList<>();
    byName.values().forEach(e -> out.add(e.spec()));
    return out;
  }

  /** Registers the handler of {@code run_action}. */
  public void registerWith(CommandHandlers handlers) {
    handlers.register(Action.Invoke.class, this::invoke);
  }

  private CommandResult invoke(Command c, Action.Invoke a, long nextStep) throws Exception {
    Entry e = byName.get(a.action());
    if (e == null) {
      return CommandResult.rejected(
          c,
          nextStep,
          "unknown action '"
              + a.action()
              + "'; "
              + (byName.isEmpty()
                  ? "this run registered none"
                  : "registered: " + String.join(", ", byName.keySet())));
    }
    if ((c.source() == Source.AGENT || c.source() == Source.RULE) && !e.spec().agent()) {
      return CommandResult.rejected(
          c, nextStep, "action '" + a.action() + "' is not one the agent may call");
    }
    Map<String, Object> args;
    try {
      args = e.spec().check(a.args());
    } catch (InvalidCommandException bad) {
      return CommandResult.rejected(c, nextStep, bad.getMessage());
    }
    ActionOutcome out = e.handler().handle(args, nextStep);
    if (!out.isApplied()) {
      return CommandResult.rejected(c, nextStep, out.reason());
    }
    Map<String, Object> detail = new LinkedHashMap<>(out.detail());
    detail.putIfAbsent("action", a.action());
    return CommandResult.applied(c, nextStep, detail);
  }
}
