package dev.coxswain.agent;

import dev.coxswain.agent.goal.GoalWatch;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What followed each decision: the goal's metric (the validation loss without a goal) at the last
 * evaluation before the decision and at the last one within the next window, and the train loss
 * window mean before and after. A decision whose next window moved the metric the goal's way by
 * more than {@link #TOLERANCE} of its value helped, the other way hurt, less than that is neutral.
 * Without an evaluation in the window the train loss decides ({@code basis: train_loss}). It is
 * what followed, not a counterfactual: in a run that improves anyway most decisions are followed by
 * improvement. Fed from the agent's thread.
 */
final class DecisionOutcomes {
  /** Relative change below which a decision counts as neutral. */
  static final double TOLERANCE = 1e-3;

  private final GoalWatch goal;
  private String openId;
  private long openStep;
  private boolean acted;
  private String metric;
  private double before = Double.NaN;
  private double lossBefore = Double.NaN;
  private double lastValue = Double.NaN;
  private String lastMetric;
  private boolean evalInWindow;

  DecisionOutcomes(GoalWatch goal) {
    this.goal = goal;
  }

  void accept(Event e) {
    if (e.type() == EventType.EVAL) {
      Double v = value(e.payload(), goal.metric());
      if (v != null) {
        lastValue = v;
        lastMetric = goal.metric();
        evalInWindow = true;
      }
    }
  }

  private static Double value(Map<String, Object> p, String metric) {
    Object v =
        p.get(metric) instanceof Number
            ? p.get(metric)
            : p.get("metrics") instanceof Map<?, ?> m ? m.get(metric) : null;
    return v instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
  }

  /**
   * A window ended: it is what followed the open decision, which it closes.
   *
   * @return the outcome's record ({@code agent_outcome} event and journal line), if one closed
   */
  Optional<Map<String, Object>> windowEnded(long step, Summary window) {
    Optional<Map<String, Object>> out = Optional.empty();
    if (openId != null) {
      out = Optional.of(close(step, window));
      openId = null;
    }
    evalInWindow = false;
    return out;
  }

  private Map<String, Object> close(long step, Summary window) {
    double after = evalInWindow && goal.metric().equals(lastMetric) ? lastValue : Double.NaN;
    double lossAfter = meanLoss(window);
    boolean byMetric =
        Double.isFinite(before) && Double.isFinite(after) && goal.metric().equals(metric);
    boolean maximize = byMetric && goal.maximize();
    double from = byMetric ? before : lossBefore;
    double to = byMetric ? after : lossAfter;
    String verdict;
    if (!Double.isFinite(from) || !Double.isFinite(to)) {
      verdict = "unknown";
    } else {
      double gain = maximize ? to - from : from - to;
      verdict =
          Math.abs(gain) <= TOLERANCE * Math.abs(from) ? "neutral" : gain > 0 ? "helped" : "hurt";
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "outcome");
    m.put("decision_id", openId);
    m.put("decision_step", openStep);
    m.put("step", step);
    m.put("acted", acted);
    m.put("basis", byMetric ? metric : "train_loss");
    m.put("before", finiteOrNull(from));
    m.put("after", finiteOrNull(to));
    m.put("loss_before", finiteOrNull(lossBefore));
    m.put("loss_after", finiteOrNull(lossAfter));
    m.put("verdict", verdict);
    return m;
  }

  /** A decision was taken at the end of {@code window}; what follows it is measured from here. */
  void decided(String id, long step, Summary window, boolean sentCommand) {
    openId = id;
    openStep = step;
    acted = sentCommand;
    metric = goal.metric();
    before = metric.equals(lastMetric) ? lastValue : Double.NaN;
    lossBefore = meanLoss(window);
  }

  private static double meanLoss(Summary window) {
    Summary.Series loss = window.series().get("train_loss");
    return loss == null || loss.count() == 0 ? Double.NaN : loss.mean();
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
