package dev.coxswain.examples.gan;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.coxswain.trainer.workload.FashionMnistData;

/**
 * The GAN's two networks: small multi-layer perceptrons, fast on a CPU. The generator maps noise to
 * a 28x28 image in [-1, 1]; the discriminator maps an image to one logit (real &gt; 0 &gt; fake).
 */
public final class GanNetworks {
  /** Length of the generator's noise vector. */
  public static final int NOISE = 32;

  /** Pixels of one image. */
  public static final int PIXELS = FashionMnistData.SIDE * FashionMnistData.SIDE;

  private static final float SLOPE = 0.2f; // leaky ReLU, as in most GANs: no dead units

  private GanNetworks() {}

  /** noise(32) - dense(128) - dense(256) - dense(784), tanh. */
  public static Block generator() {
    return new SequentialBlock()
        .add(Linear.builder().setUnits(128).build())
        .add(x -> Activation.leakyRelu(x, SLOPE))
        .add(Linear.builder().setUnits(256).build())
        .add(x -> Activation.leakyRelu(x, SLOPE))
        .add(Linear.builder().setUnits(PIXELS).build())
        .add(Activation::tanh);
  }

  /** image(784) - dense(256) - dense(128) - dense(1): a logit. */
  public static Block discriminator() {
    return new SequentialBlock()
        .add(Linear.builder().setUnits(256).build())
        .add(x -> Activation.leakyRelu(x, SLOPE))
        .add(Linear.builder().setUnits(128).build())
        .add(x -> Activation.leakyRelu(x, SLOPE))
        .add(Linear.builder().setUnits(1).build());
  }

  /** The generator's input shape for a batch of one (DJL initializes from it). */
  static Shape noiseShape() {
    return new Shape(1, NOISE);
  }

  /** The discriminator's input shape for a batch of one. */
  static Shape imageShape() {
    return new Shape(1, PIXELS);
  }
}
