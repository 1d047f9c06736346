package dev.coxswain.trainer.goal;

import dev.coxswain.protocol.Goal;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.GoalProgress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The run's goal and its progress: the best value of the goal's metric so far and at which step,
 * how many evaluations have passed without a new best, whether the target is met and how many steps
 * are left before the deadline. It checks a goal against the metrics the workload reports and the
 * run's length before accepting it. Used on the training thread only.
 */
public final class GoalTracker {
  /** The tag of the checkpoint with the best goal value so far ({@code best} resolves to it). */
  public static final String BEST_TAG = "best";

  private final Map<String, Boolean> higherIsBetter; // the metrics evaluations report
  private final long maxSteps;
  private final boolean evaluates;

  private Goal goal;
  private double best = Double.NaN;
  private long bestStep = -1;
  private int since;

  /**
   * @param higherIsBetter every metric an evaluation reports, and which way is better
   * @param maxSteps the run's last step
   * @param evaluates whether the run evaluates at all (validation data and a cadence)
   */
  public GoalTracker(Map<String, Boolean> higherIsBetter, long maxSteps, boolean evaluates) {
    this.higherIsBetter = new LinkedHashMap<>(higherIsBetter);
    this.maxSteps = maxSteps;
    this.evaluates = evaluates;
  }

  /** What is wrong with this goal for this run at this step, if anything. */
  public Optional<String> problem(Goal g, long step) {
    if (!evaluates) {
      return Optional.of("this run does not evaluate (no validation data or eval_every 0)");
    }
    Boolean higher = higherIsBetter.get(g.metric());
    if (higher == null) {
      return Optional.of(
          "the workload reports no metric '"
              + g.metric()
              + "'; its evaluations report: "
              + String.join(", ", higherIsBetter.keySet()));
    }
    String natural = higher ? Goal.MAXIMIZE : Goal.MINIMIZE;
    if (g.direction() != null && !g.direction().equals(natural)) {
      return Optional.of(
          g.metric()
              + " is "
              + (higher ? "higher" : "lower")
              + "-is-better: a goal to "
              + g.direction()
              + " it would chase the wrong way");
    }
    if (g.deadline() != null && g.deadline() <= step) {
      return Optional.of(
          "the deadline step " + g.deadline() + " is in the past: the run is at step " + step);
    }
    if (g.deadline() != null && g.deadline() > maxSteps) {
      return Optional.of(
          "the deadline step " + g.deadline() + " is after the run's last step " + maxSteps);
    }
    return Optional.empty();
  }

  /** The goal with its direction taken from its metric. */
  public Goal normalize(Goal g) {
    return g.withDirection(
        Boolean.TRUE.equals(higherIsBetter.get(g.metric())) ? Goal.MAXIMIZE : Goal.MINIMIZE);
  }

  /**
   * Takes a checked, normalized goal (null clears). Progress carries over when the metric and
   * direction stay the same (a new target or deadline for the same aim), else it starts again.
   */
  public void set(Goal g) {
    boolean sameAim =
        g != null
            && goal != null
            && g.metric().equals(goal.metric())
            && g.direction().equals(goal.direction());
    goal = g;
    if (!sameAim) {
      best = Double.NaN;
      bestStep = -1;
      since = 0;
    }
  }

  public Optional<Goal> goal() {
    return Optional.ofNullable(goal);
  }

  /** Progress after one evaluation. */
  public record Progress(
      Goal goal,
      double value,
      double best,
      long bestStep,
      boolean improved,
      int sinceImprovement,
      boolean targetMet,
      boolean stalled,
      Long stepsLeft) {

    /** The {@code goal} field of an {@code eval} event. */
    public GoalProgress toPayload() {
      return new GoalProgress(
          goal.metric(),
          goal.direction(),
          goal.target(),
          goal.deadline(),
          goal.patience(),
          goal.stopEarly(),
          value,
          best,
          bestStep,
          improved,
          sinceImprovement,
          targetMet,
          stalled,
          stepsLeft);
    }

    /** The same, as a map. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>(goal.toMap());
      m.put("value", value);
      m.put("best", best);
      m.put("best_step", bestStep);
      m.put("improved", improved);
      m.put("evals_since_best", sinceImprovement);
      m.put("target_met", targetMet);
      m.put("stalled", stalled);
      if (stepsLeft != null) {
        m.put("steps_left", stepsLeft);
      }
      return m;
    }
  }

  /**
   * Takes an evaluation's values at {@code step}; empty without a goal or when the evaluation did
   * not report the goal's metric (a non-finite value counts as no improvement).
   */
  public Optional<Progress> observe(long step, Map<String, Double> values) {
    if (goal == null || !values.containsKey(goal.metric())) {
      return Optional.empty();
    }
    double v = values.get(goal.metric());
    boolean improved = goal.better(v, best);
    if (improved) {
      best = v;
      bestStep = step;
      since = 0;
    } else {
      since++;
    }
    boolean stalled = goal.patience() != null && since >= goal.patience();
    Long left = goal.deadline() == null ? null : Math.max(0, goal.deadline() - step);
    return Optional.of(
        new Progress(goal, v, best, bestStep, improved, since, goal.meets(best), stalled, left));
  }

  /** The goal and its progress, for a checkpoint. */
  public String state() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (goal != null) {
      m.put("goal", goal.toMap());
    }
    m.put("best", Double.isFinite(best) ? best : null);
    m.put("best_step", bestStep);
    m.put("since", since);
    return Json.write(m);
  }

  /** Restores what {@link #state} wrote (a resumed run goes on with its goal). */
  @SuppressWarnings("unchecked")
  public void restore(String json) throws java.io.IOException {
    Map<String, Object> m = Json.mapper().readValue(json, Map.class);
    try {
      goal =
          m.get("goal") instanceof Map<?, ?> g
              ? normalize(Goal.fromMap((Map<String, Object>) g))
              : null;
    } catch (dev.coxswain.protocol.InvalidCommandException e) {
      throw new java.io.IOException("the checkpoint's goal is unreadable: " + e.getMessage(), e);
    }
    best = m.get("best") instanceof Number n ? n.doubleValue() : Double.NaN;
    bestStep = m.get("best_step") instanceof Number n ? n.longValue() : -1;
    since = m.get("since") instanceof Number n ? n.intValue() : 0;
  }

  /** The metrics a goal may name, for messages. */
  public String metrics() {
    return higherIsBetter.keySet().stream().collect(Collectors.joining(", "));
  }
}
