package dev.coxswain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.coxswain.trainer.data.Batch;
import java.util.ArrayList;
import java.util.List;

/**
 * A step's batch split into micro-batches for gradient accumulation: every input and label array is
 * cut along its first axis at the same row boundaries, as evenly as it goes (the first {@code rows
 * % n} micro-batches get one row more). An array whose first axis is a multiple of the rows (labels
 * flattened to one per token, say) is cut at the same rows, scaled.
 */
final class MicroBatches {
  private MicroBatches() {}

  /**
   * One micro-batch and its share of the batch's rows: a mean loss weighted by its share, summed
   * over the micro-batches, is the whole batch's mean loss.
   */
  record Micro(Batch batch, double share) {}

  /**
   * @throws IllegalArgumentException when the batch has fewer rows than {@code n}, or an array's
   *     first axis is not a multiple of the rows
   */
  static List<Micro> split(Batch batch, int n) {
    if (n == 1) {
      return List.of(new Micro(batch, 1));
    }
    long rows = batch.data().get(0).getShape().get(0);
    if (n > rows) {
      throw new IllegalArgumentException(
          "accumulate " + n + " is above the batch size " + rows + ": a micro-batch needs a row");
    }
    long[] bounds = new long[n - 1]; // row boundaries between the micro-batches
    long at = 0;
    for (int i = 0; i < n - 1; i++) {
      at += rows / n + (i < rows % n ? 1 : 0);
      bounds[i] = at;
    }
    List<NDList> data = cut(batch.data(), rows, bounds, n);
    List<NDList> labels = cut(batch.labels(), rows, bounds, n);
    List<Micro> out = new ArrayList<>(n);
    long from = 0;
    for (int i = 0; i < n; i++) {
      long to = i < n - 1 ? bounds[i] : rows;
      long tokens = batch.tokens() * (to - from) / rows;
      out.add(
          new Micro(new Batch(data.get(i), labels.get(i), tokens), (double) (to - from) / rows));
      from = to;
    }
    return out;
  }

  // the i-th list holds the i-th piece of every array
  private static List<NDList> cut(NDList arrays, long rows, long[] bounds, int n) {
    List<NDList> pieces = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      pieces.add(new NDList(arrays.size()));
    }
    for (NDArray a : arrays) {
      long length = a.getShape().get(0);
      if (length % rows != 0) {
        throw new IllegalArgumentException(
            "cannot split a batch of "
                + rows
                + " rows for accumulation: an array's first axis has "
                + length
                + ", not a multiple of it");
      }
      long per = length / rows;
      long[] at = new long[bounds.length];
      for (int i = 0; i < bounds.length; i++) {
        at[i] = bounds[i] * per;
      }
      NDList parts = a.split(at, 0);
      for (int i = 0; i < n; i++) {
        pieces.get(i).add(parts.get(i));
      }
    }
    return pieces;
  }
}
