package dev.coxswain.trainer.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.util.Pair;
import dev.coxswain.trainer.loop.Steer;
import dev.coxswain.trainer.loop.StepFigures;

/**
 * The DJL {@link TrainingListener} that puts a {@code Trainer} under the control point.
 *
 * <p>DJL calls {@code onTrainingBatch} after a batch's forward and backward passes but BEFORE
 * {@code trainer.step()} updates the parameters. So the boundary of batch S is called when DJL next
 * reports: at batch S+1's {@code onTrainingBatch}, or at the epoch's end ({@code onEpoch}). There
 * the parameters hold S's update: a checkpoint or an evaluation of step S sees it, and a learning
 * rate set there first applies to the update of S+1, as the control point promises.
 *
 * <p>When a checkpoint is loaded there, the gradient of batch S+1 (computed on the parameters the
 * load replaced) is zeroed, so that update moves the restored parameters only by what the optimizer
 * carries over (its momentum, which DJL's stock optimizers keep and do not checkpoint).
 *
 * <p>When the boundary says stop, the listener throws {@link Ended}, which ends {@code
 * EasyTrain.fit}; the batch in flight is dropped before its update. Outside a run (no steer) it
 * does nothing.
 */
final class SteeringListener implements TrainingListener {
  private final LiveLearningRate learningRate;
  private Steer steer;
  private double pendingLoss;
  private boolean pending;
  private long boundaries;

  SteeringListener(LiveLearningRate learningRate) {
    this.learningRate = learningRate;
  }

  /** Trains under {@code steer}: runs {@code fit} until it returns or the run ends. */
  void drive(Steer steer, TrainerAdapter.Fit fit) throws Exception {
    this.steer = steer;
    this.pending = false;
    this.boundaries = 0;
    try {
      fit.fit();
      if (pending) {
        boundary(null); // a loop that never reported an epoch's end
      }
      if (boundaries == 0) {
        throw new IllegalStateException(
            "the trainer never called Coxswain's listener: add it to the training config with"
                + " addTrainingListeners(adapter.listener())");
      }
    } catch (Exception e) {
      Ended end = ended(e);
      if (end == null) {
        throw e;
      }
      if (end.getCause() instanceof InterruptedException ie) {
        throw ie;
      }
    } finally {
      this.steer = null;
    }
  }

  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    if (steer == null) {
      return;
    }
    double loss = batchLoss(trainer, batchData);
    if (pending) {
      String branch = steer.branch();
      boundary(batchData.getBatch());
      if (!steer.branch().equals(branch)) {
        // a checkpoint was loaded (onto a new branch): this batch's gradient belongs to the
        // parameters the load replaced
        zeroGradients(trainer);
      }
    }
    pendingLoss = loss;
    pending = true;
  }

  @Override
  public void onEpoch(Trainer trainer) {
    if (steer != null && pending) {
      boundary(null);
    }
  }

  @Override
  public void onValidationBatch(Trainer trainer, BatchData batchData) {}

  @Override
  public void onTrainingBegin(Trainer trainer) {}

  @Override
  public void onTrainingEnd(Trainer trainer) {}

  private void boundary(Batch inFlight) {
    pending = false;
    if (boundaries == 0 && learningRate.reads() == 0) {
      throw new IllegalStateException(
          "the optimizer never read Coxswain's learning rate: build it with"
              + " optLearningRateTracker(adapter.tracker())");
    }
    boundaries++;
    boolean go;
    try {
      go = steer.boundary(StepFigures.loss(pendingLoss));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Ended(e);
    }
    if (!go) {
      if (inFlight != null) {
        inFlight.close(); // EasyTrain closes a batch only after its update
      }
      throw new Ended(null);
    }
  }

  private static void zeroGradients(Trainer trainer) {
    for (Pair<String, Parameter> p : trainer.getModel().getBlock().getParameters()) {
      NDArray a = p.getValue().getArray();
      if (p.getValue().requiresGradient() && a.hasGradient()) {
        try (NDArray g = a.getGradient()) {
          g.subi(g);
        }
      }
    }
  }

  // the mean of the trainer's loss over the batch's splits; DJL keeps only predictions and labels
  private static double batchLoss(Trainer trainer, BatchData data) {
    double sum = 0;
    int n = 0;
    for (Device d : data.getPredictions().keySet()) {
      NDArray l = trainer.getLoss().evaluate(data.getLabels().get(d), data.getPredictions().get(d));
      sum += l.getFloat();
      l.close();
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private static Ended ended(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof Ended end) {
        return end;
      }
    }
    return null;
  }

  /** Thrown through DJL's loop to end it at the control point's word. */
  static final class Ended extends RuntimeException {
    Ended(InterruptedException cause) {
      super("the run ended at the control point", cause, false, false);
    }
  }
}
