package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;
import java.util.Locale;
import java.util.Map;

/**
 * No LLM: the baseline, the fallback, and the stand-in for the LLM in the lr-recovery case study.
 * Each window it answers double, halve or keep:
 *
 * <ul>
 *   <li>halve when the window shows trouble: non-finite steps, loss spikes, a rising loss, or a
 *       loss more than 5% above the best window so far;
 *   <li>halve when there is no progress (the loss falls by less than {@code minProgress} of its
 *       level per 100 steps), if asked to; like a plateau scheduler, this also halves a healthy run
 *       that has flattened out, but never below 1/32 of the known-good lr;
 *   <li>double back when the run is calm and improving at a lr that is at most half of the highest
 *       lr it has trained well at (the known-good lr), and below any lr that caused trouble: this
 *       undoes a halving (its own, or the automatic recovery's) that the run turned out not to
 *       need, and never goes above a lr the run has shown to work;
 *   <li>otherwise keep.
 * </ul>
 *
 * It remembers, across decisions, the known-good lr (a window without trouble whose loss fell below
 * the previous window's) and the lowest lr that caused trouble.
 *
 * <p>When the run has a goal with a deadline, the rule also plans for it: while more than {@link
 * #ANNEAL_FRACTION} of the steps to the deadline remain, a calm, improving run at its known-good lr
 * is probed upward (doubled, up to {@link #PROBE_LIMIT} times the first known-good lr and below any
 * lr that caused trouble; a probe that brings trouble is halved back like any trouble); in the last
 * part it anneals, halving at every decision, so the run ends at a low lr on its best weights.
 */
public final class RulePolicy implements Policy {
  /** A window mean this much above the best window so far counts as the run having got worse. */
  static final double WORSE = 0.05;

  /** Plateau halvings stop at this fraction of the known-good lr. */
  static final double PLATEAU_FLOOR = 1.0 / 32;

  /**
   * Relative improvement over the previous window below which the run counts as not progressing.
   */
  private final double minProgress;

  /** The share of the steps to the deadline over which the rule anneals. */
  static final double ANNEAL_FRACTION = 0.25;

  /** Upward probes stop at this multiple of the first known-good lr. */
  static final double PROBE_LIMIT = 4;

  private double knownGood = Double.NaN;
  private double firstKnownGood = Double.NaN;
  private double troubleAt = Double.POSITIVE_INFINITY;

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

  /** The highest lr seen training well, or NaN before any (for tests and the journal). */
  public double knownGoodLr() {
    return knownGood;
  }

  /**
   * Whether the window trained well by this rule's judgement: no trouble (non-finite steps, spikes,
   * a rising loss, a loss well above the best window) and a mean loss below the previous window's.
   * The same test that makes an lr known-good here; the agent's lr floor reuses it.
   */
  public static boolean trainedWell(Summary s) {
    Summary.Series loss = s.series().get("train_loss");
    return trouble(s, loss) == null
        && loss != null
        && loss.count() >= 10
        && Double.isFinite(s.previousWindowMeanLoss())
        && loss.mean() < s.previousWindowMeanLoss();
  }

  @Override
  public synchronized Answer decide(Summary s) {
    Summary.Series loss = s.series().get("train_loss");
    double lr = s.currentLr();
    String trouble = trouble(s, loss);
    if (trouble != null) {
      if (Double.isFinite(lr) && lr > 0) {
        troubleAt = Math.min(troubleAt, lr);
      }
      return answer("halve", trouble);
    }
    boolean enough = loss != null && loss.count() >= 10;
    boolean improving =
        enough
            && Double.isFinite(s.previousWindowMeanLoss())
            && loss.mean() < s.previousWindowMeanLoss();
    if (improving && Double.isFinite(lr) && lr > 0 && lr < troubleAt) {
      knownGood = Double.isNaN(knownGood) ? lr : Math.max(knownGood, lr);
      firstKnownGood = Double.isNaN(firstKnownGood) ? lr : firstKnownGood;
    }
    Summary.GoalView goal = s.goal();
    if (goal != null && goal.deadline() != null && goal.stepsLeft() != null) {
      Answer planned = plan(goal, lr, improving);
      if (planned != null) {
        return planned;
      }
    }
    if (minProgress > 0 && enough && loss.trendPer100() > -minProgress * Math.abs(loss.mean())) {
      String why =
          String.format(
              Locale.ROOT,
              "no progress: loss moves %+.3g per 100 steps around %.4g (needs -%.0f%% per 100 steps)",
              loss.trendPer100(),
              loss.mean(),
              100 * minProgress);
      if (Double.isFinite(knownGood) && lr * 0.5 < knownGood * PLATEAU_FLOOR) {
        return answer(
            "keep",
            why
                + String.format(
                    Locale.ROOT,
                    "; but lr %.3g is at the floor (1/32 of the known-good %.3g)",
                    lr,
                    knownGood));
      }
      return answer("halve", why);
    }
    if (improving
        && Double.isFinite(knownGood)
        && lr * 2 <= knownGood * (1 + 1e-9)
        && lr * 2 < troubleAt) {
      return answer(
          "double",
          String.format(
              Locale.ROOT,
              "calm and improving (mean %.4g after %.4g) at lr %.3g, half or less of the lr %.3g"
                  + " it trained well at: the lower lr is not needed",
              loss.mean(),
              s.previousWindowMeanLoss(),
              lr,
              knownGood));
    }
    return answer("keep", "loss is falling without trouble");
  }

  /** Anneals in the last part before the deadline, probes upward before it; null: no plan. */
  private Answer plan(Summary.GoalView goal, double lr, boolean improving) {
    long left = goal.stepsLeft();
    if (left <= 0) {
      // doubling back now would undo the annealing the deadline asked for
      return answer("keep", "the goal's deadline (step " + goal.deadline() + ") has come");
    }
    if (left <= ANNEAL_FRACTION * goal.deadline()) {
      return answer(
          "halve",
          String.format(
              Locale.ROOT,
              "annealing for the goal: %d of %d steps left to the deadline, lr %.3g -> %.3g",
              left,
              goal.deadline(),
              lr,
              lr / 2));
    }
    if (improving
        && Double.isFinite(knownGood)
        && lr >= knownGood * (1 - 1e-9)
        && lr * 2 <= firstKnownGood * PROBE_LIMIT * (1 + 1e-9)
        && lr * 2 < troubleAt) {
      return answer(
          "double",
          String.format(
              Locale.ROOT,
              "calm and improving at lr %.3g with %d steps left: probing %.3g (at most %.0fx the"
                  + " first lr it trained well at, %.3g)",
              lr,
              left,
              lr * 2,
              PROBE_LIMIT,
              firstKnownGood));
    }
    return null;
  }

  /** What is wrong with the window, or null. */
  private static String trouble(Summary s, Summary.Series loss) {
    if (s.skipped() > 0) {
      return s.skipped() + " non-finite steps in the window";
    }
    if (s.spikes() > 0) {
      return s.spikes() + " loss spikes in the window";
    }
    if (loss != null && loss.count() >= 10 && loss.trendPer100() > 0.05 * Math.abs(loss.mean())) {
      return String.format(Locale.ROOT, "loss rising (%+.3g per 100 steps)", loss.trendPer100());
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

  private static Answer answer(String action, String why) {
    Decision d = action.equals("keep") ? Decision.keep(why) : new Decision(action, Map.of(), why);
    return new Answer(d, Usage.NONE, "", "", 1, null);
  }
}
