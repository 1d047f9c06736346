package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * It acts on every knob with the {@code learning_rate} role (a GAN's two learning rates alike), and
 * remembers, across decisions and per knob, the known-good value (a window without trouble whose
 * loss fell below the previous window's) and the lowest value that caused trouble. A decision that
 * concerns only some of them names them ({@code knobs}); trouble halves them all.
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

  /** What the rule remembers of one learning-rate knob across decisions. */
  private static final class Memory {
    double knownGood = Double.NaN;
    double firstKnownGood = Double.NaN;
    double troubleAt = Double.POSITIVE_INFINITY;
  }

  private final Map<String, Memory> memory = new LinkedHashMap<>();

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
  public synchronized double knownGoodLr() {
    return memory.values().stream()
        .mapToDouble(m -> m.knownGood)
        .filter(Double::isFinite)
        .findFirst()
        .orElse(Double.NaN);
  }

  /** The highest value of that learning-rate knob seen training well, or NaN before any. */
  public synchronized double knownGood(String knob) {
    Memory m = memory.get(knob);
    return m == null ? Double.NaN : m.knownGood;
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

  /** Acts on every knob with the learning_rate role, each by what it remembers of that knob. */
  @Override
  public synchronized Answer decide(Summary s) {
    Summary.Series loss = s.series().get("train_loss");
    List<Summary.KnobView> lrs = s.learningRates();
    String trouble = trouble(s, loss);
    if (lrs.isEmpty()) {
      return answer(
          "keep",
          (trouble == null ? "" : trouble + "; but ")
              + "the run has no knob with the learning_rate role to act on",
          lrs,
          lrs);
    }
    if (trouble != null) {
      for (Summary.KnobView k : lrs) {
        if (Double.isFinite(k.value()) && k.value() > 0) {
          Memory m = memory(k);
          m.troubleAt = Math.min(m.troubleAt, k.value());
        }
      }
      return answer("halve", trouble, lrs, lrs);
    }
    boolean enough = loss != null && loss.count() >= 10;
    boolean improving =
        enough
            && Double.isFinite(s.previousWindowMeanLoss())
            && loss.mean() < s.previousWindowMeanLoss();
    for (Summary.KnobView k : lrs) {
      double lr = k.value();
      Memory m = memory(k);
      if (improving && Double.isFinite(lr) && lr > 0 && lr < m.troubleAt) {
        m.knownGood = Double.isNaN(m.knownGood) ? lr : Math.max(m.knownGood, lr);
        m.firstKnownGood = Double.isNaN(m.firstKnownGood) ? lr : m.firstKnownGood;
      }
    }
    Summary.GoalView goal = s.goal();
    if (goal != null && goal.deadline() != null && goal.stepsLeft() != null) {
      Answer planned = plan(goal, lrs, improving);
      if (planned != null) {
        return planned;
      }
    }
    if (minProgress > 0 && enough && loss.trendPer100() > -minProgress * Math.abs(loss.mean())) {
      return plateau(loss, lrs);
    }
    Answer back = doubleBack(s, loss, lrs, improving);
    return back != null ? back : answer("keep", "loss is falling without trouble", lrs, lrs);
  }

  /** No progress: halves each learning rate above its floor (1/32 of its known-good value). */
  private Answer plateau(Summary.Series loss, List<Summary.KnobView> lrs) {
    String why =
        String.format(
            Locale.ROOT,
            "no progress: loss moves %+.3g per 100 steps around %.4g (needs -%.0f%% per 100 steps)",
            loss.trendPer100(),
            loss.mean(),
            100 * minProgress);
    List<Summary.KnobView> above = new ArrayList<>();
    List<String> atFloor = new ArrayList<>();
    for (Summary.KnobView k : lrs) {
      Memory m = memory(k);
      if (Double.isFinite(m.knownGood) && k.value() * 0.5 < m.knownGood * PLATEAU_FLOOR) {
        atFloor.add(
            String.format(
                Locale.ROOT,
                "%s %.3g is at the floor (1/32 of the known-good %.3g)",
                k.name(),
                k.value(),
                m.knownGood));
      } else {
        above.add(k);
      }
    }
    if (above.isEmpty()) {
      return answer("keep", why + "; but " + String.join(", ", atFloor), lrs, lrs);
    }
    return answer("halve", why, above, lrs);
  }

  /**
   * Calm and improving: doubles each learning rate that is at most half of the value it trained
   * well at and below any value that caused trouble; null when none is.
   */
  private Answer doubleBack(
      Summary s, Summary.Series loss, List<Summary.KnobView> lrs, boolean improving) {
    List<Summary.KnobView> back = new ArrayList<>();
    List<String> whys = new ArrayList<>();
    for (Summary.KnobView k : lrs) {
      Memory m = memory(k);
      double lr = k.value();
      if (improving
          && Double.isFinite(m.knownGood)
          && lr * 2 <= m.knownGood * (1 + 1e-9)
          && lr * 2 < m.troubleAt) {
        back.add(k);
        whys.add(
            String.format(
                Locale.ROOT,
                "%s %.3g, half or less of the %.3g it trained well at",
                k.name(),
                lr,
                m.knownGood));
      }
    }
    if (back.isEmpty()) {
      return null;
    }
    return answer(
        "double",
        String.format(
                Locale.ROOT,
                "calm and improving (mean %.4g after %.4g) at ",
                loss.mean(),
                s.previousWindowMeanLoss())
            + String.join("; ", whys)
            + ": the lower lr is not needed",
        back,
        lrs);
  }

  private Memory memory(Summary.KnobView k) {
    return memory.computeIfAbsent(k.name(), n -> new Memory());
  }

  /** Anneals in the last part before the deadline, probes upward before it; null: no plan. */
  private Answer plan(Summary.GoalView goal, List<Summary.KnobView> lrs, boolean improving) {
    long left = goal.stepsLeft();
    if (left <= 0) {
      // doubling back now would undo the annealing the deadline asked for
      return answer(
          "keep", "the goal's deadline (step " + goal.deadline() + ") has come", lrs, lrs);
    }
    if (left <= ANNEAL_FRACTION * goal.deadline()) {
      List<String> moves = new ArrayList<>();
      lrs.forEach(
          k ->
              moves.add(
                  String.format(
                      Locale.ROOT, "%s %.3g -> %.3g", k.name(), k.value(), k.value() / 2)));
      return answer(
          "halve",
          String.format(
                  Locale.ROOT,
                  "annealing for the goal: %d of %d steps left to the deadline, ",
                  left,
                  goal.deadline())
              + String.join(", ", moves),
          lrs,
          lrs);
    }
    List<Summary.KnobView> probe = new ArrayList<>();
    List<String> whys = new ArrayList<>();
    for (Summary.KnobView k : lrs) {
      Memory m = memory(k);
      double lr = k.value();
      if (improving
          && Double.isFinite(m.knownGood)
          && lr >= m.knownGood * (1 - 1e-9)
          && lr * 2 <= m.firstKnownGood * PROBE_LIMIT * (1 + 1e-9)
          && lr * 2 < m.troubleAt) {
        probe.add(k);
        whys.add(
            String.format(
                Locale.ROOT,
                "%s %.3g -> %.3g (at most %.0fx the first value it trained well at, %.3g)",
                k.name(),
                lr,
                lr * 2,
                PROBE_LIMIT,
                m.firstKnownGood));
      }
    }
    if (probe.isEmpty()) {
      return null;
    }
    return answer(
        "double",
        "calm and improving with " + left + " steps left: probing " + String.join("; ", whys),
        probe,
        lrs);
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

  /** An answer on {@code chosen}; it names them only when they are not every learning rate. */
  private static Answer answer(
      String action, String why, List<Summary.KnobView> chosen, List<Summary.KnobView> all) {
    Map<String, Object> args =
        action.equals("keep") || chosen.size() == all.size()
            ? Map.of()
            : Map.of("knobs", chosen.stream().map(Summary.KnobView::name).toList());
    Decision d = action.equals("keep") ? Decision.keep(why) : new Decision(action, args, why);
    return new Answer(d, Usage.NONE, "", "", 1, null);
  }
}
