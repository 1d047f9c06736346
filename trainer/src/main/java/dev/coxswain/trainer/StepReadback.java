package dev.coxswain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.coxswain.trainer.optim.StepGuard;
import java.util.ArrayList;
import java.util.List;

/**
 * The steps whose figures are still on the device, read back together: every {@code read_every}
 * steps, and at once whenever the run needs them (a command, a pause, an evaluation, a checkpoint,
 * the end). One host read for the whole batch; on a GPU that is the one place the host waits for
 * the device's queue to drain.
 */
final class StepReadback {
  /**
   * A step that ran, its figures not yet read.
   *
   * @param readout float64 on the device: loss, norm, clip scale, finite, update ratio; null when
   *     the host decided the step
   * @param figures the same, already on the host (the host decided the step); else null
   */
  record Pending(
      long step, double lr, long tokens, double millis, NDArray readout, double[] figures) {}

  private final int every;
  private final Learner learner;
  private final List<Pending> pending = new ArrayList<>();

  /**
   * @param every how many steps may wait (1: every step is read as soon as it ran)
   */
  StepReadback(int every, Learner learner) {
    this.every = every;
    this.learner = learner;
  }

  void add(Pending p) {
    pending.add(p);
  }

  /** How many steps ran whose figures are not read yet. */
  int waiting() {
    return pending.size();
  }

  /** Whether {@code read_every} steps are waiting. */
  boolean full() {
    return pending.size() >= every;
  }

  /**
   * Reads every waiting step's figures in one host read, in step order; a step that was skipped on
   * the device is taken back from the optimizer's count.
   */
  List<StepResult> read() {
    if (pending.isEmpty()) {
      return List.of();
    }
    double[] onDevice = readDevice();
    int at = 0;
    List<StepResult> out = new ArrayList<>(pending.size());
    for (Pending p : pending) {
      double[] v = p.figures();
      int o = 0;
      if (v == null) {
        v = onDevice;
        o = at;
        at += StepGuard.RATIO + 1;
      }
      boolean finite = v[o + StepGuard.FINITE] != 0;
      if (!finite && p.readout() != null) {
        learner.skipped(); // the device counted it as an update
      }
      out.add(
          new StepResult(
              p.step(),
              p.lr(),
              v[o + StepGuard.LOSS],
              v[o + StepGuard.NORM],
              finite ? v[o + StepGuard.CLIP] : 1,
              finite ? v[o + StepGuard.RATIO] : Double.NaN,
              p.tokens(),
              p.millis()));
    }
    pending.clear();
    return out;
  }

  // every device readout waiting, in one host read (empty when the host decided them all)
  private double[] readDevice() {
    NDList all = new NDList(pending.size());
    for (Pending p : pending) {
      if (p.readout() != null) {
        all.add(p.readout());
      }
    }
    if (all.isEmpty()) {
      return new double[0];
    }
    try (NDArray stacked = NDArrays.stack(all)) {
      return stacked.toDoubleArray(); // DJL's copy to the host is blocking: the batch's one wait
    } finally {
      all.forEach(NDArray::close);
    }
  }

  /** Closes what was never read (a run that failed or ended with steps waiting). */
  void discard() {
    for (Pending p : pending) {
      if (p.readout() != null) {
        p.readout().close();
      }
    }
    pending.clear();
  }
}
