package dev.coxswain.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run is for: a metric its evaluations report, which way is better, and optionally a target
 * value, a deadline (the step by which it should be reached), a patience (evaluations without a new
 * best after which the goal counts as no longer improving) and a person's permission for the agent
 * to stop the run early when the target is met or patience runs out.
 *
 * @param metric {@code eval_loss}, {@code perplexity} or a metric the workload reports
 * @param direction {@code minimize} or {@code maximize}; null until the trainer fills it in from
 *     the metric
 * @param target the value that counts as done, or null
 * @param deadline the step by which the target should be met, or null
 * @param patience evaluations without improvement that end the goal's progress, or null
 * @param stopEarly whether the agent may stop the run when the goal is met or stalled
 */
public record Goal(
    String metric,
    String direction,
    Double target,
    Long deadline,
    Integer patience,
    boolean stopEarly) {

  public static final String MINIMIZE = "minimize";
  public static final String MAXIMIZE = "maximize";

  public boolean maximize() {
    return MAXIMIZE.equals(direction);
  }

  /** This goal with its direction filled in. */
  public Goal withDirection(String d) {
    return new Goal(metric, d, target, deadline, patience, stopEarly);
  }

  /** Whether {@code value} is better than {@code than} in this goal's direction. */
  public boolean better(double value, double than) {
    if (!Double.isFinite(value)) {
      return false;
    }
    if (!Double.isFinite(than)) {
      return true;
    }
    return maximize() ? value > than : value < than;
  }

  /** Whether {@code value} meets the target (false without one). */
  public boolean meets(double value) {
    return target != null
        && Double.isFinite(value)
        && (maximize() ? value >= target : value <= target);
  }

  /** The wire form, the same as {@code set_goal}'s arguments. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("metric", metric);
    if (direction != null) {
      m.put("direction", direction);
    }
    if (target != null) {
      m.put("target", target);
    }
    if (deadline != null) {
      m.put("deadline", deadline);
    }
    if (patience != null) {
      m.put("patience", patience);
    }
    m.put("stop_early", stopEarly);
    return m;
  }

  /** A goal from its wire form (the arguments of {@code set_goal}), checked for shape. */
  public static Goal fromMap(Map<String, Object> a) throws InvalidCommandException {
    Object metric = a.get("metric");
    if (!(metric instanceof String s) || s.isBlank()) {
      throw new InvalidCommandException(
          "args.metric", "'metric' is required: the evaluation metric the goal is about");
    }
    String direction = null;
    if (a.get("direction") != null) {
      if (!(a.get("direction") instanceof String d)
          || !(d.equals(MINIMIZE) || d.equals(MAXIMIZE))) {
        throw new InvalidCommandException(
            "args.direction",
            "'direction' must be minimize or maximize, got " + a.get("direction"));
      }
      direction = (String) a.get("direction");
    }
    Double target = null;
    if (a.get("target") != null) {
      target = finite(a, "target");
    }
    Long deadline = null;
    if (a.get("deadline") != null) {
      deadline = (long) whole(a, "deadline", 1, Steps.MAX);
    }
    Integer patience = null;
    if (a.get("patience") != null) {
      patience = (int) whole(a, "patience", 1, 1000);
    }
    boolean stopEarly = false;
    if (a.get("stop_early") != null) {
      if (!(a.get("stop_early") instanceof Boolean b)) {
        throw new InvalidCommandException(
            "args.stop_early", "'stop_early' must be true or false, got " + a.get("stop_early"));
      }
      stopEarly = b;
    }
    if (stopEarly && target == null && patience == null) {
      throw new InvalidCommandException(
          "args.stop_early", "stop_early needs a target or a patience to know when to stop");
    }
    return new Goal(s.strip(), direction, target, deadline, patience, stopEarly);
  }

  private static double finite(Map<String, Object> a, String key) throws InvalidCommandException {
    if (!(a.get(key) instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      throw new InvalidCommandException(
          "args." + key, "'" + key + "' must be a finite number, got " + a.get(key));
    }
    return n.doubleValue();
  }

  private static double whole(Map<String, Object> a, String key, double min, double max)
      throws InvalidCommandException {
    double v = finite(a, key);
    if (v != Math.rint(v) || v < min || v > max) {
      throw new InvalidCommandException(
          "args." + key,
          "'"
              + key
              + "' must be a whole number from "
              + (long) min
              + " to "
              + (long) max
              + ", got "
              + a.get(key));
    }
    return v;
  }
}
