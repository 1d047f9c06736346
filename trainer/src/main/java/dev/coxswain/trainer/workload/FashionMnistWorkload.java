package dev.coxswain.trainer.workload;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.DatasetSource;
import dev.coxswain.trainer.metric.EvalMetric;
import java.util.Map;

/** The user's side of the example: a plain DJL model, data and loss, plus the metric to report. */
public final class FashionMnistWorkload {
  private FashionMnistWorkload() {}

  /** A small convolutional network: two 3x3 convolutions with pooling, then two dense layers. */
  public static Block cnn() {
    return new SequentialBlock()
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(16)
                .build())
        .add(Activation::relu)
        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(32)
                .build())
        .add(Activation::relu)
        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(64).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(FashionMnistData.CLASSES).build());
  }

  /**
   * The workload: the network, softmax cross-entropy, the images as DJL datasets (seeded shuffles,
   * so a step's batch depends on the seed and the step only) and validation accuracy.
   *
   * @param manager holds the images' arrays; close it after the run
   */
  public static Workload create(
      NDManager manager, FashionMnistData train, FashionMnistData val, int batch, long seed) {
    return create(dataset(manager, train, batch), dataset(manager, val, batch), batch, seed);
  }

  /**
   * Images and labels as a DJL dataset. It is only read while training, so runs one after another
   * (or the members of a population) may share one.
   *
   * @param manager holds the arrays; close it when no run uses the dataset any more
   */
  public static ArrayDataset dataset(NDManager manager, FashionMnistData images, int batch) {
    int side = FashionMnistData.SIDE;
    return new ArrayDataset.Builder()
        .setData(manager.create(images.scaledPixels(), new Shape(images.count(), 1, side, side)))
        .optLabels(manager.create(images.floatLabels(), new Shape(images.count())))
        .setSampling(batch, false)
        .build();
  }

  /** The workload on datasets made by {@link #dataset}. */
  public static Workload create(ArrayDataset train, ArrayDataset val, int batch, long seed) {
    int side = FashionMnistData.SIDE;
    return Workload.builder()
        .setBlock(cnn())
        .setInputShape(new Shape(batch, 1, side, side))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new DatasetSource(train, val, batch, seed))
        .optMetric(EvalMetric.accuracy())
        .optName("fashion-mnist-cnn")
        .optKind(Workload.Kind.CLASSIFIER) // accuracy and samples/s, no perplexity
        .optDescription(
            Map.of(
                "type",
                "cnn",
                "layers",
                "conv3x3(16)-pool-conv3x3(32)-pool-dense(64)-dense(10)",
                "train_images",
                train.size(),
                "validation_images",
                val.size()))
        .build();
  }
}
