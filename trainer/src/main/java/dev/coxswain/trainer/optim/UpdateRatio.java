package dev.coxswain.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/** Measures ||Δw|| / ||w|| over the weights of one update, on the device. */
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

  /**
   * The ratio over every weight added, on the device (float64, 0-d): sqrt(sum ||dw_i||^2) /
   * sqrt(sum ||w_i||^2), 0 when the weights are all zero.
   */
  NDArray onDevice() {
    // ||dw_i||, ||w_i|| interleaved
    NDArray n = NDArrays.stack(norms).toType(DataType.FLOAT64, false).reshape(-1, 2);
    NDArray sums = n.square().sum(new int[] {0}).sqrt();
    NDArray delta = sums.get(0);
    NDArray weight = sums.get(1);
    return NDArrays.where(weight.gt(0), delta.div(weight), weight.zerosLike());
  }
}
