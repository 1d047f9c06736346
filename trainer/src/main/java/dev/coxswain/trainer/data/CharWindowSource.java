package dev.coxswain.trainer.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Batches of random windows from a character corpus: inputs are {@code context} tokens, labels the
 * same window shifted by one. The window offsets of step s depend only on (seed, s).
 */
public final class CharWindowSource implements BatchSource {
  private final CharCorpus corpus;
  private final int batchSize;
  private final int context;
  private final long seed;
  private final int validationBatches;

  public CharWindowSource(
      CharCorpus corpus, int batchSize, int context, long seed, int validationBatches) {
    if (corpus.train().length <= context + 1) {
      throw new IllegalArgumentException(
          "training text (" + corpus.train().length + " chars) is shorter than context " + context);
    }
    if (validationBatches > 0 && corpus.validation().length <= context + 1) {
      throw new IllegalArgumentException(
          "validation text ("
              + corpus.validation().length
              + " chars) is shorter than context "
              + context);
    }
    this.corpus = corpus;
    this.batchSize = batchSize;
    this.context = context;
    this.seed = seed;
    this.validationBatches = validationBatches;
  }

  @Override
  public Batch trainBatch(NDManager manager, long step) {
    short[] text = corpus.train();
    long span = text.length - context - 1;
    long[] offsets = new long[batchSize];
    for (int b = 0; b < batchSize; b++) {
      offsets[b] = SplitMix64.below(seed, step * batchSize + b, span);
    }
    return windows(manager, text, offsets);
  }

  @Override
  public int validationBatches() {
    return validationBatches;
  }

  @Override
  public Batch validationBatch(NDManager manager, int index) {
    short[] text = corpus.validation();
    long span = text.length - context - 1;
    long total = (long) validationBatches * batchSize;
    long[] offsets = new long[batchSize];
    for (int b = 0; b < batchSize; b++) {
      // Evenly spaced over the whole validation text, so each evaluation measures the same thing.
      offsets[b] = ((long) index * batchSize + b) * span / Math.max(1, total);
    }
    return windows(manager, text, offsets);
  }

  private Batch windows(NDManager manager, short[] text, long[] offsets) {
    long[] x = new long[batchSize * context];
    long[] y = new long[batchSize * context];
    for (int b = 0; b < batchSize; b++) {
      int o = (int) offsets[b];
      for (int t = 0; t < context; t++) {
        x[b * context + t] = CharCorpus.token(text, o + t);
        y[b * context + t] = CharCorpus.token(text, o + t + 1);
      }
    }
    return new Batch(
        new NDList(manager.create(x, new Shape(batchSize, context))),
        new NDList(manager.create(y, new Shape((long) batchSize * context))),
        (long) batchSize * context);
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>(corpus.describe());
    d.put("kind", "char_windows");
    d.put("vocab", corpus.vocabSize());
    d.put("batch_size", batchSize);
    d.put("context", context);
    d.put("seed", seed);
    d.put("validation_batches", validationBatches);
    return d;
  }
}
