package dev.coxswain.trainer.data;

import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * Where a workload's batches come from. The training batch of a step is a pure function of the
 * source's seed and the step number, so a checkpoint needs only the step to restore the data
 * position, and a branch replayed from a checkpoint sees exactly the batches the original saw.
 */
public interface BatchSource {

  /** The training batch for {@code step} (1-based), created on {@code manager}. */
  Batch trainBatch(NDManager manager, long step);

  /** How many fixed validation batches one evaluation uses; 0 means no validation data. */
  int validationBatches();

  /** The {@code index}-th validation batch (always the same data for the same index). */
  Batch validationBatch(NDManager manager, int index);

  /** A JSON-shaped description for run.json and checkpoints (sizes, seed, sources). */
  Map<String, Object> describe();
}
