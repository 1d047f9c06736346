package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;
import java.util.Locale;
import java.util.Map;

/**
 * No LLM: halve the learning rate when the window shows trouble (non-finite steps, loss spikes, a
 * rising loss) or no progress (the loss falls by less than 2% of its level per 100 steps),
 * otherwise keep. The baseline and the fallback. Like a plateau scheduler, it also halves a healthy
 * run that has flattened out.
 */
public final class RulePolicy implements Policy {
  /** A window mean this much above the best window so far counts as the run having got worse. */
  static final double WORSE = 0.05;

  /**
   * Relative improvement over the previous window below which the run counts as not progressing.
   */
  private final double minProgress;

  public RulePolicy() {
    this(0);
  }

  public RulePolicy(double minProgress) {
    this.minProgress = minProgress;
  }

  @Override
  public String name() {
    return "rule";
  }

  @Override
  public Answer decide(Summary s) {
    Summary.Series loss = s.series().get("train_loss");
    String why;
    if (s.skipped() > 0) {
      why = s.skipped() + " non-finite steps in the window";
    } else if (s.spikes() > 0) {
      why = s.spikes() + " loss spikes in the window";
    } else if (loss != null
        && loss.count() >= 10
        && loss.trendPer100() > 0.05 * Math.abs(loss.mean())) {
      why = String.format(Locale.ROOT, "loss rising (%+.3g per 100 steps)", loss.trendPer100());
    } else if (loss != null
        && loss.count() >= 10
        && Double.isFinite(s.bestWindowMeanLoss())
        && loss.mean() > s.bestWindowMeanLoss() * (1 + WORSE)) {
      why =
          String.format(
              Locale.ROOT,
              "loss %.4g is %.0f%% above the best window so far (%.4g)",
              loss.mean(),
              100 * (loss.mean() / s.bestWindowMeanLoss() - 1),
              s.bestWindowMeanLoss());
    } else if (minProgress > 0
        && loss != null
        && loss.count() >= 10
        && loss.trendPer100() > -minProgress * Math.abs(loss.mean())) {
      why =
          String.format(
              Locale.ROOT,
              "no progress: loss moves %+.3g per 100 steps around %.4g (needs -%.0f%% per 100 steps)",
              loss.trendPer100(),
              loss.mean(),
              100 * minProgress);
    } else {
      return new Answer(
          Decision.keep("loss is falling without trouble"), Usage.NONE, "", "", 1, null);
    }
    return new Answer(new Decision("halve", Map.of(), why), Usage.NONE, "", "", 1, null);
  }
}
