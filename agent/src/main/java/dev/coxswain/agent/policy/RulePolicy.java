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
 *       loss more than 5% above the best window so far; except a loss above its best that is
 *       falling again at learning rates the run has trained well at (the aftermath of bad data or a
 *       rollback, which a lower lr would only slow);
 *   <li>halve back a probe (a raise of its own) after which the loss did not fall;
 *   <li>halve when there is no progress (the loss falls by less than {@code minProgress} of its
 *       level per 100 steps), if asked to; like a plateau scheduler, this also halves a healthy run
 *       that has flattened out, but never below 1/32 of the known-good lr;
 *   <li>double back when the run is calm and improving at a lr that is at most half of the highest
 *       lr it has trained well at (the known-good lr), and below its ceiling: this undoes a halving
 *       (its own, or the automatic recovery's) that the run turned out not to need, and never goes
 *       above a lr the run has shown to work;
 *   <li>otherwise keep.
 * </ul>
 *
 * <p>It acts on every knob with the {@code learning_rate} role (a GAN's two learning rates alike),
 * and remembers per knob ({@link LrMemory}) the known-good value (a window without trouble whose
 * loss fell below the previous window's) and a ceiling: the lowest value that caused trouble (a
 * first trouble at a known-good value is put down to the data and only halved), that a probe failed
 * at, or that the goal stalled at. A decision that concerns only some of them names them ({@code
 * knobs}); trouble halves them all.
 *
 * <p>When the run has a goal with a deadline, the rule also plans for it: while more than {@link
 * #ANNEAL_FRACTION} of the steps to the deadline remain, a run whose goal metric has not improved
 * for {@link #STALL_EVALS} evaluations is halved (the value it stalled at becomes the ceiling; no
 * second halving before {@link #STALL_EVALS} more evaluations without a new best), and a calm,
 * improving run at its known-good lr is probed upward (doubled, up to {@link #PROBE_LIMIT} times
 * the first known-good lr and below the ceiling; a probe after which the loss does not fall is
 * halved back); in the last part it anneals, halving at every decision, so the run ends at a low lr
 * on its best weights.
 */
public final class RulePolicy implements Policy {
  /** Plateau and stall halvings stop at this fraction of the known-good lr. */
  static final double PLATEAU_FLOOR = 1.0 / 32;

  /**
   * Relative improvement over the previous window below which the run counts as not progressing.
   */
  private final double minProgress;

  /** The share of the steps to the deadline over which the rule anneals. */
  static final double ANNEAL_FRACTION = 0.25;

  /** Upward probes stop at this multiple of the first known-good lr. */
  static final double PROBE_LIMIT = 64;

  /**
   * A probe is made, and kept, only when the window's mean loss is at least this much below the
   * previous window's: an lr near or above its best barely speeds the descent, and a few points of
   * loss gained at a too-high lr early are paid for later (the plateau scenario).
   */
  static final double PROBE_GAIN = 0.02;

  /** Evaluations without a new best of the goal's metric after which the rule halves. */
  static final int STALL_EVALS = 2;

  private final Map<String, LrMemory> memory = new LinkedHashMap<>();
  // the goal's best step and evaluations since it at the last stall halving (-1: none yet)
  private long stallBestStep = -1;
  private int stallEvals;

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
    LrMemory m = memory.get(knob);
    return m == null ? Double.NaN : m.knownGood;
  }

  /**
   * Whether the window trained well by this rule's judgement: no trouble (non-finite steps, spikes,
   * a rising loss, a loss well above the best window) and a mean loss below the previous window's.
   * The same test that makes an lr known-good here; the agent's lr floor reuses it.
   */
  public static boolean trainedWell(Summary s) {
    Summary.Series loss = s.series().get("train_loss");
    return WindowSignals.trouble(s, loss) == null && WindowSignals.improving(s, loss);
  }

  /** Acts on every knob with the learning_rate role, each by what it remembers of that knob. */
  @Override
  public synchronized Answer decide(Summary s) {
    Summary.Series loss = s.series().get("train_loss");
    List<Summary.KnobView> lrs = s.learningRates();
    String trouble = WindowSignals.trouble(s, loss);
    if (lrs.isEmpty()) {
      return RuleAnswers.answer(
          "keep",
          (trouble == null ? "" : trouble + "; but ")
              + "the run has no knob with the learning_rate role to act on",
          lrs,
          lrs);
    }
    boolean improving = WindowSignals.improving(s, loss);
    boolean recovering =
        trouble != null
            && WindowSignals.acute(s, loss) == null
            && improving
            && lrs.stream().allMatch(k -> memory(k).provenAt(k.value()));
    if (trouble != null && !recovering) {
      return halveOnTrouble(trouble, lrs);
    }
    Answer failed = judgeLastRaise(s, loss, lrs, improving);
    if (failed != null) {
      return failed;
    }
    if (improving && !recovering) {
      lrs.forEach(k -> memory(k).trainedWellAt(k.value()));
    }
    Summary.GoalView goal = s.goal();
    if (goal != null && goal.deadline() != null && goal.stepsLeft() != null) {
      boolean calm = trouble == null;
      Answer planned =
          plan(goal, lrs, calm, improving && calm && WindowSignals.gain(s, loss) >= PROBE_GAIN);
      if (planned != null) {
        return planned;
      }
    }
    boolean enough = loss != null && loss.count() >= 10;
    if (minProgress > 0 && enough && loss.trendPer100() > -minProgress * Math.abs(loss.mean())) {
      return plateau(loss, lrs);
    }
    Answer back = doubleBack(s, loss, lrs, improving && !recovering);
    if (back != null) {
      return back;
    }
    if (recovering) {
      return RuleAnswers.answer(
          "keep",
          trouble
              + "; but it is falling again at learning rates the run trained well at: recovering",
          lrs,
          lrs);
    }
    return RuleAnswers.answer(
        "keep",
        improving
            ? "loss is falling without trouble"
            : String.format(
                Locale.ROOT,
                "loss is not falling (mean %.4g after %.4g), but shows no trouble",
                loss == null ? Double.NaN : loss.mean(),
                s.previousWindowMeanLoss()),
        lrs,
        lrs);
  }

  /** Trouble halves every learning rate, and caps those the run had not trained well at. */
  private Answer halveOnTrouble(String trouble, List<Summary.KnobView> lrs) {
    List<String> forgiven = new ArrayList<>();
    for (Summary.KnobView k : lrs) {
      LrMemory m = memory(k);
      m.raisedTo = Double.NaN;
      if (Double.isFinite(k.value()) && k.value() > 0 && !m.troubleAt(k.value())) {
        forgiven.add(String.format(Locale.ROOT, "%s %.3g", k.name(), k.value()));
      }
    }
    String why =
        forgiven.isEmpty()
            ? trouble
            : trouble
                + "; the run had trained well at "
                + String.join(", ", forgiven)
                + ": put down to the data this once, so the lr may come back";
    return RuleAnswers.answer("halve", why, lrs, lrs);
  }

  /**
   * The probe of the last decision judged: halved back, and never tried again, when the loss did
   * not fall after it; null when there was none or it paid.
   */
  private Answer judgeLastRaise(
      Summary s, Summary.Series loss, List<Summary.KnobView> lrs, boolean improving) {
    List<Summary.KnobView> back = new ArrayList<>();
    for (Summary.KnobView k : lrs) {
      LrMemory m = memory(k);
      if (m.justRaisedTo(k.value())
          && loss != null
          && loss.count() >= 10
          && WindowSignals.gain(s, loss) < PROBE_GAIN) {
        m.capAt(k.value());
        back.add(k);
      }
      m.raisedTo = Double.NaN;
    }
    if (back.isEmpty()) {
      return null;
    }
    return RuleAnswers.answer(
        "halve",
        String.format(
                Locale.ROOT,
                "the probe did not pay: the loss fell by less than %.0f%% after it (mean %.4g after %.4g);"
                    + " back from ",
                100 * PROBE_GAIN,
                loss.mean(),
                s.previousWindowMeanLoss())
            + String.join(
                ", ",
                back.stream()
                    .map(k -> String.format(Locale.ROOT, "%s %.3g", k.name(), k.value()))
                    .toList())
            + ", and never that high again",
        back,
        lrs);
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
    return halveAboveFloor(why, lrs);
  }

  /** Halves each learning rate above its floor (1/32 of its known-good value); keeps at it. */
  private Answer halveAboveFloor(String why, List<Summary.KnobView> lrs) {
    List<Summary.KnobView> above = new ArrayList<>();
    List<String> atFloor = new ArrayList<>();
    for (Summary.KnobView k : lrs) {
      LrMemory m = memory(k);
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
      return RuleAnswers.answer("keep", why + "; but " + String.join(", ", atFloor), lrs, lrs);
    }
    return RuleAnswers.answer("halve", why, above, lrs);
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
      LrMemory m = memory(k);
      double lr = k.value();
      if (improving
          && Double.isFinite(m.knownGood)
          && lr * 2 <= m.knownGood * (1 + 1e-9)
          && lr * 2 < m.ceiling) {
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
    return RuleAnswers.answer(
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

  private LrMemory memory(Summary.KnobView k) {
    return memory.computeIfAbsent(k.name(), n -> new LrMemory());
  }

  /** Anneals in the last part before the deadline, probes upward before it; null: no plan. */
  private Answer plan(
      Summary.GoalView goal, List<Summary.KnobView> lrs, boolean calm, boolean gaining) {
    long left = goal.stepsLeft();
    if (left <= 0) {
      // doubling back now would undo the annealing the deadline asked for
      return RuleAnswers.answer(
          "keep", "the goal's deadline (step " + goal.deadline() + ") has come", lrs, lrs);
    }
    if (left <= ANNEAL_FRACTION * goal.deadline()) {
      List<String> moves = new ArrayList<>();
      lrs.forEach(
          k ->
              moves.add(
                  String.format(
                      Locale.ROOT, "%s %.3g -> %.3g", k.name(), k.value(), k.value() / 2)));
      return RuleAnswers.answer(
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
    // a stall while the loss is still above its best (recovering from bad data or a rollback) is
    // the trouble's aftermath, which a lower lr would only slow
    Answer stalled = calm ? stalled(goal, lrs) : null;
    if (stalled != null) {
      return stalled;
    }
    List<Summary.KnobView> probe = new ArrayList<>();
    List<String> whys = new ArrayList<>();
    for (Summary.KnobView k : lrs) {
      LrMemory m = memory(k);
      double lr = k.value();
      if (gaining
          && m.settled()
          && Double.isFinite(m.knownGood)
          && lr >= m.knownGood * (1 - 1e-9)
          && lr * 2 <= m.firstKnownGood * PROBE_LIMIT * (1 + 1e-9)
          && lr * 2 < m.ceiling) {
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
    probe.forEach(k -> memory(k).raisedTo = k.value() * 2);
    return RuleAnswers.answer(
        "double",
        "calm and improving with " + left + " steps left: probing " + String.join("; ", whys),
        probe,
        lrs);
  }

  /**
   * The goal's metric has not improved for {@link #STALL_EVALS} evaluations (and not since the last
   * stall halving plus as many): halves each learning rate above its floor and caps it at the value
   * it stalled at; null otherwise.
   */
  private Answer stalled(Summary.GoalView goal, List<Summary.KnobView> lrs) {
    int since = goal.evalsSinceBest();
    boolean again = goal.bestStep() == stallBestStep;
    if (since < STALL_EVALS || again && since < stallEvals + STALL_EVALS) {
      return null;
    }
    Answer a =
        halveAboveFloor(
            String.format(
                Locale.ROOT,
                "the goal's %s has not improved for %d evaluations (best %.4g at step %d)",
                goal.metric(),
                since,
                goal.best(),
                goal.bestStep()),
            lrs);
    if (!a.decision().action().equals("halve")) {
      return null;
    }
    stallBestStep = goal.bestStep();
    stallEvals = since;
    List<?> named = (List<?>) a.decision().args().get("knobs");
    for (Summary.KnobView k : lrs) {
      if (named == null || named.contains(k.name())) {
        memory(k).capAt(k.value());
      }
    }
    return a;
  }
}
