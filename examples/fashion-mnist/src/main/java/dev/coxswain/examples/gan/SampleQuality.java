package dev.coxswain.examples.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.coxswain.trainer.loop.LoopEvaluation;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How good the generator's images are, measured offline with no classifier: each of 256 images
 * generated from a fixed noise is compared with the real validation images, and its distance to the
 * nearest one (root mean square over pixels in [0, 1]) is averaged. Lower is better; the same
 * figure for 256 real training images is the reference a perfect generator would approach. The
 * distance of each generated image to its nearest other generated image shows collapse (all images
 * alike: near 0).
 */
final class SampleQuality {
  static final int SAMPLES = 256;

  private final float[] noise;
  private final float[] validation;
  private final int validationCount;
  private final double reference;

  /**
   * @param validation the real images the samples are compared with
   * @param training where the reference's real images come from (its first 256)
   * @param seed the fixed noise's seed: every evaluation of a run sees the same noise
   */
  SampleQuality(FashionMnistData validation, FashionMnistData training, long seed, NDManager m) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5A3B1E_C0FFEEL);
    this.noise = new float[SAMPLES * GanNetworks.NOISE];
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (float) r.nextGaussian();
    }
    this.validation = validation.scaledPixels();
    this.validationCount = validation.count();
    int refCount = Math.min(SAMPLES, training.count());
    float[] ref = new float[refCount * GanNetworks.PIXELS];
    System.arraycopy(training.scaledPixels(), 0, ref, 0, ref.length);
    try (NDScope scope = new NDScope();
        NDManager sub = m.newSubManager()) {
      scope.suppressNotUsedWarning();
      NDArray real = sub.create(ref, new Shape(refCount, GanNetworks.PIXELS));
      this.reference = nearest(real, validationArray(sub), false).mean().getFloat();
    }
  }

  /** The reference figure: real training images' mean distance to the nearest validation image. */
  double reference() {
    return reference;
  }

  /**
   * Generates the fixed samples and measures them; also the discriminator's mean belief that
   * validation images and samples are real.
   */
  LoopEvaluation.Result measure(NDManager manager, Block generator, Block discriminator) {
    try (NDScope scope = new NDScope();
        NDManager m = manager.newSubManager()) {
      scope.suppressNotUsedWarning();
      ParameterStore ps = new ParameterStore(m, false);
      NDArray z = m.create(noise, new Shape(SAMPLES, GanNetworks.NOISE));
      NDArray fake = generator.forward(ps, new NDList(z), false).singletonOrThrow();
      NDArray samples = fake.add(1).div(2); // [-1, 1] -> [0, 1], the validation images' scale
      NDArray val = validationArray(m);
      double distance = nearest(samples, val, false).mean().getFloat();
      double spread = nearest(samples, samples, true).mean().getFloat();
      NDArray realLogits =
          discriminator.forward(ps, new NDList(val.mul(2).sub(1)), false).singletonOrThrow();
      NDArray fakeLogits = discriminator.forward(ps, new NDList(fake), false).singletonOrThrow();
      double dReal = Activation.sigmoid(realLogits).mean().getFloat();
      double dFake = Activation.sigmoid(fakeLogits).mean().getFloat();
      return new LoopEvaluation.Result(
          distance,
          Map.of(
              "nn_distance", distance,
              "real_nn_distance", reference,
              "sample_spread", spread,
              "d_real", dReal,
              "d_fake", dFake));
    }
  }

  private NDArray validationArray(NDManager m) {
    return m.create(validation, new Shape(validationCount, GanNetworks.PIXELS));
  }

  /**
   * For each row of {@code a}, the RMS pixel distance to its nearest row of {@code b} (itself
   * excluded when {@code a} is {@code b}).
   */
  private static NDArray nearest(NDArray a, NDArray b, boolean self) {
    NDArray aa = a.square().sum(new int[] {1}, true);
    NDArray bb = b.square().sum(new int[] {1}).reshape(1, -1);
    NDArray d2 = aa.add(bb).sub(a.matMul(b.transpose()).mul(2)).maximum(0);
    if (self) {
      d2 = d2.add(a.getManager().eye((int) a.getShape().get(0)).mul(1e9f));
    }
    return d2.min(new int[] {1}).div(GanNetworks.PIXELS).sqrt();
  }
}
