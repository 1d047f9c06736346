package dev.coxswain.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/** Measures ||Δw|| / ||w|| over the weights of one update, read to the host once. */
final class UpdateRatio {
  private final NDList norms;

  UpdateRatio(int slots) {
    this.norms = new NDList(2 * slots);
  }

  /** A copy of a weight before its update. */
  static NDArray before(NDArray w) {
    return w.duplicate();
  }

  /** Adds one weight: its copy from before the update (consumed) and itself after it. */
  void add(NDArray before, NDArray after) {
    norms.add(before.subi(after).norm());
    norms.add(after.norm());
  }

  /** The ratio over every weight added; one host read for all of them. */
  double read() {
    // ||dw_i||, ||w_i|| interleaved
    float[] n = NDArrays.stack(norms).toFloatArray();
    double delta = 0;
    double weight = 0;
    for (int i = 0; i < n.length; i += 2) {
      delta += (double) n[i] * n[i];
      weight += (double) n[i + 1] * n[i + 1];
    }
    return weight > 0 ? Math.sqrt(delta) / Math.sqrt(weight) : 0;
  }
}
