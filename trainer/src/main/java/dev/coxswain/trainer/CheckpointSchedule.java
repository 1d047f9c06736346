package dev.coxswain.trainer;

/**
 * When a periodic checkpoint is taken, for Coxswain's loop ({@link Checkpointer}) and a loop of the
 * user's own ({@link OwnLoopTrainer}) alike: every {@code checkpointEvery} steps, except at a step
 * whose update was skipped as non-finite. Such a step changed no weight, so its checkpoint holds
 * nothing a rollback could want that the checkpoint before it lacks; but retention would count it
 * and delete older ones, and a run that stays non-finite would soon have pruned the last checkpoint
 * from before the trouble: the one automatic recovery rolls back to.
 */
final class CheckpointSchedule {
  private CheckpointSchedule() {}

  /**
   * Whether a periodic checkpoint is due after {@code step}.
   *
   * @param skipped whether the step's update was skipped (its loss or gradient not finite)
   */
  static boolean due(TrainerConfig config, long step, boolean skipped) {
    return config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0 && !skipped;
  }
}
