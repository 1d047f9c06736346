package dev.coxswain.trainer;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.command.GoalCommands;
import dev.coxswain.trainer.goal.GoalTracker;
import dev.coxswain.trainer.metric.EvalMetric;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** Evaluations and the goal: the baseline, periodic and asked-for passes, the best checkpoint. */
final class Evaluator implements TrainingListener {
  private final Workload workload;
  private final TrainerConfig config;
  private final Learner learner;
  private final GoalTracker goals;
  private final Checkpointer checkpoints;
  private final RunPosition position;
  private final TrainerEvents events;
  private final BooleanSupplier paused;
  private long lastEvalStep = -1;
  private double lastEvalLoss = Double.NaN;
  private Map<String, Double> lastEvalMetrics = Map.of();
  private double initialEvalLoss = Double.NaN;
  private double finalEvalLoss = Double.NaN;

  /**
   * @param goals made by {@link #goalTracker}
   * @param paused whether the run is paused now (an asked-for evaluation says so)
   */
  Evaluator(
      Workload workload,
      TrainerConfig config,
      Learner learner,
      GoalTracker goals,
      Checkpointer checkpoints,
      RunPosition position,
      TrainerEvents events,
      BooleanSupplier paused) {
    this.workload = workload;
    this.config = config;
    this.learner = learner;
    this.goals = goals;
    this.checkpoints = checkpoints;
    this.position = position;
    this.events = events;
    this.paused = paused;
  }

  /**
   * The run's goal, checked against what the workload's evaluations report.
   *
   * @throws IllegalArgumentException when the configured goal is not one this run can pursue
   */
  static GoalTracker goalTracker(Workload workload, TrainerConfig config) {
    Map<String, Boolean> reported = new LinkedHashMap<>();
    reported.put("eval_loss", false);
    reported.put("perplexity", false);
    for (EvalMetric m : workload.metrics()) {
      reported.put(m.name(), m.higherIsBetter());
    }
    boolean evaluates = workload.data().validationBatches() > 0 && config.evalEvery() > 0;
    GoalTracker t = new GoalTracker(reported, config.maxSteps(), evaluates);
    if (config.goal() != null) {
      t.problem(config.goal(), 0)
          .ifPresent(
              p -> {
                throw new IllegalArgumentException("goal: " + p);
              });
      t.set(t.normalize(config.goal()));
    }
    return t;
  }

  /** Registers {@code evaluate} and {@code set_goal}. */
  void registerWith(CommandHandlers handlers) {
    handlers.register(Action.Evaluate.class, (c, a, next) -> evaluateNow(c, next));
    new GoalCommands(goals).registerWith(handlers);
  }

  private boolean validates() {
    return workload.data().validationBatches() > 0;
  }

  /** Before the first step: the baseline every later evaluation is read against. */
  @Override
  public void onTrainingBegin() throws IOException {
    if (position.step() == 0 && validates()) {
      initialEvalLoss = evaluate();
    }
  }

  @Override
  public void afterStep(StepResult r) throws IOException {
    if (config.evalEvery() > 0 && r.step() % config.evalEvery() == 0 && validates()) {
      evaluate();
    }
  }

  @Override
  public void onRestore(CheckpointMeta from) {
    lastEvalStep = -1;
  }

  /** At the end: the validation loss now (the last evaluation's if it was at this step). */
  @Override
  public void onTrainingEnd() throws IOException {
    if (validates()) {
      finalEvalLoss = lastEvalStep == position.step() ? lastEvalLoss : evaluate();
    }
  }

  /** Loss on the fixed validation batches; emits an {@code eval} event with the goal's progress. */
  private double evaluate() throws IOException {
    Evaluation r = learner.evaluate();
    long step = position.step();
    lastEvalStep = step;
    lastEvalLoss = r.loss();
    if (!r.metrics().isEmpty()) {
      lastEvalMetrics = r.metrics();
    }
    Optional<GoalTracker.Progress> progress = goals.observe(step, r.reported());
    events.emit(r.payload().withGoal(progress.map(GoalTracker.Progress::toPayload).orElse(null)));
    if (progress.isPresent() && progress.get().improved() && step > 0) {
      checkpoints.save(GoalTracker.BEST_TAG, false); // the weights that scored it, at this boundary
    }
    return r.loss();
  }

  private CommandResult evaluateNow(Command c, long nextStep) throws IOException {
    if (!validates()) {
      return CommandResult.rejected(c, nextStep, "this workload has no validation data");
    }
    // a person waits for this one: say that it runs (a paused run evaluates too) before it does
    boolean paused = this.paused.getAsBoolean();
    events.emit(new Payload.Evaluating(c.id(), paused));
    double loss = evaluate();
    return CommandResult.applied(
        c, nextStep, Map.of("eval_loss", loss, "perplexity", Math.exp(loss), "paused", paused));
  }

  /** The validation loss before the first step; NaN when the run did not start there. */
  double initialLoss() {
    return initialEvalLoss;
  }

  /** The validation loss at the end; NaN before the end or without validation data. */
  double finalLoss() {
    return finalEvalLoss;
  }

  /** The workload's own metrics at the last evaluation that reported any. */
  Map<String, Double> lastMetrics() {
    return lastEvalMetrics;
  }
}
