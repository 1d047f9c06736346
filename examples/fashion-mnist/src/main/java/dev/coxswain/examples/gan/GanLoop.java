package dev.coxswain.examples.gan;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.control.ActionOutcome;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.loop.StatePart;
import dev.coxswain.trainer.loop.Steer;
import dev.coxswain.trainer.loop.StepFigures;
import dev.coxswain.trainer.optim.AdamW;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GAN on Fashion-MNIST in a loop of its own: a generator and a discriminator ({@link
 * GanNetworks}), each with its own AdamW, trained with the non-saturating loss. Each step trains
 * the discriminator {@code n_critic} times, then the generator once.
 *
 * <p>Knobs: {@code lr_g} and {@code lr_d} (log, learning rates), {@code n_critic} (1-10). Action:
 * {@code freeze_d {steps}} holds the discriminator for that many steps (the generator trains alone,
 * to let it catch up); asking again while it is frozen is an error, reported {@code failed}. The
 * checkpoints keep both networks' parameters, both optimizers' moments and the freeze. A step's
 * real images and noise are drawn from (seed, step) only, so a replay is exact.
 */
public final class GanLoop implements AutoCloseable {
  private static final double BETA1 = 0.5; // the usual GAN Adam: a short first-moment memory

  private final NDManager manager;
  private final Block generator = GanNetworks.generator();
  private final Block discriminator = GanNetworks.discriminator();
  private final AdamW optG;
  private final AdamW optD;
  private final float[] real;
  private final int count;
  private final int batch;
  private final SampleQuality quality;
  // set at the control point, read by the step: both on the training thread
  private double lrG;
  private double lrD;
  private int nCritic;
  private int frozenFor;
  private volatile StepFigures last = StepFigures.none();

  /**
   * @param train the real images the discriminator sees
   * @param validation the real images samples are compared with (see {@link SampleQuality})
   * @param batch images per discriminator or generator update
   * @param seed the networks' initialization and the evaluation's fixed noise
   */
  public GanLoop(FashionMnistData train, FashionMnistData validation, int batch, long seed) {
    if (batch < 1) {
      throw new IllegalArgumentException("the batch must hold at least 1 image, got " + batch);
    }
    this.manager = NDManager.newBaseManager();
    this.batch = batch;
    this.count = train.count();
    this.real = train.scaledPixels();
    for (int i = 0; i < real.length; i++) {
      real[i] = real[i] * 2 - 1; // the generator's tanh range
    }
    Engine.getInstance().setRandomSeed((int) seed);
    generator.initialize(manager, DataType.FLOAT32, GanNetworks.noiseShape());
    discriminator.initialize(manager, DataType.FLOAT32, GanNetworks.imageShape());
    trainable(generator);
    trainable(discriminator);
    this.optG = new AdamW(manager);
    this.optD = new AdamW(manager);
    this.quality = new SampleQuality(validation, train, seed, manager);
  }

  private static void trainable(Block b) {
    for (Pair<String, Parameter> p : b.getParameters()) {
      p.getValue().getArray().setRequiresGradient(true);
    }
  }

  /** The loop as Coxswain hosts it: knobs, the action, the checkpointed state, the evaluation. */
  public OwnLoop loop() {
    return OwnLoop.builder("gan")
        .knob(
            Knob.real("lr_d")
                .bounds(1e-6, 1e-2)
                .initial(2e-4)
                .log()
                .role(Knob.LEARNING_RATE)
                .describe("the discriminator's learning rate (AdamW)")
                .build(),
            v -> lrD = v)
        .knob(
            Knob.real("lr_g")
                .bounds(1e-6, 1e-2)
                .initial(2e-4)
                .log()
                .role(Knob.LEARNING_RATE)
                .describe("the generator's learning rate (AdamW)")
                .build(),
            v -> lrG = v)
        .knob(
            Knob.integer("n_critic")
                .bounds(1, 10)
                .initial(1)
                .describe("discriminator updates per generator update")
                .build(),
            v -> nCritic = (int) v)
        .action(
            new ActionSpec(
                "freeze_d",
                "hold the discriminator for N steps while the generator trains alone (when the"
                    + " discriminator wins too easily: loss_d near 0, loss_g climbing); an error"
                    + " while it is already frozen",
                true,
                List.of(ActionSpec.Field.integer("steps", 1, 1000, "steps to hold it"))),
            (args, next) -> freeze(((Number) args.get("steps")).intValue(), next))
        .state("generator", StatePart.parameters(generator, manager))
        .state("discriminator", StatePart.parameters(discriminator, manager))
        .state("opt_g", moments(optG))
        .state("opt_d", moments(optD))
        .state("freeze", freezeState())
        .evaluation(step -> quality.measure(manager, generator, discriminator))
        .describe("type", "gan")
        .describe("generator", "noise(32)-dense(128)-dense(256)-dense(784) tanh")
        .describe("discriminator", "dense(256)-dense(128)-dense(1)")
        .describe("train_images", count)
        .describe("batch", batch)
        .loop(this::train)
        .build();
  }

  private ActionOutcome freeze(int steps, long next) {
    if (frozenFor > 0) {
      throw new IllegalStateException(
          "the discriminator is already frozen for "
              + frozenFor
              + " more step(s); freeze it again once it trains");
    }
    frozenFor = steps;
    return ActionOutcome.applied(Map.of("frozen_from", next, "frozen_until", next + steps - 1));
  }

  private void train(Steer steer) throws InterruptedException {
    StepFigures f;
    do {
      f = step(steer.step(), steer.seed());
    } while (steer.boundary(f));
  }

  /**
   * Trains step {@code s}: {@code n_critic} discriminator updates (none while frozen), then one
   * generator update; every image and noise vector is drawn from (seed, s).
   */
  StepFigures step(long s, long seed) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + s);
    double lossD = Double.NaN;
    double lossG;
    try (NDScope scope = new NDScope();
        NDManager m = manager.newSubManager()) {
      scope.suppressNotUsedWarning();
      ParameterStore ps = new ParameterStore(m, false);
      boolean frozen = frozenFor > 0;
      for (int k = 0; k < (frozen ? 1 : nCritic); k++) {
        NDArray x = realBatch(m, r);
        // the fake images carry no graph: this update moves the discriminator only
        NDArray fake = forward(generator, ps, noise(m, r)).stopGradient();
        if (frozen) {
          lossD = discriminatorLoss(ps, x, fake).getFloat(); // measured, not trained
          break;
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray l = discriminatorLoss(ps, x, fake);
          gc.backward(l);
          lossD = l.getFloat();
        }
        optD.update(slots(discriminator), optimizerKnobs(lrD), 1, false);
        zeroGradients(discriminator);
      }
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logits = forward(discriminator, ps, forward(generator, ps, noise(m, r)));
        NDArray l = Activation.softPlus(logits.neg()).mean(); // -log sigmoid(D(G(z)))
        gc.backward(l);
        lossG = l.getFloat();
      }
      optG.update(slots(generator), optimizerKnobs(lrG), 1, false);
      zeroGradients(generator);
      zeroGradients(discriminator); // the generator's loss reached it too; nothing may leak
    }
    if (frozenFor > 0) {
      frozenFor--;
    }
    // no training loss: a GAN's two losses pull against each other and their sum rises as it
    // improves, so nothing should read it as a loss to lower; a non-finite step still says so
    last =
        (Double.isFinite(lossD + lossG) ? StepFigures.none() : StepFigures.loss(Double.NaN))
            .with("loss_d", lossD)
            .with("loss_g", lossG)
            .with("lr_d", lrD)
            .with("lr_g", lrG)
            .with("n_critic", nCritic)
            .with("d_frozen", frozenFor > 0 ? 1 : 0);
    return last;
  }

  /** The last step's figures (its losses, learning rates, critic ratio). */
  public StepFigures lastFigures() {
    return last;
  }

  // -log sigmoid(D(x)) - log(1 - sigmoid(D(fake))), each averaged
  private NDArray discriminatorLoss(ParameterStore ps, NDArray x, NDArray fake) {
    NDArray onReal = Activation.softPlus(forward(discriminator, ps, x).neg()).mean();
    NDArray onFake = Activation.softPlus(forward(discriminator, ps, fake)).mean();
    return onReal.add(onFake);
  }

  private static NDArray forward(Block b, ParameterStore ps, NDArray x) {
    return b.forward(ps, new NDList(x), true).singletonOrThrow();
  }

  private NDArray realBatch(NDManager m, SplittableRandom r) {
    int px = GanNetworks.PIXELS;
    float[] x = new float[batch * px];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(real, r.nextInt(count) * px, x, i * px, px);
    }
    return m.create(x, new Shape(batch, px));
  }

  private NDArray noise(NDManager m, SplittableRandom r) {
    float[] z = new float[batch * GanNetworks.NOISE];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) r.nextGaussian();
    }
    return m.create(z, new Shape(batch, GanNetworks.NOISE));
  }

  private static List<AdamW.Slot> slots(Block b) {
    List<AdamW.Slot> slots = new ArrayList<>();
    for (Pair<String, Parameter> p : b.getParameters()) {
      NDArray w = p.getValue().getArray();
      slots.add(new AdamW.Slot(p.getKey(), w, w.getGradient()));
    }
    return slots;
  }

  private static void zeroGradients(Block b) {
    for (Pair<String, Parameter> p : b.getParameters()) {
      JniUtils.zeroGrad((PtNDArray) p.getValue().getArray());
    }
  }

  private static Knobs.Snapshot optimizerKnobs(double lr) {
    return new Knobs.Snapshot(
        Map.of("lr", lr, "weight_decay", 0.0, "beta1", BETA1, "beta2", 0.999, "eps", 1e-8));
  }

  private static StatePart moments(AdamW opt) {
    return new StatePart() {
      @Override
      public void save(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        opt.save(d);
        d.flush();
      }

      @Override
      public void restore(InputStream in) throws IOException {
        opt.load(new DataInputStream(in));
      }
    };
  }

  private StatePart freezeState() {
    return new StatePart() {
      @Override
      public void save(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(frozenFor);
        d.flush();
      }

      @Override
      public void restore(InputStream in) throws IOException {
        frozenFor = new DataInputStream(in).readInt();
      }
    };
  }

  /** The reference for {@code nn_distance}: the same figure for real training images. */
  public double referenceDistance() {
    return quality.reference();
  }

  @Override
  public void close() {
    manager.close();
  }
}
