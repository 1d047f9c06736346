package dev.coxswain.trainer.djl;

import ai.djl.training.Trainer;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.tracker.Tracker;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.KnobType;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.loop.StatePart;

/**
 * Code that trains with DJL's own {@link Trainer} and {@code EasyTrain.fit}, put under the control
 * point: a learning-rate {@link Tracker} whose value is a live {@code lr} knob, a {@link
 * TrainingListener} whose batches are the run's steps, and the {@link OwnLoop} that hosts them.
 *
 * <pre>{@code
 * TrainerAdapter coxswain = TrainerAdapter.learningRate(1e-3);
 * Optimizer adam = Optimizer.adam().optLearningRateTracker(coxswain.tracker()).build();
 * TrainingConfig config = new DefaultTrainingConfig(loss).optOptimizer(adam)
 *     .addEvaluator(new Accuracy()).addTrainingListeners(coxswain.listener());
 * try (Trainer trainer = model.newTrainer(config)) {
 *   trainer.initialize(inputShape);
 *   OwnLoop loop = coxswain.loop("easytrain", trainer, validation,
 *       () -> EasyTrain.fit(trainer, epochs, training, validation));
 *   try (Coxswain run = Coxswain.builder(loop, runConfig).serve()) { run.awaitEnd(); }
 * }
 * }</pre>
 *
 * <p>What works: the learning rate (set, scaled, locked, by a person or the agent), pause, resume,
 * stop, evaluate (the trainer's loss and evaluators on the validation set), save_checkpoint,
 * load_checkpoint and resume of the model's parameters. What cannot: the optimizer's other
 * hyperparameters (DJL's stock optimizers take weight decay, betas and epsilon once, when built)
 * and its state (their moments are private), so a replay from a checkpoint is approximate; the
 * commands that need Coxswain's own loop (model tree, data sources, goal) are refused by the host.
 */
public final class TrainerAdapter {
  private final Knob knob;
  private final LiveLearningRate tracker;
  private final SteeringListener listener;

  private TrainerAdapter(Knob knob) {
    this.knob = knob;
    this.tracker = new LiveLearningRate(knob.value());
    this.listener = new SteeringListener(tracker);
  }

  /**
   * A live {@code lr} knob (log scale, role {@code learning_rate}) starting at {@code initial},
   * bounded from a thousandth to a hundred times it (at most 10).
   */
  public static TrainerAdapter learningRate(double initial) {
    if (!(initial > 0) || !Double.isFinite(initial) || initial > 10) {
      throw new IllegalArgumentException("the learning rate must be in (0, 10], got " + initial);
    }
    return learningRate(
        Knob.real("lr")
            .bounds(initial / 1000, Math.min(initial * 100, 10))
            .initial(initial)
            .log()
            .role(Knob.LEARNING_RATE)
            .describe("the optimizer's learning rate (a DJL Tracker read at every update)")
            .build());
  }

  /** A learning-rate knob of your own (name, bounds, description); it must be real. */
  public static TrainerAdapter learningRate(Knob knob) {
    if (knob.type() != KnobType.DOUBLE) {
      throw new IllegalArgumentException(
          "knob '" + knob.name() + "' is " + knob.type().wire() + ": a learning rate is real");
    }
    return new TrainerAdapter(knob);
  }

  /** For the optimizer: {@code Optimizer.adam().optLearningRateTracker(adapter.tracker())}. */
  public Tracker tracker() {
    return tracker;
  }

  /** For the training config: {@code config.addTrainingListeners(adapter.listener())}. */
  public TrainingListener listener() {
    return listener;
  }

  /** The learning-rate knob. */
  public Knob knob() {
    return knob;
  }

  /**
   * The loop to serve: {@code fit} trains (typically {@code EasyTrain.fit}), every training batch
   * is a step, the parameters of the trainer's model are its checkpointed state.
   *
   * @param validation evaluated with the trainer's loss and evaluators; null: no evaluation
   */
  public OwnLoop loop(String name, Trainer trainer, Dataset validation, Fit fit) {
    return builder(name, trainer, validation, fit).build();
  }

  /** As {@link #loop}, left open for knobs, actions and state of your own. */
  public OwnLoop.Builder builder(String name, Trainer trainer, Dataset validation, Fit fit) {
    OwnLoop.Builder b =
        OwnLoop.builder(name)
            .knob(knob, tracker::set)
            .state(
                "parameters",
                StatePart.parameters(
                    trainer.getModel().getBlock(), trainer.getModel().getNDManager()))
            .loop(steer -> listener.drive(steer, fit))
            .notReplayable() // DJL's stock optimizers do not expose their state
            .describe("trainer", "DJL Trainer (a training listener and a learning-rate tracker)");
    if (trainer.getModel().getName() != null) {
      b.describe("model", trainer.getModel().getName());
    }
    if (validation != null) {
      b.evaluation(new TrainerEvaluation(trainer, validation));
    }
    return b;
  }

  /** The training itself, for example {@code () -> EasyTrain.fit(trainer, 2, train, val)}. */
  @FunctionalInterface
  public interface Fit {
    void fit() throws Exception;
  }
}
