package dev.coxswain.trainer;

/**
 * What one training step measured.
 *
 * @param step the step that ran
 * @param lr the learning rate it ran under
 * @param loss its loss (not finite when the step was skipped)
 * @param gradNorm the global norm of its gradients, before clipping
 * @param clipScale what the gradients were scaled by (1 without clipping)
 * @param updateRatio update size over weight size, NaN when not measured this step
 * @param tokens tokens in its batch
 * @param millis how long it took, batch to zeroed gradients
 */
record StepResult(
    long step,
    double lr,
    double loss,
    double gradNorm,
    double clipScale,
    double updateRatio,
    long tokens,
    double millis) {

  /** A step whose loss or gradient norm was not finite changed no weight. */
  boolean finite() {
    return Double.isFinite(loss) && Double.isFinite(gradNorm);
  }
}
