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
   * Applies one update to every slot, the host deciding the clip scale (tests; the run's step uses
   * {@link #update(List, Knobs.Snapshot, StepGuard, boolean)}).
   *
   * @param clipScale multiplier for the gradients (1 when no clipping is needed)
   * @param measureRatio whether to measure the update/parameter ratio (a few extra native calls per
   *     parameter)
   * @return the update/parameter ratio ||Δw|| / ||w|| over all weights, or NaN when not measured
   */
  default double update(
      List<Slot> slots, Knobs.Snapshot knobs, double clipScale, boolean measureRatio) {
    NDArray ratio = updateOnDevice(slots, knobs, clipScale, measureRatio);
    return ratio == null ? Double.NaN : ratio.getDouble(); // a host read, for the host's callers
  }

  /**
   * Applies one update to every slot, clipping and skipping as the device decided: a step the guard
   * finds not finite leaves every weight and every state array bit-identical (it is still counted
   * until {@link #takeBackSkipped} is told).
   *
   * @return the update ratio on the device (float64, 0-d), or null when not measured
   */
  default NDArray update(
      List<Slot> slots, Knobs.Snapshot knobs, StepGuard guard, boolean measureRatio) {
    return guard.update(this, slots, knobs, measureRatio);
  }

  /**
   * The update itself, nothing read to the host.
   *
   * @return the update ratio on the device (float64, 0-d), or null when not measured
   */
  NDArray updateOnDevice(
      List<Slot> slots, Knobs.Snapshot knobs, double clipScale, boolean measureRatio);

  /**
   * The state arrays an update under these knobs changes in place for this slot, made (as zeros) if
   * the update would make them: a guarded step copies them first.
   */
  List<NDArray> stateFor(Slot slot, Knobs.Snapshot knobs);

  /**
   * A step that the device skipped was counted as an update: take it back, once the host has read
   * that it was skipped.
   */
  void takeBackSkipped();

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
