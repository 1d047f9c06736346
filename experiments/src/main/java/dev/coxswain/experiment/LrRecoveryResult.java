package dev.coxswain.experiment;

import java.util.List;
import java.util.Map;

/**
 * What one run of one arm measured; written as {@code result.json} in the run's directory when the
 * run is complete, so its presence is what makes the run count as done.
 *
 * @param arm the arm's id
 * @param seed the seed
 * @param startLr the lr it started at
 * @param status finished (anything else is not a complete run)
 * @param steps the last step of the run's final branch
 * @param stepsTrained steps computed in all, including those a rollback threw away
 * @param finalValLoss validation loss at the end
 * @param bestValLoss lowest validation loss on the run's final line of branches
 * @param bestValStep where that was
 * @param finalTrainLoss mean train loss of the last 20 steps
 * @param finalLr the lr at the end
 * @param interventions commands from the agent, the rule or the schedule that were applied
 * @param rollbacks checkpoints the run was rolled back to
 * @param decisions agent decisions taken
 * @param inputTokens LLM input tokens, all decisions
 * @param outputTokens LLM output tokens (reasoning included), all decisions
 * @param costUsd metered LLM cost
 * @param wallSeconds wall time of the run
 * @param evals (step, validation loss) on the final line of branches
 * @param lrs (step, lr) on the final line of branches, where the lr changed, and the last step
 * @param commit the git commit of the code that trained it (null in results from before this field)
 * @param outcomes the agent's decisions by what followed them over the next window (helped, hurt,
 *     neutral, unknown); null in results from before this field
 * @param code what ran: the jar's name, or the module's class directories ({@link ResultOrigin})
 * @param codeSha256 the SHA-256 of that code; null when not found, and in results from before this
 *     field
 */
public record LrRecoveryResult(
    String arm,
    long seed,
    double startLr,
    String status,
    long steps,
    long stepsTrained,
    double finalValLoss,
    double bestValLoss,
    long bestValStep,
    double finalTrainLoss,
    double finalLr,
    int interventions,
    int rollbacks,
    int decisions,
    long inputTokens,
    long outputTokens,
    double costUsd,
    double wallSeconds,
    List<double[]> evals,
    List<double[]> lrs,
    String commit,
    Map<String, Integer> outcomes,
    String code,
    String codeSha256) {

  /** Decisions with this verdict (0 when not recorded). */
  public int outcome(String verdict) {
    return outcomes == null ? 0 : outcomes.getOrDefault(verdict, 0);
  }
}
