package dev.coxswain.trainer.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.translate.Batchifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adapts any DJL {@link RandomAccessDataset} (for example an {@code ArrayDataset}) into a {@link
 * BatchSource}: epochs are seeded shuffles, so the batch of a step depends only on (seed, step).
 */
public final class DatasetSource implements BatchSource {
  private final RandomAccessDataset train;
  private final RandomAccessDataset validation;
  private final int batchSize;
  private final long seed;
  private final long size;
  private long cachedEpoch = -1;
  private long[] cachedOrder;

  public DatasetSource(
      RandomAccessDataset train, RandomAccessDataset validation, int batchSize, long seed) {
    this.train = train;
    this.validation = validation;
    this.batchSize = batchSize;
    this.seed = seed;
    this.size = train.size();
    if (size < batchSize) {
      throw new IllegalArgumentException(
          "dataset has " + size + " records, fewer than one batch of " + batchSize);
    }
  }

  @Override
  public Batch trainBatch(NDManager manager, long step) {
    long perEpoch = size / batchSize;
    long epoch = (step - 1) / perEpoch;
    long within = (step - 1) % perEpoch;
    long[] order = order(epoch);
    NDList[] data = new NDList[batchSize];
    NDList[] labels = new NDList[batchSize];
    for (int i = 0; i < batchSize; i++) {
      Record r = get(train, manager, order[(int) (within * batchSize + i)]);
      data[i] = r.getData();
      labels[i] = r.getLabels();
    }
    return new Batch(Batchifier.STACK.batchify(data), Batchifier.STACK.batchify(labels), batchSize);
  }

  // A seeded Fisher-Yates shuffle per epoch; cached because consecutive steps share an epoch.
  private long[] order(long epoch) {
    if (epoch != cachedEpoch) {
      long[] o = new long[(int) size];
      for (int i = 0; i < o.length; i++) {
        o[i] = i;
      }
      for (int i = o.length - 1; i > 0; i--) {
        int j = (int) SplitMix64.below(seed ^ (epoch * 0x632BE59BD9B4E019L), i, i + 1);
        long tmp = o[i];
        o[i] = o[j];
        o[j] = tmp;
      }
      cachedOrder = o;
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }

  @Override
  public int validationBatches() {
    return validation == null ? 0 : (int) (validation.size() / batchSize);
  }

  @Override
  public Batch validationBatch(NDManager manager, int index) {
    NDList[] data = new NDList[batchSize];
    NDList[] labels = new NDList[batchSize];
    for (int i = 0; i < batchSize; i++) {
      Record r = get(validation, manager, (long) index * batchSize + i);
      data[i] = r.getData();
      labels[i] = r.getLabels();
    }
    return new Batch(Batchifier.STACK.batchify(data), Batchifier.STACK.batchify(labels), batchSize);
  }

  private static Record get(RandomAccessDataset d, NDManager manager, long i) {
    try {
      return d.get(manager, i);
    } catch (IOException e) {
      throw new UncheckedIOException("dataset record " + i + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("kind", "djl_dataset");
    d.put("train_records", size);
    d.put("validation_records", validation == null ? 0 : validation.size());
    d.put("batch_size", batchSize);
    d.put("seed", seed);
    return d;
  }
}
