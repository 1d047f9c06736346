package dev.coxswain.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The scores of one arm of one scenario over its seeds, computed from the runs' result files alone.
 *
 * @param arm the arm
 * @param atDeadline the goal's metric at the deadline
 * @param best the best value of the metric up to the deadline
 * @param steps steps computed per run (rollbacks' thrown-away steps included)
 * @param tuningSteps steps the baselines' sweep computed (tuned arms only, else 0)
 * @param correction steps from the trouble to the first corrective action, over the runs that took
 *     one (n = 0 when none did)
 * @param corrected how many runs took a corrective action
 * @param runs how many runs
 * @param stopped how many runs stopped before the deadline (scored on their last evaluation)
 * @param back steps from the trouble until the run is back within 2 % of the untroubled run of its
 *     seed ({@link RunScores#backWithin}), over the runs that got back (n = 0 when none did)
 * @param troubled how many runs a trouble reached that has an untroubled run to compare with (0:
 *     the score does not apply)
 * @param decisions the agent's decisions over all runs
 * @param helped of them, those judged to have helped
 * @param hurt of them, those judged to have hurt
 * @param maximize whether the metric is better higher (accuracy), else lower
 * @param inputTokens the LLM's prompt tokens over all runs (0 without an LLM)
 * @param outputTokens the LLM's answer tokens over all runs
 * @param costUsd what the LLM's decisions cost over all runs
 */
record BenchmarkScores(
    BenchArm arm,
    Stat atDeadline,
    Stat best,
    Stat steps,
    long tuningSteps,
    Stat correction,
    int corrected,
    int runs,
    int stopped,
    Stat back,
    int troubled,
    int decisions,
    int helped,
    int hurt,
    boolean maximize,
    long inputTokens,
    long outputTokens,
    double costUsd) {

  /** The scores without untroubled runs to compare with (the metric minimized). */
  static BenchmarkScores of(
      BenchArm arm, List<ScenarioResult> rs, long deadline, long tuningSteps) {
    return of(arm, rs, deadline, tuningSteps, Map.of(), false);
  }

  /**
   * The scores of an arm's runs.
   *
   * @param untroubled the untroubled reference run by seed (empty: the scenario has none)
   * @param maximize whether a higher metric is better
   */
  static BenchmarkScores of(
      BenchArm arm,
      List<ScenarioResult> rs,
      long deadline,
      long tuningSteps,
      Map<Long, ScenarioResult> untroubled,
      boolean maximize) {
    List<Double> at = new ArrayList<>();
    List<Double> best = new ArrayList<>();
    List<Double> steps = new ArrayList<>();
    List<Double> corr = new ArrayList<>();
    List<Double> back = new ArrayList<>();
    int troubled = 0;
    int[] decisions = new int[3];
    long[] tokens = new long[2];
    double cost = 0;
    for (ScenarioResult r : rs) {
      at.add(r.scoreAt(deadline));
      best.add(r.bestUntil(deadline, maximize));
      steps.add((double) r.stepsTrained());
      RunScores s = RunScores.of(r, untroubled.get(r.seed()), deadline, maximize);
      if (s.firstCorrection() != null) {
        corr.add((double) s.stepsToCorrection());
      }
      if (s.troubleStep() != null && untroubled.containsKey(r.seed())) {
        troubled++;
      }
      if (s.backWithin() != null) {
        back.add((double) s.stepsToBack());
      }
      decisions[0] += s.decisions();
      decisions[1] += s.helped();
      decisions[2] += s.hurt();
      // what the LLM cost is in the run's journal; result.json keeps it as the run was written
      RunScores kept = r.scores();
      if (kept != null && kept.inputTokens() != null) {
        tokens[0] += kept.inputTokens();
        tokens[1] += kept.outputTokens();
        cost += kept.costUsd();
      }
    }
    return new BenchmarkScores(
        arm,
        Stat.of(at),
        Stat.of(best),
        Stat.of(steps),
        arm.tuned() ? tuningSteps : 0,
        Stat.of(corr),
        corr.size(),
        rs.size(),
        (int) rs.stream().filter(r -> r.stoppedBefore(deadline)).count(),
        Stat.of(back),
        troubled,
        decisions[0],
        decisions[1],
        decisions[2],
        maximize,
        tokens[0],
        tokens[1],
        cost);
  }

  /**
   * Steps from the first trouble that reached the run to the first action of the arm's controller
   * that corrects it: a rollback, or an lr change in the correcting direction (down after too high
   * an lr or garbage batches, up after too low an lr, either way after new data). Empty when none
   * came, and always for a pre-planned schedule (cosine, linear): its stairs were fixed before the
   * run and react to nothing.
   *
   * <p>An action counts from step S+2 on (S the trouble's step): a controller's command lands at
   * the step after the one it was decided at (an evaluation's answer, the lockstep agent's
   * decision), so one that applied at S+1 or before was decided on training up to step S, before
   * the first step trained under the trouble (S+1): a plateau rule's or a population's regular move
   * at the trouble's own evaluation, not an answer to it.
   */
  static OptionalLong stepsToCorrection(ScenarioResult r) {
    BenchArm arm = BenchArm.of(r.arm());
    if (r.troubles().isEmpty() || (arm != null && arm.preplanned())) {
      return OptionalLong.empty();
    }
    Trouble t = r.troubles().get(0);
    for (ScenarioResult.Action a : r.actions()) {
      if (a.step() <= t.step() + 1) {
        continue;
      }
      boolean rollback = a.type().equals("load_checkpoint");
      boolean lrMove = Double.isFinite(a.lrAfter()) && Double.isFinite(a.lrBefore());
      double way = Math.signum(a.lrAfter() - a.lrBefore());
      if (rollback || (lrMove && way != 0 && (t.correction() == 0 || way == t.correction()))) {
        return OptionalLong.of(a.step() - t.step());
      }
    }
    return OptionalLong.empty();
  }

  /**
   * What the arm cost: steps per run (every member's, for population-based training) plus, for a
   * tuned arm, the whole sweep's steps.
   */
  double compute() {
    return steps.mean() + tuningSteps;
  }

  /**
   * The arm with the best mean at the deadline among those given: the highest when the metric is
   * maximized, else the lowest.
   */
  static BenchArm bestOf(Map<BenchArm, BenchmarkScores> scores, List<BenchArm> among) {
    BenchArm best = null;
    for (BenchArm a : among) {
      BenchmarkScores s = scores.get(a);
      if (s != null && (best == null || s.beats(scores.get(best)))) {
        best = a;
      }
    }
    return best;
  }

  /** Whether this arm's mean at the deadline is better than the other's. */
  private boolean beats(BenchmarkScores other) {
    double a = atDeadline.mean();
    double b = other.atDeadline.mean();
    return maximize ? a > b : a < b;
  }

  /**
   * This arm against another on the metric at the deadline: a tie within one standard deviation
   * (the larger of the two), else a win or a loss.
   */
  String against(BenchmarkScores other) {
    double d = atDeadline.mean() - other.atDeadline.mean();
    double sd = Math.max(atDeadline.sd(), other.atDeadline.sd());
    if (!Double.isFinite(d)) {
      return "n/a";
    }
    if (Math.abs(d) <= sd) {
      return "tie";
    }
    return (maximize ? d > 0 : d < 0) ? "win" : "loss";
  }
}
