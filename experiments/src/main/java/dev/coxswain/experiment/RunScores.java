package dev.coxswain.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.OptionalLong;

/**
 * One run's scores besides its metric, as {@code result.json} keeps them under {@code scores} and
 * the tables sum them over seeds ({@link BenchmarkScores}). Computed from the run's own result and,
 * for the recovery, the untroubled reference run of its seed.
 *
 * @param troubleStep the step of the first trouble that reached the run; null when none did
 * @param firstCorrection the step of the arm's first corrective action after it ({@link
 *     BenchmarkScores#stepsToCorrection}); null when none came
 * @param backWithin the first evaluation step after the trouble from which on the run stays within
 *     {@link #BAND} of the untroubled run up to the deadline ({@link #backWithin}); null when it
 *     never gets there, or when there is no untroubled run to compare with
 * @param decisions the agent's decisions (0 for an arm without an agent)
 * @param helped decisions whose outcome the agent judged helpful
 * @param hurt decisions whose outcome the agent judged harmful
 * @param inputTokens the LLM's prompt tokens over the run (the LLM arm only, else absent)
 * @param outputTokens the LLM's answer tokens over the run (the LLM arm only)
 * @param costUsd what the LLM's decisions cost, at the prices the arm declares (the LLM arm only)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunScores(
    Long troubleStep,
    Long firstCorrection,
    Long backWithin,
    int decisions,
    int helped,
    int hurt,
    Long inputTokens,
    Long outputTokens,
    Double costUsd) {

  /** The scores of a run without an LLM. */
  public RunScores(
      Long troubleStep,
      Long firstCorrection,
      Long backWithin,
      int decisions,
      int helped,
      int hurt) {
    this(troubleStep, firstCorrection, backWithin, decisions, helped, hurt, null, null, null);
  }

  /** These scores with what the LLM's decisions cost, from the run's journal. */
  RunScores withLlm(AgentJournalTally t) {
    return new RunScores(
        troubleStep,
        firstCorrection,
        backWithin,
        decisions,
        helped,
        hurt,
        t.inputTokens(),
        t.outputTokens(),
        t.costUsd());
  }

  /** How close to the untroubled run counts as back: 2 % of its value, the worse side only. */
  public static final double BAND = 0.02;

  /**
   * The scores of {@code r}.
   *
   * @param untroubled the untroubled reference run of its seed, or null when there is none
   * @param deadline the goal's deadline
   * @param maximize whether a higher metric is better
   */
  static RunScores of(
      ScenarioResult r, ScenarioResult untroubled, long deadline, boolean maximize) {
    Long trouble = r.troubles().isEmpty() ? null : r.troubles().get(0).step();
    OptionalLong c = BenchmarkScores.stepsToCorrection(r);
    OptionalLong back = backWithin(r, untroubled, deadline, maximize);
    return new RunScores(
        trouble,
        c.isPresent() ? trouble + c.getAsLong() : null,
        back.isPresent() ? back.getAsLong() : null,
        r.decisions(),
        r.outcomes() == null ? 0 : r.outcomes().getOrDefault("helped", 0),
        r.outcomes() == null ? 0 : r.outcomes().getOrDefault("hurt", 0));
  }

  /**
   * The first evaluation step after the run's first trouble from which on, at every evaluation up
   * to the deadline, the run is no worse than the untroubled run at the same step by more than
   * {@link #BAND} of the untroubled run's value (better counts as back). An evaluation the
   * untroubled run lacks is skipped. Empty when no trouble reached the run, when there is no
   * untroubled run, when the run stopped before the deadline (it never got back there), or when its
   * last evaluation is still outside the band.
   */
  static OptionalLong backWithin(
      ScenarioResult r, ScenarioResult untroubled, long deadline, boolean maximize) {
    if (untroubled == null || r.troubles().isEmpty() || r.stoppedBefore(deadline)) {
      return OptionalLong.empty();
    }
    long after = r.troubles().get(0).step();
    List<double[]> evals = r.evals();
    long back = -1;
    for (double[] e : evals) {
      long step = (long) e[0];
      if (step <= after || step > deadline) {
        continue;
      }
      double ref = untroubled.valueAt(step);
      if (Double.isNaN(ref)) {
        continue;
      }
      if (within(e[1], ref, maximize)) {
        back = back < 0 ? step : back;
      } else {
        back = -1;
      }
    }
    return back < 0 ? OptionalLong.empty() : OptionalLong.of(back);
  }

  /** Whether {@code v} is no worse than {@code ref} by more than {@link #BAND} of it. */
  static boolean within(double v, double ref, boolean maximize) {
    if (!Double.isFinite(v)) {
      return false;
    }
    double slack = BAND * Math.abs(ref);
    return maximize ? v >= ref - slack : v <= ref + slack;
  }

  /** Steps from the trouble to the first correction, or null. */
  Long stepsToCorrection() {
    return firstCorrection == null ? null : firstCorrection - troubleStep;
  }

  /** Steps from the trouble until the run is back within the band, or null. */
  Long stepsToBack() {
    return backWithin == null ? null : backWithin - troubleStep;
  }
}
