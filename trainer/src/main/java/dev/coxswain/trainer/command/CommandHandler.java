package dev.coxswain.trainer.command;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;

/**
 * How one kind of action is carried out at the control point, between two steps.
 *
 * @param <A> the action it handles
 */
@FunctionalInterface
public interface CommandHandler<A extends Action> {
  /**
   * Carries the action out, or refuses it; exactly one result.
   *
   * @param nextStep the first step that runs after this boundary
   */
  CommandResult handle(Command command, A action, long nextStep) throws Exception;
}
