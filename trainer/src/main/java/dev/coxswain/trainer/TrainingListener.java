package dev.coxswain.trainer;

import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import java.io.IOException;

/** Told of every finished step and of every restore, on the training thread, in order. */
interface TrainingListener {

  /** After a step: the run's position already names it. */
  void afterStep(StepResult step) throws IOException;

  /** After the run was put back to a checkpoint's state: what was learned since says nothing. */
  default void onRestore(CheckpointMeta from) {}
}
