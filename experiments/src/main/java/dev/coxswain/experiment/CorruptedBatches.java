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
 * A workload's batches with some steps' batches replaced by garbage text: characters drawn
 * uniformly from the vocabulary, inputs and targets alike. The garbage of a step depends only on
 * (seed, step), so every arm of a seed sees the same garbage, and a branch replayed from a
 * checkpoint sees it again. Validation batches are never touched.
 */
final class CorruptedBatches implements BatchSource {
  private final BatchSource clean;
  private final List<Trouble> troubles;
  private final long seed;
  private final int vocab;

  CorruptedBatches(BatchSource clean, List<Trouble> troubles, long seed) {
    this.clean = clean;
    this.troubles = troubles;
    this.seed = seed;
    Object v = clean.describe().get("vocab");
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(
          "corrupted batches need a data source that names its vocab");
    }
    this.vocab = n.intValue();
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
            .setData(new CorruptedBatches(w.data(), garbage, seed))
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
    return new Batch(garbage(manager, b.data(), r), garbage(manager, b.labels(), r), b.tokens());
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
