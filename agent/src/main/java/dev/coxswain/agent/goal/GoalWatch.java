package dev.coxswain.agent.goal;

import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Goal;
import dev.coxswain.protocol.event.GoalProgress;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.ResultDetails;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What the agent knows of the run's goal: its definition (from an applied {@code set_goal} or the
 * {@code goal} field the trainer puts in every evaluation) and its progress at the last evaluation.
 * It says when the run may be stopped early: only when the goal allows it ({@code stop_early}, a
 * person's permission) and its target is met or it has stopped improving; once. Fed from one
 * thread.
 */
public final class GoalWatch {
  // not RunState's goal: that one takes set_goal's arguments, this one the goal as the trainer
  // applied it (its direction filled in), and it also keeps the progress and the early stop
  private Goal goal;
  private GoalProgress progress; // the last evaluation's, or null
  private boolean stopAsked;

  /** What an applied {@code set_goal} says it did: the goal it set, or that it cleared it. */

  /** Takes one event's payload. */
  public void accept(Payload body) {
    if (body instanceof Payload.Eval ev && ev.goal() != null) {
      goal = ev.goal().goal();
      progress = ev.goal();
    } else if (body instanceof Payload.Result r) {
      setGoal(r.result());
    }
  }

  private void setGoal(CommandResult r) {
    Optional<ResultDetails.GoalSet> set = ResultDetails.goal(r);
    if (set.isEmpty()) {
      return; // another command, or a detail of a shape this reader does not know
    }
    ResultDetails.GoalSet d = set.get();
    if (d.goal() != null) {
      Goal g = d.goal();
      boolean sameAim =
          goal != null
              && Objects.equals(g.metric(), goal.metric())
              && Objects.equals(g.direction(), goal.direction());
      goal = g;
      progress = sameAim ? progress : null;
      stopAsked = false;
    } else if (Boolean.TRUE.equals(d.cleared())) {
      goal = null;
      progress = null;
    }
  }

  /** The goal's metric, or {@code eval_loss} when the run has no goal. */
  public String metric() {
    return goal == null ? "eval_loss" : String.valueOf(goal.metric());
  }

  /** Whether a higher value of {@link #metric} is better. */
  public boolean maximize() {
    return goal != null && goal.maximize();
  }

  /** The goal as the agent sees it at {@code step}, if the run has one. */
  public Optional<Summary.GoalView> view(long step) {
    if (goal == null) {
      return Optional.empty();
    }
    Long deadline = goal.deadline();
    GoalProgress p = progress;
    return Optional.of(
        new Summary.GoalView(
            metric(),
            maximize(),
            goal.target(),
            deadline,
            deadline == null ? null : Math.max(0, deadline - step),
            p == null ? Double.NaN : number(p.value()),
            best(),
            p != null && p.bestStep() != null ? p.bestStep() : -1,
            p != null ? p.evalsSinceBest() : 0,
            p != null && p.targetMet(),
            p != null && p.stalled()));
  }

  /**
   * Why the run should stop now, if the goal allows an early stop and is met or stalled; each
   * reason is given once (a new goal may give it again).
   */
  public Optional<String> stopReason() {
    if (goal == null || progress == null || stopAsked || !goal.stopEarly()) {
      return Optional.empty();
    }
    String why = null;
    if (progress.targetMet()) {
      why =
          String.format(
              Locale.ROOT,
              "the goal is met: %s %.4g at step %s (target %s)",
              metric(),
              best(),
              progress.bestStep(),
              goal.target());
    } else if (progress.stalled()) {
      why =
          String.format(
              Locale.ROOT,
              "the goal stopped improving: no better %s than %.4g (step %s) in %s evaluations",
              metric(),
              best(),
              progress.bestStep(),
              progress.evalsSinceBest());
    }
    if (why == null) {
      return Optional.empty();
    }
    stopAsked = true;
    return Optional.of(why + "; stopping early as the goal allows, the best weights are 'best'");
  }

  private double best() {
    return progress == null ? Double.NaN : number(progress.best());
  }

  private static double number(Double v) {
    return v == null ? Double.NaN : v;
  }
}
