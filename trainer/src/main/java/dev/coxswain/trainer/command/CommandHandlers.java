package dev.coxswain.trainer.command;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import java.util.HashMap;
import java.util.Map;

/**
 * The handlers of a trainer, one per action type, registered by type: each command type is handled
 * in one place of its own. A type without a handler is refused with a reason.
 */
public final class CommandHandlers {
  private final Map<Class<? extends Action>, CommandHandler<? extends Action>> byType =
      new HashMap<>();

  /**
   * Registers the handler of one action type.
   *
   * @throws IllegalStateException when the type has one already
   */
  public <A extends Action> CommandHandlers register(Class<A> type, CommandHandler<A> handler) {
    if (byType.putIfAbsent(type, handler) != null) {
      throw new IllegalStateException(type.getSimpleName() + " has a handler already");
    }
    return this;
  }

  /** The one result of a command: its handler's, or a refusal when there is none. */
  @SuppressWarnings("unchecked")
  public CommandResult dispatch(Command command, Action action, long nextStep) throws Exception {
    CommandHandler<Action> h = (CommandHandler<Action>) byType.get(action.getClass());
    if (h == null) {
      return CommandResult.rejected(
          command, nextStep, "command '" + command.type() + "' is not supported by this trainer");
    }
    return h.handle(command, action, nextStep);
  }
}
