package dev.coxswain.trainer.bench;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.loss.Loss;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.data.BatchSource;
import dev.coxswain.trainer.data.SplitMix64;
import java.util.Locale;
import java.util.Map;

/**
 * A model whose step takes about a millisecond, so that a trainer's fixed cost per step shows: a
 * 2-layer MLP (784 → hidden → 10, ReLU) on batches shaped like Fashion-MNIST's (28×28 grey images,
 * 10 classes). The trainer module cannot see the dataset, so the images are synthetic: a fixed pool
 * of random images, each class brightening one of ten pixel bands (learnable), made once; step s
 * takes the pool's next batch, so every arm sees the same batches and the host does no more than
 * copy them.
 *
 * @param batch examples per step
 * @param hidden width of the hidden layer
 */
public record ImageMlp(int batch, int hidden) implements BenchModel {
  private static final int PIXELS = 28 * 28;
  private static final int CLASSES = 10;
  private static final int POOL = 4096;

  public ImageMlp {
    if (batch < 1 || batch > POOL || hidden < 1) {
      throw new IllegalArgumentException(
          "the MLP needs 1 <= batch <= " + POOL + " and hidden >= 1, got " + batch + ", " + hidden);
    }
  }

  /** Batches of 64, 128 hidden units: about 1 ms a step on two CPU cores. */
  public static ImageMlp standard() {
    return new ImageMlp(64, 128);
  }

  @Override
  public String describe() {
    return String.format(
        Locale.ROOT,
        "2-layer MLP 784-%d-10 on synthetic Fashion-MNIST-shaped batches of %d",
        hidden,
        batch);
  }

  @Override
  public Workload build(long seed) {
    SequentialBlock net =
        new SequentialBlock()
            .add(Linear.builder().setUnits(hidden).build())
            .add(Activation.reluBlock())
            .add(Linear.builder().setUnits(CLASSES).build());
    return Workload.builder()
        .optName("image-mlp")
        .optKind(Workload.Kind.CLASSIFIER)
        .setBlock(net)
        .setInputShape(new Shape(batch, PIXELS))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new Images(seed))
        .optDescription(Map.of("model", describe()))
        .build();
  }

  @Override
  public long unitsPerStep() {
    return batch;
  }

  /** The pool of synthetic images and the batches cut from it. */
  private final class Images implements BatchSource {
    private final float[] pixels = new float[POOL * PIXELS];
    private final float[] labels = new float[POOL];
    private final long seed;

    Images(long seed) {
      this.seed = seed;
      for (int i = 0; i < POOL; i++) {
        int label = (int) SplitMix64.below(seed, -1 - i, CLASSES);
        for (int p = 0; p < PIXELS; p++) {
          float v = SplitMix64.below(seed, (long) i * PIXELS + p, 256) / 510f;
          pixels[i * PIXELS + p] = p * CLASSES / PIXELS == label ? v + 0.5f : v;
        }
        labels[i] = label;
      }
    }

    @Override
    public Batch trainBatch(NDManager manager, long step) {
      int from = (int) (((step - 1) * batch) % (POOL - batch + 1));
      float[] x = new float[batch * PIXELS];
      float[] y = new float[batch];
      System.arraycopy(pixels, from * PIXELS, x, 0, x.length);
      System.arraycopy(labels, from, y, 0, y.length);
      return new Batch(
          new NDList(manager.create(x, new Shape(batch, PIXELS))),
          new NDList(manager.create(y, new Shape(batch))),
          batch);
    }

    @Override
    public int validationBatches() {
      return 0;
    }

    @Override
    public Batch validationBatch(NDManager manager, int index) {
      throw new IllegalStateException("the benchmark's MLP has no validation data");
    }

    @Override
    public Map<String, Object> describe() {
      return Map.of("kind", "synthetic_images", "pool", POOL, "batch", batch, "seed", seed);
    }
  }
}
