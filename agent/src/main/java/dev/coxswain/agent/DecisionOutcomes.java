package dev.coxswain.agent;

import dev.coxswain.agent.goal.GoalWatch;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.event.Payload;
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

  // the last evaluation within the window, not RunState's last of the branch: a window may have
  // none, and then the train loss decides
  void accept(Payload body) {
    if (body instanceof Payload.Eval ev) {
      Double v = ev.value(goal.metric());
      if (v != null && Double.isFinite(v)) {
        lastValue = v;
        lastMetric = goal.metric();
        evalInWindow = true;
      }
    }
  }

  /**
   * A window ended: it is what followed the open decision, which it closes.
   *
   * @return the outcome ({@code agent_outcome} event and journal line), if one closed
   */
  Optional<Payload.AgentOutcome> windowEnded(long step, Summary window) {
    Optional<Payload.AgentOutcome> out = Optional.empty();
    if (openId != null) {
      out = Optional.of(close(step, window));
      openId = null;
    }
    evalInWindow = false;
    return out;
  }

  private Payload.AgentOutcome close(long step, Summary window) {
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
    return new Payload.AgentOutcome(
        openId,
        openStep,
        step,
        acted,
        byMetric ? metric : "train_loss",
        finiteOrNull(from),
        finiteOrNull(to),
        finiteOrNull(lossBefore),
        finiteOrNull(lossAfter),
        verdict);
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
