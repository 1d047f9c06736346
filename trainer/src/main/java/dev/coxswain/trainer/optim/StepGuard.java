package dev.coxswain.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.coxswain.trainer.control.Knobs;
import java.util.ArrayList;
import java.util.List;

/**
 * What a step decides on the device, with nothing read to the host: the global gradient norm,
 * whether the loss and that norm are finite, the clip scale, and whether the update is kept. A step
 * whose loss or norm is not finite still runs the optimizer's kernels (the host does not know yet),
 * but every array they changed in place is put back from a copy taken before, selected on the
 * device ({@code torch.where}): the weights and the optimizer's state come out bit-identical.
 *
 * <p>The {@link #readout} (loss, norm, clip scale, finite, update ratio; float64) stays on the
 * device until the run reads a batch of them at once. Must be called inside an {@code NDScope} on
 * the training thread.
 */
public final class StepGuard {
  /** Where each value sits in {@link #readout}. */
  public static final int LOSS = 0;

  public static final int NORM = 1;
  public static final int CLIP = 2;
  public static final int FINITE = 3;
  public static final int RATIO = 4;

  private static final NDIndex ALL = new NDIndex("...");

  private final NDArray loss;
  private final NDArray norm;
  private final NDArray finite; // 0-d boolean
  private final NDArray scale; // 0-d float64; null when max_grad_norm asks for no clipping

  private StepGuard(NDArray loss, NDArray norm, NDArray finite, NDArray scale) {
    this.loss = loss;
    this.norm = norm;
    this.finite = finite;
    this.scale = scale;
  }

  /**
   * Decides a step on the device: the gradients' global L2 norm (each gradient's norm in float32,
   * combined in float64, as the host did), whether loss and norm are finite, and the clip scale
   * {@code maxNorm / (norm + 1e-6)} when the norm exceeds {@code maxNorm > 0} (1 otherwise).
   */
  public static StepGuard decide(NDArray loss, List<Optimizer.Slot> slots, double maxNorm) {
    NDList parts = new NDList(slots.size());
    for (Optimizer.Slot s : slots) {
      parts.add(s.grad().norm());
    }
    NDArray norm = NDArrays.stack(parts).toType(DataType.FLOAT64, false).square().sum().sqrt();
    NDArray loss64 = loss.reshape().toType(DataType.FLOAT64, false);
    NDArray both = NDArrays.stack(new NDList(loss64, norm));
    NDArray finite = both.isNaN().logicalOr(both.isInfinite()).any().logicalNot();
    NDArray scale = null;
    if (maxNorm > 0) {
      NDArray clipped = norm.onesLike().mul(maxNorm).div(norm.add(1e-6));
      scale = NDArrays.where(norm.gt(maxNorm), clipped, norm.onesLike());
    }
    return new StepGuard(loss64, norm, finite, scale);
  }

  /**
   * The host's way: the loss and the global norm read to the host now, in one read (each gradient's
   * norm and the loss stacked, copied once; the norms combined in double precision).
   *
   * @return the figures in {@link #readout}'s order; clip scale and ratio left 0 for the caller
   */
  public static double[] readNow(NDArray loss, List<Optimizer.Slot> slots) {
    NDList parts = new NDList(slots.size() + 1);
    for (Optimizer.Slot s : slots) {
      parts.add(s.grad().norm());
    }
    parts.add(loss.reshape());
    float[] v = NDArrays.stack(parts).toFloatArray();
    double sum = 0;
    for (int i = 0; i < slots.size(); i++) {
      sum += (double) v[i] * v[i];
    }
    double[] out = new double[RATIO + 1];
    out[LOSS] = v[slots.size()];
    out[NORM] = Math.sqrt(sum);
    out[FINITE] = Double.isFinite(out[LOSS]) && Double.isFinite(out[NORM]) ? 1 : 0;
    return out;
  }

  /**
   * One guarded update: scales the gradients by the clip scale (in place: they are the step's and
   * zeroed after it), copies every array the optimizer changes in place, runs its update, and puts
   * the copies back where the step was not finite.
   *
   * @return the update ratio on the device, or null when not measured
   */
  NDArray update(Optimizer opt, List<Optimizer.Slot> slots, Knobs.Snapshot knobs, boolean measure) {
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      if (scale != null) {
        NDArray s32 = scale.toType(DataType.FLOAT32, false);
        for (Optimizer.Slot s : slots) {
          s.grad().muli(s32);
        }
      }
      List<NDArray> changed = new ArrayList<>();
      for (Optimizer.Slot s : slots) {
        changed.add(s.weight());
        changed.addAll(opt.stateFor(s, knobs));
      }
      List<NDArray> before = new ArrayList<>(changed.size());
      for (NDArray a : changed) {
        before.add(a.duplicate());
      }
      NDArray ratio = opt.updateOnDevice(slots, knobs, 1, measure);
      for (int i = 0; i < changed.size(); i++) {
        // torch.where on the device, no host read; then an in-place copy into the array
        NDArray a = changed.get(i);
        // torch.where broadcasts the 0-d condition (DJL's own where refuses to: one call fewer)
        a.set(ALL, JniUtils.where((PtNDArray) finite, (PtNDArray) a, (PtNDArray) before.get(i)));
      }
      return ratio;
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  /**
   * The step's figures on the device, float64: loss, norm, clip scale, 1 or 0 for finite, and the
   * update ratio (NaN when {@code ratio} is null).
   */
  public NDArray readout(NDArray ratio) {
    NDArray clip = scale == null ? norm.onesLike() : scale;
    NDArray r = ratio == null ? norm.mul(Double.NaN) : ratio.toType(DataType.FLOAT64, false);
    NDArray ok = finite.toType(DataType.FLOAT64, false);
    return NDArrays.stack(new NDList(loss, norm, clip, ok, r.reshape()));
  }
}
