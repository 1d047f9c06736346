package dev.coxswain.agent.summary;

import java.util.Locale;
import java.util.Map;

/**
 * How a {@link Summary} reads in a prompt: the window's series with their statistics and samples,
 * the best evaluation, trouble, the knobs and actions ({@link Controls}), the data mixture and the
 * commands since the last decision; and, apart, the run's goal in one paragraph.
 */
public final class WindowText {
  private WindowText() {}

  /** The window in a compact text form. */
  public static String of(Summary w) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "status %s, branch %s, steps %d-%d%n",
            w.status(),
            w.branch(),
            w.fromStep(),
            w.toStep()));
    series(w.series(), sb);
    if (Double.isFinite(w.bestEval())) {
      sb.append(
          String.format(
              Locale.ROOT,
              "best eval_loss so far: %s at step %d%n",
              g(w.bestEval()),
              w.bestEvalStep()));
    }
    if (Double.isFinite(w.previousWindowMeanLoss())) {
      sb.append("previous window mean train_loss: ").append(g(w.previousWindowMeanLoss()));
      sb.append(", best window mean so far: ").append(g(w.bestWindowMeanLoss())).append('\n');
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "loss spikes: %d, skipped (non-finite) steps: %d%n",
            w.spikes(),
            w.skipped()));
    Controls.knobs(w.knobs(), sb);
    Controls.actions(w.actions(), sb);
    if (!w.mixture().isEmpty()) {
      sb.append("data sources and their sampling weights:");
      w.mixture().forEach((k, v) -> sb.append(' ').append(k).append('=').append(g(v)).append(';'));
      sb.append('\n');
    }
    commands(w, sb);
    return sb.toString();
  }

  private static void series(Map<String, Summary.Series> series, StringBuilder sb) {
    for (Map.Entry<String, Summary.Series> e : series.entrySet()) {
      Summary.Series s = e.getValue();
      if (s.count() == 0) {
        sb.append(e.getKey()).append(": no data\n");
        continue;
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "%s: last %s, mean %s, trend %s per 100 steps, volatility %s, n=%d; samples",
              e.getKey(),
              g(s.last()),
              g(s.mean()),
              g(s.trendPer100()),
              g(s.volatility()),
              s.count()));
      for (Summary.Point p : s.samples()) {
        sb.append(' ').append(p.step()).append(':').append(g(p.value()));
      }
      sb.append('\n');
    }
  }

  private static void commands(Summary w, StringBuilder sb) {
    if (w.commands().isEmpty()) {
      sb.append("commands since the last decision: none\n");
      return;
    }
    sb.append("commands since the last decision:\n");
    for (Summary.CommandView c : w.commands()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "- step %d, %s%s %s %s -> %s%s%n",
              c.step(),
              c.source(),
              "human".equals(c.source()) ? " (a person)" : "",
              c.type(),
              c.args(),
              c.status() == null ? "pending" : c.status(),
              c.reason() == null ? "" : " (" + c.reason() + ")"));
    }
  }

  /** The run's goal and its progress, in one paragraph. */
  public static String goal(Summary.GoalView v) {
    StringBuilder sb =
        new StringBuilder("The run's goal: ")
            .append(v.maximize() ? "maximize " : "minimize ")
            .append(v.metric());
    if (v.target() != null) {
      sb.append(v.maximize() ? " to at least " : " to at most ").append(g(v.target()));
    }
    if (v.deadline() != null) {
      sb.append(" by step ").append(v.deadline());
      if (v.stepsLeft() != null) {
        sb.append(" (").append(v.stepsLeft()).append(" steps left)");
      }
    }
    if (Double.isFinite(v.best())) {
      sb.append("; best so far ").append(g(v.best())).append(" at step ").append(v.bestStep());
      sb.append(", last ").append(g(v.value()));
      sb.append(", ").append(v.evalsSinceBest()).append(" evaluations since the best");
    } else {
      sb.append("; no evaluation yet");
    }
    if (v.targetMet()) {
      sb.append("; the target is met");
    }
    if (v.stalled()) {
      sb.append("; it has stopped improving");
    }
    return sb.append('.').toString();
  }

  /** A number as a prompt shows it: four significant digits; NaN and infinities by name. */
  static String g(double v) {
    if (!Double.isFinite(v)) {
      return String.valueOf(v);
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
