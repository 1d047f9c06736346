package dev.coxswain.agent.goal;

import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Event;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the agent knows of the run's goal: its definition (from an applied {@code set_goal} or the
 * {@code goal} field the trainer puts in every evaluation) and its progress at the last evaluation.
 * It says when the run may be stopped early: only when the goal allows it ({@code stop_early}, a
 * person's permission) and its target is met or it has stopped improving; once. Fed from one
 * thread.
 */
public final class GoalWatch {
  private Map<?, ?>
      goal; // the definition: metric, direction, target, deadline, patience, stop_early
  private Map<?, ?> progress; // the last evaluation's goal field, or null
  private boolean stopAsked;

  public void accept(Event e) {
    Map<String, Object> p = e.payload();
    switch (e.type()) {
      case EVAL -> {
        if (p.get("goal") instanceof Map<?, ?> g) {
          goal = g;
          progress = g;
        }
      }
      case COMMAND_RESULT -> {
        if ("set_goal".equals(p.get("type"))
            && "applied".equals(p.get("status"))
            && p.get("detail") instanceof Map<?, ?> d) {
          if (d.get("goal") instanceof Map<?, ?> g) {
            boolean sameAim =
                goal != null
                    && g.get("metric").equals(goal.get("metric"))
                    && g.get("direction").equals(goal.get("direction"));
            goal = g;
            progress = sameAim ? progress : null;
            stopAsked = false;
          } else if (Boolean.TRUE.equals(d.get("cleared"))) {
            goal = null;
            progress = null;
          }
        }
      }
      default -> {}
    }
  }

  /** The goal's metric, or {@code eval_loss} when the run has no goal. */
  public String metric() {
    return goal == null ? "eval_loss" : String.valueOf(goal.get("metric"));
  }

  /** Whether a higher value of {@link #metric} is better. */
  public boolean maximize() {
    return goal != null && "maximize".equals(goal.get("direction"));
  }

  /** The goal as the agent sees it at {@code step}, if the run has one. */
  public Optional<Summary.GoalView> view(long step) {
    if (goal == null) {
      return Optional.empty();
    }
    Long deadline = goal.get("deadline") instanceof Number n ? n.longValue() : null;
    return Optional.of(
        new Summary.GoalView(
            metric(),
            maximize(),
            goal.get("target") instanceof Number n ? n.doubleValue() : null,
            deadline,
            deadline == null ? null : Math.max(0, deadline - step),
            number(progress, "value"),
            number(progress, "best"),
            progress != null && progress.get("best_step") instanceof Number n ? n.longValue() : -1,
            progress != null && progress.get("evals_since_best") instanceof Number n
                ? n.intValue()
                : 0,
            progress != null && Boolean.TRUE.equals(progress.get("target_met")),
            progress != null && Boolean.TRUE.equals(progress.get("stalled"))));
  }

  /**
   * Why the run should stop now, if the goal allows an early stop and is met or stalled; each
   * reason is given once (a new goal may give it again).
   */
  public Optional<String> stopReason() {
    if (goal == null
        || progress == null
        || stopAsked
        || !Boolean.TRUE.equals(goal.get("stop_early"))) {
      return Optional.empty();
    }
    String why = null;
    if (Boolean.TRUE.equals(progress.get("target_met"))) {
      why =
          String.format(
              Locale.ROOT,
              "the goal is met: %s %.4g at step %s (target %s)",
              metric(),
              number(progress, "best"),
              progress.get("best_step"),
              goal.get("target"));
    } else if (Boolean.TRUE.equals(progress.get("stalled"))) {
      why =
          String.format(
              Locale.ROOT,
              "the goal stopped improving: no better %s than %.4g (step %s) in %s evaluations",
              metric(),
              number(progress, "best"),
              progress.get("best_step"),
              progress.get("evals_since_best"));
    }
    if (why == null) {
      return Optional.empty();
    }
    stopAsked = true;
    return Optional.of(why + "; stopping early as the goal allows, the best weights are 'best'");
  }

  private static double number(Map<?, ?> m, String key) {
    return m != null && m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
