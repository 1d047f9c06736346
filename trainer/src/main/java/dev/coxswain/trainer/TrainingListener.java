package dev.coxswain.trainer;

import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import java.io.IOException;

/**
 * Told when training begins and ends, of every finished step and of every restore, on the training
 * thread, in order.
 */
interface TrainingListener {

  /** Before the first step the run trains (at step 0, or where it resumed). */
  default void onTrainingBegin() throws IOException {}

  /** After a step: the run's position already names it. */
  void afterStep(StepResult step) throws IOException;

  /** After the run was put back to a checkpoint's state: what was learned since says nothing. */
  default void onRestore(CheckpointMeta from) {}

  /** After the last step, once the loop has finished or stopped. */
  default void onTrainingEnd() throws IOException {}
}
