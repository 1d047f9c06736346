package dev.coxswain.trainer;

/**
 * Where the training thread waits at each step boundary, before the commands queued for it are
 * taken, until whoever follows the run has taken in what the steps so far told it. A command sent
 * before {@link #hold} returns takes effect at this boundary, so the step it applies at never
 * depends on how fast the follower is: a run steered by a follower on a thread of its own (an
 * agent) reproduces step for step. The default gate is {@link #OPEN}: training never waits.
 */
@FunctionalInterface
public interface StepGate {
  /** Never holds. */
  StepGate OPEN = step -> {};

  /**
   * Returns when training may go on past {@code step}; called on the training thread before each
   * boundary (the first one after the baseline evaluation).
   *
   * @param step the last step trained (0 before the first)
   * @throws InterruptedException when the wait is interrupted; the run fails
   */
  void hold(long step) throws InterruptedException;
}
