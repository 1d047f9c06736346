package dev.coxswain.agent;

import dev.coxswain.protocol.CommandResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The last decision's command, while it may not have shaped the steps the agent has seen yet.
 * Events queue while the agent asks its policy, so with fast steps or a slow model the window ends
 * after a decision can all predate its command; judging one would decide again on what the command
 * already changed (a halve computed from the learning rate the last double replaced). Such a window
 * is not judged: it runs on to the first window end the command has shaped, journaled once per
 * command as {@code window_extended}. A result that is a refusal or an error shapes nothing and
 * ends the wait. Used on the agent's thread only.
 */
final class PendingCommand {
  private final DecisionLog log;
  private CompletableFuture<CommandResult> result;
  private boolean noted;

  PendingCommand(DecisionLog log) {
    this.log = log;
  }

  /** The command a decision just sent (null: it sent none). */
  void sent(CompletableFuture<CommandResult> command) {
    result = command;
    noted = false;
  }

  /**
   * Whether the command has not yet shaped the steps up to {@code step}: its result has not come,
   * or it applies from a later step.
   */
  boolean awaited(long step) {
    if (result == null) {
      return false;
    }
    CommandResult r;
    try {
      r = result.getNow(null);
    } catch (RuntimeException failed) { // the gateway could not deliver it: nothing to wait for
      result = null;
      return false;
    }
    if (r != null && !(r.isApplied() && r.step() > step)) {
      result = null;
      return false;
    }
    if (!noted) {
      noted = true;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "window_extended");
      m.put("step", step);
      m.put(
          "reason",
          r == null
              ? "the last decision's command has no result yet"
              : "the last decision's command applies from step " + r.step());
      log.write(m);
    }
    return true;
  }
}
