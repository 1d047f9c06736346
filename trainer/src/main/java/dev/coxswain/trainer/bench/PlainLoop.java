package dev.coxswain.trainer.bench;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.metric.StepProfile;
import dev.coxswain.trainer.metric.StepProfile.Phase;
import java.util.ArrayList;
import java.util.List;

/**
 * The references Coxswain is measured against: the loop a person writes with DJL's own {@code
 * Trainer} and its fused Adam, with nothing else ({@link #bare}), or also clipping the gradients by
 * their global norm as Coxswain does ({@link #clipping}: the same math, so that the difference to
 * Coxswain is what Coxswain adds, not what clipping costs).
 */
public final class PlainLoop implements ThroughputBenchmark.Arm {
  /** The name of the {@link #bare} arm. */
  public static final String BARE = "bare DJL Trainer";

  /** The name of the {@link #clipping} arm. */
  public static final String CLIPPING = "plain + clipping";

  private final String name;
  private final double maxGradNorm;

  private PlainLoop(String name, double maxGradNorm) {
    this.name = name;
    this.maxGradNorm = maxGradNorm;
  }

  /** DJL's Trainer and Adam, nothing else. */
  public static PlainLoop bare() {
    return new PlainLoop(BARE, 0);
  }

  /** DJL's Trainer and Adam, the gradients clipped to this global L2 norm first. */
  public static PlainLoop clipping(double maxGradNorm) {
    return new PlainLoop(CLIPPING, maxGradNorm);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public StepProfile train(Workload w, ThroughputBenchmark.Options o, CpuTime cpu) {
    StepProfile profile = new StepProfile();
    Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) o.lr())).build();
    try (Model model = Model.newInstance("plain")) {
      model.setBlock(w.block());
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(w.loss()).optOptimizer(adam))) {
        trainer.initialize(w.inputShapes());
        List<NDArray> weights = new ArrayList<>();
        for (Pair<String, Parameter> p : w.block().getParameters()) {
          if (p.getValue().requiresGradient()) {
            weights.add(p.getValue().getArray());
          }
        }
        long last = System.nanoTime();
        for (int s = 1; s <= o.warmup() + o.steps(); s++) {
          profile.begin();
          step(trainer, w, weights, s, profile);
          long now = System.nanoTime();
          profile.endStep(now - last);
          last = now;
        }
      }
    }
    return profile;
  }

  private void step(
      Trainer trainer, Workload w, List<NDArray> weights, int s, StepProfile profile) {
    // no NDScope here: DJL's Adam creates its state lazily inside the first step
    try (NDManager m = trainer.getManager().newSubManager()) {
      Batch b = w.data().trainBatch(m, s);
      profile.lap(Phase.DATA);
      try (GradientCollector gc = trainer.newGradientCollector()) {
        NDList pred = trainer.forward(b.data());
        NDArray loss = trainer.getLoss().evaluate(b.labels(), pred);
        profile.lap(Phase.FORWARD);
        gc.backward(loss);
        profile.lap(Phase.BACKWARD);
        loss.getFloat(); // the plain loop reads its loss too
      }
      if (maxGradNorm > 0) {
        clip(m, weights);
      }
      profile.lap(Phase.NORM);
      trainer.step();
      profile.lap(Phase.UPDATE);
    }
    profile.lap(Phase.ZERO);
  }

  // the obvious way: each gradient's norm, the norm of those, one read, scale in place if too big
  private void clip(NDManager m, List<NDArray> weights) {
    NDList grads = new NDList(weights.size());
    NDList norms = new NDList(weights.size());
    for (NDArray wt : weights) {
      NDArray g = wt.getGradient();
      g.attach(m);
      grads.add(g);
      norms.add(g.norm());
    }
    double norm = NDArrays.stack(norms).norm().getFloat();
    if (Double.isFinite(norm) && norm > maxGradNorm) {
      float scale = (float) (maxGradNorm / (norm + 1e-6));
      for (NDArray g : grads) {
        g.muli(scale);
      }
    }
  }
}
