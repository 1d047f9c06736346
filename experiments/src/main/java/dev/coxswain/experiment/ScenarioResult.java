package dev.coxswain.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What one run of one arm of a scenario measured; written as {@code result.json} in the run's
 * directory last, so its presence marks the run complete. The scores are computed from these files
 * alone ({@link BenchmarkScores}).
 *
 * @param scenario the scenario's name
 * @param digest the scenario's fingerprint: a run is reused only by the scenario that made it
 * @param arm the arm ({@code none}, {@code constant}, ..., {@code tune})
 * @param seed the seed
 * @param lr the lr of the arm's own part (the person's for none and rule, the tuned one else)
 * @param status finished, stopped or failed
 * @param steps the last step of the run's final branch
 * @param stepsTrained steps computed in all, those a rollback threw away included
 * @param metric the goal's metric
 * @param evals (step, metric value) on the run's final line of branches
 * @param troubles the troubles that reached this run
 * @param actions every applied command of the arm's controller: step, type, lr before, lr after
 *     (NaN when not an lr change), in order
 * @param decisions agent decisions taken
 * @param outcomes the agent's decisions by what followed them (helped, hurt, neutral, unknown)
 * @param commit the git commit of the code that trained it
 * @param wallSeconds wall time of the run
 * @param population what the population-based training arm did (its copies, its members' steps);
 *     absent for every other arm
 * @param scores the run's scores besides its metric (first correction, back within 2 % of the
 *     untroubled run, decisions helped and hurt), as computed when it was written; absent in a
 *     sweep's runs and the untroubled reference's
 */
public record ScenarioResult(
    String scenario,
    String digest,
    String arm,
    long seed,
    double lr,
    String status,
    long steps,
    long stepsTrained,
    String metric,
    List<double[]> evals,
    List<Trouble> troubles,
    List<Action> actions,
    int decisions,
    Map<String, Integer> outcomes,
    String commit,
    double wallSeconds,
    @JsonInclude(JsonInclude.Include.NON_NULL) Population population,
    @JsonInclude(JsonInclude.Include.NON_NULL) RunScores scores) {

  /** A run as it was trained, before its scores are computed. */
  public ScenarioResult(
      String scenario,
      String digest,
      String arm,
      long seed,
      double lr,
      String status,
      long steps,
      long stepsTrained,
      String metric,
      List<double[]> evals,
      List<Trouble> troubles,
      List<Action> actions,
      int decisions,
      Map<String, Integer> outcomes,
      String commit,
      double wallSeconds,
      Population population) {
    this(
        scenario,
        digest,
        arm,
        seed,
        lr,
        status,
        steps,
        stepsTrained,
        metric,
        evals,
        troubles,
        actions,
        decisions,
        outcomes,
        commit,
        wallSeconds,
        population,
        null);
  }

  /** This run with its scores. */
  public ScenarioResult withScores(RunScores s) {
    return new ScenarioResult(
        scenario,
        digest,
        arm,
        seed,
        lr,
        status,
        steps,
        stepsTrained,
        metric,
        evals,
        troubles,
        actions,
        decisions,
        outcomes,
        commit,
        wallSeconds,
        population,
        s);
  }

  /** A run of any arm but the population's. */
  public ScenarioResult(
      String scenario,
      String digest,
      String arm,
      long seed,
      double lr,
      String status,
      long steps,
      long stepsTrained,
      String metric,
      List<double[]> evals,
      List<Trouble> troubles,
      List<Action> actions,
      int decisions,
      Map<String, Integer> outcomes,
      String commit,
      double wallSeconds) {
    this(
        scenario,
        digest,
        arm,
        seed,
        lr,
        status,
        steps,
        stepsTrained,
        metric,
        evals,
        troubles,
        actions,
        decisions,
        outcomes,
        commit,
        wallSeconds,
        null);
  }

  /**
   * One applied command of the arm's controller (agent, rule or schedule).
   *
   * @param step the step after which it applied
   * @param type the command's type
   * @param lrBefore the lr in force when it applied
   * @param lrAfter the lr it set (NaN when it set none: a rollback, an evaluation)
   */
  public record Action(long step, String type, double lrBefore, double lrAfter) {}

  /** The metric at {@code step}, or NaN when no evaluation of the final line fell there. */
  public double valueAt(long step) {
    for (double[] e : evals) {
      if ((long) e[0] == step) {
        return e[1];
      }
    }
    return Double.NaN;
  }

  /**
   * The score at the deadline: the evaluation there, or, for a run that stopped before it (paused
   * by the automatic recovery with nobody to resume it), its last evaluation: the model it left.
   */
  public double scoreAt(long deadline) {
    if (!"finished".equals(status) && steps < deadline && !evals.isEmpty()) {
      return evals.get(evals.size() - 1)[1];
    }
    return valueAt(deadline);
  }

  /** Whether the run ended before the deadline. */
  public boolean stoppedBefore(long deadline) {
    return steps < deadline;
  }

  /**
   * The best value of the metric up to {@code step}: the highest when it is maximized, else the
   * lowest.
   */
  public double bestUntil(long step, boolean maximize) {
    double best = Double.NaN;
    for (double[] e : evals) {
      if (e[0] <= step
          && Double.isFinite(e[1])
          && (Double.isNaN(best) || (maximize ? e[1] > best : e[1] < best))) {
        best = e[1];
      }
    }
    return best;
  }
}
