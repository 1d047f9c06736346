package dev.coxswain.experiment;

import java.util.List;

/**
 * What the population-based training arm did in one run ({@link PopulationRunner}), kept in its
 * {@code result.json}.
 *
 * @param factors each member's start lr as a multiple of the tuned lr
 * @param startLrs each member's start lr
 * @param segment steps between boundaries (each an evaluation and a checkpoint)
 * @param winner the member best at the deadline: the arm's result
 * @param memberSteps steps each member computed
 * @param compute every member's steps together: the arm's cost
 * @param copies each copy, in step order
 */
public record Population(
    List<Double> factors,
    List<Double> startLrs,
    int segment,
    int winner,
    List<Long> memberSteps,
    long compute,
    List<Copy> copies) {

  /**
   * One copy at a boundary: the worst member takes the best one's checkpoint and a perturbed lr.
   *
   * @param step the boundary
   * @param from the best member there
   * @param to the worst member there
   * @param fromValue the best member's evaluation there
   * @param toValue the worst member's evaluation there
   * @param checkpoint the best member's checkpoint ({@code <branch>/<step>})
   * @param branch the branch the worst member continues on
   * @param lrFrom the best member's lr
   * @param factor the perturbation (0.8 or 1.25)
   * @param lrAfter the worst member's lr from there on
   * @param applied whether its trainer applied the load and the lr
   */
  public record Copy(
      long step,
      int from,
      int to,
      double fromValue,
      double toValue,
      String checkpoint,
      String branch,
      double lrFrom,
      double factor,
      double lrAfter,
      boolean applied) {

    Copy applied(boolean value) {
      return new Copy(
          step, from, to, fromValue, toValue, checkpoint, branch, lrFrom, factor, lrAfter, value);
    }
  }
}
