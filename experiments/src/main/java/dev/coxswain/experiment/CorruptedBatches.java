package dev.coxswain.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.data.BatchSource;
import dev.coxswain.trainer.metric.EvalMetric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A workload's batches with some steps' batches corrupted. A language model's become garbage text:
 * characters drawn uniformly from the vocabulary, inputs and targets alike. A classifier's keep
 * their images and get their labels shuffled across the batch: every label is still a real class,
 * mostly not the image's. The corruption of a step depends only on (seed, step), so every arm of a
 * seed sees the same, and a branch replayed from a checkpoint sees it again. Validation batches are
 * never touched.
 */
final class CorruptedBatches implements BatchSource {
  private final BatchSource clean;
  private final List<Trouble> troubles;
  private final long seed;
  private final int vocab; // 0: a classifier, whose labels are shuffled

  CorruptedBatches(BatchSource clean, List<Trouble> troubles, long seed, boolean classifier) {
    this.clean = clean;
    this.troubles = troubles;
    this.seed = seed;
    Object v = clean.describe().get("vocab");
    if (classifier) {
      this.vocab = 0;
    } else if (v instanceof Number n) {
      this.vocab = n.intValue();
    } else {
      throw new IllegalArgumentException(
          "corrupted batches need a classifier or a data source that names its vocab");
    }
  }

  /** The workload with its training batches corrupted where a trouble says; else unchanged. */
  static Workload wrap(Workload w, List<Trouble> troubles, long seed) {
    List<Trouble> garbage =
        troubles.stream().filter(t -> t.kind() == Trouble.Kind.CORRUPTED_BATCHES).toList();
    if (garbage.isEmpty()) {
      return w;
    }
    Workload.Builder b =
        Workload.builder()
            .optName(w.name())
            .optKind(w.kind())
            .setBlock(w.block())
            .setInputShape(w.inputShapes())
            .setLoss(w.loss())
            .setData(
                new CorruptedBatches(w.data(), garbage, seed, w.kind() == Workload.Kind.CLASSIFIER))
            .optDescription(w.description());
    for (EvalMetric m : w.metrics()) {
      b.optMetric(m);
    }
    if (!w.knobs().isEmpty() || !w.actions().isEmpty()) {
      throw new IllegalArgumentException("corrupted batches: a workload with knobs of its own");
    }
    return b.build();
  }

  boolean corrupted(long step) {
    return troubles.stream().anyMatch(t -> t.corrupts(step));
  }

  @Override
  public Batch trainBatch(NDManager manager, long step) {
    Batch b = clean.trainBatch(manager, step);
    if (!corrupted(step)) {
      return b;
    }
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
    if (vocab == 0) {
      return new Batch(b.data(), shuffled(manager, b.labels(), r), b.tokens());
    }
    return new Batch(garbage(manager, b.data(), r), garbage(manager, b.labels(), r), b.tokens());
  }

  /** The labels' rows in a random order (a seeded Fisher-Yates shuffle along the batch axis). */
  private static NDList shuffled(NDManager manager, NDList labels, SplittableRandom r) {
    NDList out = new NDList();
    for (NDArray a : labels) {
      int rows = (int) a.getShape().get(0);
      int width = (int) (a.size() / rows);
      double[] v = a.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
      double[] w = new double[v.length];
      int[] order = new int[rows];
      for (int i = 0; i < rows; i++) {
        order[i] = i;
      }
      for (int i = rows - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int i = 0; i < rows; i++) {
        System.arraycopy(v, order[i] * width, w, i * width, width);
      }
      out.add(manager.create(w, a.getShape()).toType(a.getDataType(), false));
    }
    return out;
  }

  private NDList garbage(NDManager manager, NDList like, SplittableRandom r) {
    NDList out = new NDList();
    for (NDArray a : like) {
      long[] v = new long[(int) a.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextInt(vocab);
      }
      out.add(manager.create(v, a.getShape()).toType(a.getDataType(), false));
    }
    return out;
  }

  @Override
  public int validationBatches() {
    return clean.validationBatches();
  }

  @Override
  public Batch validationBatch(NDManager manager, int index) {
    return clean.validationBatch(manager, index);
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>(clean.describe());
    d.put("corrupted", troubles.stream().map(Trouble::describe).toList());
    return d;
  }
}
