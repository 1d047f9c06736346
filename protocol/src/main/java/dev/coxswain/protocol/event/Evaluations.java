package dev.coxswain.protocol.event;

import dev.coxswain.protocol.Goal;
import java.util.HashMap;
import java.util.Map;

/**
 * The last and the best evaluation of each branch, for a {@link RunState}: another branch's
 * evaluation is never this one's. The best is by the goal's metric and direction when the run has a
 * goal, else by the lower eval_loss.
 */
final class Evaluations {
  private final Map<String, RunState.Stepped<Payload.Eval>> last = new HashMap<>();
  private final Map<String, RunState.Stepped<Payload.Eval>> best = new HashMap<>();

  /** One more evaluation, judged against its branch's best under {@code goal} (null: none). */
  void add(RunState.Stepped<Payload.Eval> at, Goal goal) {
    last.put(at.branch(), at);
    RunState.Stepped<Payload.Eval> b = best.get(at.branch());
    if (b == null || better(at.value(), b.value(), goal)) {
      best.put(at.branch(), at);
    }
  }

  /** The branch's last evaluation, or null. */
  RunState.Stepped<Payload.Eval> last(String branch) {
    return last.get(branch);
  }

  /** The branch's best evaluation, or null. */
  RunState.Stepped<Payload.Eval> best(String branch) {
    return best.get(branch);
  }

  private static boolean better(Payload.Eval a, Payload.Eval b, Goal goal) {
    String metric = goal != null ? goal.metric() : "eval_loss";
    Double va = a.value(metric);
    Double vb = b.value(metric);
    if (va == null || !Double.isFinite(va)) {
      return false;
    }
    if (vb == null || !Double.isFinite(vb)) {
      return true;
    }
    return goal != null && goal.maximize() ? va > vb : va < vb;
  }
}
