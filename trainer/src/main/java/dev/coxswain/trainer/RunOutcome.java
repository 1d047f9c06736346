package dev.coxswain.trainer;

/**
 * How a run ended.
 *
 * @param status finished, stopped or failed
 * @param step the last finished step
 * @param branch the branch it ended on
 * @param trainLoss mean training loss of the last (up to) 20 finite steps
 * @param initialValidationLoss loss on the validation data before the first step (NaN when the run
 *     did not start at step 0 or has no validation data)
 * @param validationLoss loss on the validation data at the end (NaN without validation data)
 * @param skippedSteps steps skipped because the loss or gradient was not finite
 * @param metrics the workload's own metrics at the last evaluation (e.g. accuracy), empty without
 *     any
 */
public record RunOutcome(
    String status,
    long step,
    String branch,
    double trainLoss,
    double initialValidationLoss,
    double validationLoss,
    long skippedSteps,
    java.util.Map<String, Double> metrics) {
  public RunOutcome {
    metrics = java.util.Map.copyOf(metrics);
  }
}
