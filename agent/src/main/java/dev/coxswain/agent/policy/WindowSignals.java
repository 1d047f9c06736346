package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;
import java.util.Locale;

/**
 * What the rule policy reads in a window of training loss: trouble (non-finite steps, spikes, a
 * rising loss, a level well above the best window), and whether and how much the loss fell.
 */
final class WindowSignals {
  /** A window mean this much above the best window so far counts as the run having got worse. */
  static final double WORSE = 0.05;

  private WindowSignals() {}

  /** At least 10 steps in the window and a mean loss below the previous window's. */
  static boolean improving(Summary s, Summary.Series loss) {
    return loss != null
        && loss.count() >= 10
        && Double.isFinite(s.previousWindowMeanLoss())
        && loss.mean() < s.previousWindowMeanLoss();
  }

  /** How much the window's mean loss is below the previous window's, as a share of it. */
  static double gain(Summary s, Summary.Series loss) {
    return loss == null || !Double.isFinite(s.previousWindowMeanLoss())
        ? Double.NaN
        : 1 - loss.mean() / s.previousWindowMeanLoss();
  }

  /** What is wrong with the window, or null. */
  static String trouble(Summary s, Summary.Series loss) {
    String acute = acute(s, loss);
    if (acute != null) {
      return acute;
    }
    if (loss != null
        && loss.count() >= 10
        && Double.isFinite(s.bestWindowMeanLoss())
        && loss.mean() > s.bestWindowMeanLoss() * (1 + WORSE)) {
      return String.format(
          Locale.ROOT,
          "loss %.4g is %.0f%% above the best window so far (%.4g)",
          loss.mean(),
          100 * (loss.mean() / s.bestWindowMeanLoss() - 1),
          s.bestWindowMeanLoss());
    }
    return null;
  }

  /** Non-finite steps, spikes or a rising loss in the window, or null. */
  static String acute(Summary s, Summary.Series loss) {
    if (s.skipped() > 0) {
      return s.skipped() + " non-finite steps in the window";
    }
    if (s.spikes() > 0) {
      return s.spikes() + " loss spikes in the window";
    }
    if (loss != null && loss.count() >= 10 && loss.trendPer100() > 0.05 * Math.abs(loss.mean())) {
      return String.format(Locale.ROOT, "loss rising (%+.3g per 100 steps)", loss.trendPer100());
    }
    return null;
  }
}
