package dev.coxswain.trainer.optim;

import ai.djl.ndarray.NDArray;
import dev.coxswain.trainer.control.Knobs;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * An optimizer of Coxswain's own loop: it reads its knobs at every step and keeps its state by
 * parameter NAME, so the state survives a checkpoint and a new model instance. {@link AdamW} and
 * {@link Sgd} are the two; {@link OptimizerChoice} says which a run trains with and which knobs it
 * registers. Called on the training thread inside an {@code NDScope}.
 */
public interface Optimizer {

  /**
   * A named weight, its gradient, and the multiplier of the learning rate for its parameter group
   * (1 outside any group).
   */
  record Slot(String name, NDArray weight, NDArray grad, double lrScale) {
    /** A weight in no parameter group. */
    public Slot(String name, NDArray weight, NDArray grad) {
      this(name, weight, grad, 1);
    }
  }

  /**
   * Applies one update to every slot.
   *
   * @param clipScale multiplier for the gradients (1 when no clipping is needed)
   * @param measureRatio whether to measure the update/parameter ratio (a few extra native calls per
   *     parameter)
   * @return the update/parameter ratio ||Δw|| / ||w|| over all weights, or NaN when not measured
   */
  double update(List<Slot> slots, Knobs.Snapshot knobs, double clipScale, boolean measureRatio);

  /**
   * Forgets the state of these parameters, as if they were new to the optimizer; every other
   * parameter keeps its state.
   *
   * @return how many of them had state
   */
  int forget(Iterable<String> names);

  /** Number of updates applied so far. */
  long updates();

  /** Writes the whole state, by parameter name, in name order. */
  void save(DataOutputStream out) throws IOException;

  /**
   * Replaces the whole state with what {@link #save} wrote; a file it cannot read (another
   * optimizer's, torn, of an unknown version) changes nothing.
   */
  void load(DataInputStream in) throws IOException;

  /** Forgets all state (a fresh optimizer). */
  void clear();
}
