package dev.coxswain.protocol;

import java.util.Map;

/**
 * The one result of one command.
 *
 * @param commandId the command's id
 * @param type the command's wire type
 * @param status applied, rejected or failed
 * @param step for applied: the first step that runs under the change (for {@code save_checkpoint}:
 *     the step the checkpoint holds, the step in its id); otherwise the step boundary at which the
 *     command was handled
 * @param reason for rejected and failed: what a person needs to know
 * @param detail what changed (e.g. old and new knob values, checkpoint id)
 */
public record CommandResult(
    String commandId,
    String type,
    CommandStatus status,
    long step,
    String reason,
    Map<String, Object> detail) {

  public CommandResult {
    detail = detail == null ? Map.of() : detail;
  }

  public static CommandResult applied(Command c, long step, Map<String, Object> detail) {
    return new CommandResult(c.id(), c.type(), CommandStatus.APPLIED, step, null, detail);
  }

  public static CommandResult rejected(Command c, long step, String reason) {
    return new CommandResult(c.id(), c.type(), CommandStatus.REJECTED, step, reason, null);
  }

  public static CommandResult failed(Command c, long step, String error) {
    return new CommandResult(c.id(), c.type(), CommandStatus.FAILED, step, error, null);
  }

  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isApplied() {
    return status == CommandStatus.APPLIED;
  }
}
