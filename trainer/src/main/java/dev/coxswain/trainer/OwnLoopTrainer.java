package dev.coxswain.trainer;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.command.KnobCommands;
import dev.coxswain.trainer.control.Actions;
import dev.coxswain.trainer.control.ControlPoint;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.control.OwnKnob;
import dev.coxswain.trainer.events.EventSink;
import dev.coxswain.trainer.loop.LoopEvaluation;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.loop.Steer;
import dev.coxswain.trainer.loop.StepFigures;
import dev.coxswain.trainer.optim.OptimizerChoice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Hosts a loop Coxswain does not own ({@link OwnLoop}): the loop calls {@link Steer#boundary} after
 * every step, and that call is the control point. Knobs, actions, pause, stop, evaluation and
 * checkpoints work there as in Coxswain's own loop; the commands that need Coxswain's own loop (its
 * model tree, data sources, goal) are refused with the reason.
 */
public final class OwnLoopTrainer implements SteeredRun {
  private final OwnLoop loop;
  private final TrainerConfig config;
  private final boolean recordCommands;
  private final RunPosition position = new RunPosition();
  private final TrainerEvents events;
  private final RunStatus status;
  private final Knobs knobs = new Knobs();
  private final KnobCommands knobCommands;
  private final Actions actions = new Actions();
  private final ControlPoint controlPoint;
  private final CommandHandlers handlers = new CommandHandlers();
  private final LoopCheckpoints checkpoints;
  private final ArrayDeque<Double> tail = new ArrayDeque<>();
  private volatile Map<String, Object> lastMetrics = Map.of();
  private Map<String, Double> lastEval = Map.of();
  private double firstEval = Double.NaN;
  private double lastEvalLoss = Double.NaN;
  private long lastEvalStep = -1;
  private String lastEvalBranch;
  private long stepStarted;

  private OwnLoopTrainer(Builder b) throws IOException {
    this.loop = b.loop;
    this.config = b.config;
    if (!config.optimizer().equals(OptimizerChoice.DEFAULT)
        || !config.paramGroups().isEmpty()
        || config.accumulate() != 1) {
      throw new IllegalArgumentException(
          "optimizer, parameter groups and accumulation are settings of Coxswain's own loop; a"
              + " loop of its own updates its weights itself");
    }
    this.recordCommands = b.recordCommands;
    this.events = new TrainerEvents(b.sink, config.runId(), position);
    this.controlPoint = new ControlPoint(r -> events.emit(new Payload.Result(r)));
    this.status = new RunStatus(events, controlPoint, position);
    for (OwnKnob k : loop.knobs()) {
      knobs.register(k.knob(), k.setter());
    }
    loop.actions().forEach(a -> actions.register(a.spec(), a.handler()));
    this.knobCommands = new KnobCommands(knobs, events::emit);
    knobCommands.registerWith(handlers);
    actions.registerWith(handlers);
    status.registerWith(handlers);
    handlers.register(Action.Evaluate.class, this::evaluateCommand);
    CheckpointStore store = new CheckpointStore(b.runDir.resolve("checkpoints"));
    this.checkpoints = new LoopCheckpoints(store, loop, knobs, position, events, config);
    checkpoints.registerWith(handlers);
    refuseWithReason();
    if (b.resumeFrom != null) {
      checkpoints.resume(b.resumeFrom, b.ignoreKnobMismatch);
    }
  }

  // what needs Coxswain's own loop, said plainly instead of "not supported"
  private void refuseWithReason() {
    String why = " needs Coxswain's own loop; a loop of its own has no ";
    handlers
        .register(
            Action.ResetModule.class,
            (c, a, n) -> CommandResult.rejected(c, n, "reset_module" + why + "model tree"))
        .register(
            Action.SetModuleParam.class,
            (c, a, n) -> CommandResult.rejected(c, n, "set_module_param" + why + "model tree"))
        .register(
            Action.SetDataMixture.class,
            (c, a, n) -> CommandResult.rejected(c, n, "set_data_mixture" + why + "data sources"))
        .register(
            Action.ReloadData.class,
            (c, a, n) -> CommandResult.rejected(c, n, "reload_data" + why + "data sources"))
        .register(
            Action.SetGoal.class,
            (c, a, n) -> CommandResult.rejected(c, n, "set_goal" + why + "goal tracker"));
  }

  /** Starts hosting this loop with this run's settings (id, steps, seed, schedules). */
  public static Builder builder(OwnLoop loop, TrainerConfig config) {
    return new Builder(loop, config);
  }

  @Override
  public CompletableFuture<CommandResult> submit(Command command) {
    if (recordCommands) {
      events.emit(new Payload.CommandSent(command));
    }
    return controlPoint.submit(command);
  }

  @Override
  public RunOutcome run() {
    status.set("running");
    knobCommands.announce(actions.specs());
    if (!loop.replayable()) {
      events.emit(
          new Payload.Note(
              "this loop's steps do not depend only on seed and step: a replay from a checkpoint"
                  + " is approximate",
              "trainer"));
    }
    try {
      if (position.step() == 0) {
        evaluate(); // the baseline RunOutcome.initialValidationLoss promises
      }
      stepStarted = System.nanoTime();
      boolean go =
          !controlPoint.boundary(() -> position.step() + 1, handlers::dispatch, () -> {})
              && position.step() < config.maxSteps();
      if (go) {
        loop.body().train(new LoopSteer());
      }
      String end = controlPoint.isStopRequested() ? "stopped" : "finished";
      long step = position.step();
      if (lastEvalStep != step || !position.branch().equals(lastEvalBranch)) {
        evaluate(); // the validation loss at the end, as RunOutcome promises
      }
      if (config.checkpointAtEnd() && step > 0) {
        checkpoints.save(null, true);
      }
      status.ended(end);
      return new RunOutcome(
          end, step, position.branch(), tailMean(), firstEval, lastEvalLoss, 0, lastEval);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status.failed(e);
      throw new IllegalStateException("training interrupted at step " + position.step(), e);
    } catch (Exception | Error e) {
      status.failed(e);
      if (e instanceof RuntimeException r) {
        throw r;
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(
          "the loop failed at step " + position.step() + ": " + e.getMessage(), e);
    }
  }

  private double tailMean() {
    return tail.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** The loop's view of the run; its {@code boundary} is the control point. */
  private final class LoopSteer implements Steer {
    @Override
    public long step() {
      return position.step() + 1;
    }

    @Override
    public long seed() {
      return config.seed();
    }

    @Override
    public double knob(String name) {
      return knobs.snapshot().get(name);
    }

    @Override
    public String branch() {
      return position.branch();
    }

    @Override
    public boolean boundary(StepFigures done) throws InterruptedException {
      long s = position.step() + 1;
      position.setStep(s);
      publish(done);
      try {
        if (config.evalEvery() > 0 && s % config.evalEvery() == 0) {
          evaluate();
        }
        if (CheckpointSchedule.due(config, s, skipped(done))) {
          checkpoints.save(null, true);
        }
      } catch (Exception e) {
        throw new IllegalStateException("at step " + s + ": " + e.getMessage(), e);
      }
      boolean stop = controlPoint.boundary(() -> position.step() + 1, handlers::dispatch, () -> {});
      stepStarted = System.nanoTime();
      return !stop && position.step() < config.maxSteps();
    }
  }

  // a loss the loop reported and that is not finite: the step is skipped in the metrics too
  private static boolean skipped(StepFigures f) {
    return f.loss() != null && !Double.isFinite(f.loss());
  }

  private void publish(StepFigures f) {
    Double loss = f.loss() != null && Double.isFinite(f.loss()) ? f.loss() : null;
    if (loss != null) {
      tail.addLast(loss);
      if (tail.size() > 20) {
        tail.removeFirst();
      }
    }
    checkpoints.lastLoss(loss);
    double ms = (System.nanoTime() - stepStarted) / 1e6;
    Payload.Metrics m =
        new Payload.Metrics(
            loss,
            learningRate(),
            null,
            null,
            null,
            null,
            ms,
            skipped(f),
            f.values().isEmpty() ? null : f.values());
    events.emit(m);
    Map<String, Object> last = new LinkedHashMap<>(f.values());
    if (loss != null) {
      last.put("loss", loss);
    }
    lastMetrics = Map.copyOf(last);
  }

  // the first learning-rate knob is the run's lr in its metrics; null when it has none
  private Double learningRate() {
    for (Knob k : knobs.list()) {
      if (k.hasRole(Knob.LEARNING_RATE)) {
        return knobs.snapshot().get(k.name());
      }
    }
    return null;
  }

  private CommandResult evaluateCommand(Command c, Action.Evaluate a, long nextStep)
      throws Exception {
    if (loop.evaluation() == null) {
      return CommandResult.rejected(
          c, nextStep, "loop '" + loop.name() + "' registered no evaluation");
    }
    Payload.Eval e = evaluate();
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("eval_loss", e.evalLoss());
    detail.putAll(e.metrics());
    return CommandResult.applied(c, nextStep, detail);
  }

  private Payload.Eval evaluate() throws Exception {
    LoopEvaluation ev = loop.evaluation();
    if (ev == null) {
      return null;
    }
    long t0 = System.nanoTime();
    LoopEvaluation.Result r = ev.evaluate(position.step());
    Payload.Eval e =
        new Payload.Eval(
            r.loss(), null, r.metrics(), null, null, null, (System.nanoTime() - t0) / 1e6, null);
    events.emit(e);
    if (position.step() == 0) {
      firstEval = r.loss();
    }
    lastEvalStep = position.step();
    lastEvalBranch = position.branch();
    lastEvalLoss = r.loss();
    lastEval = r.metrics();
    return e;
  }

  // --- read-only views, safe from any thread ---

  public String runId() {
    return config.runId();
  }

  @Override
  public long step() {
    return position.step();
  }

  @Override
  public String branch() {
    return position.branch();
  }

  @Override
  public String status() {
    return status.get();
  }

  @Override
  public List<Knob> knobs() {
    return knobs.list();
  }

  /** The last step's figures (its loss and named values). */
  public Map<String, Object> lastMetrics() {
    return lastMetrics;
  }

  @Override
  public Map<String, Object> model() {
    return Map.of("loop", loop.name(), "modules", List.of());
  }

  @Override
  public void close() {
    // the loop owns its model and its NDManager
  }

  /** Builds an {@link OwnLoopTrainer}. */
  public static final class Builder {
    private final OwnLoop loop;
    private final TrainerConfig config;
    private Path runDir = Path.of("runs", "run");
    private EventSink sink = EventSink.discard();
    private String resumeFrom;
    private boolean recordCommands = true;
    private boolean ignoreKnobMismatch;

    private Builder(OwnLoop loop, TrainerConfig config) {
      this.loop = loop;
      this.config = config;
    }

    /** Where checkpoints go ({@code <runDir>/checkpoints}). */
    public Builder optRunDir(Path dir) {
      this.runDir = dir;
      return this;
    }

    public Builder optSink(EventSink s) {
      this.sink = s;
      return this;
    }

    /** As {@link InteractiveTrainer.Builder#optRecordCommands}. */
    public Builder optRecordCommands(boolean value) {
      this.recordCommands = value;
      return this;
    }

    /** Continue from this checkpoint (id, tag or {@code latest}) on its own branch. */
    public Builder optResumeFrom(String checkpointRef) {
      this.resumeFrom = checkpointRef;
      return this;
    }

    /** Resume even when the checkpoint's knobs are not the ones this loop registers. */
    public Builder optIgnoreKnobMismatch() {
      this.ignoreKnobMismatch = true;
      return this;
    }

    /**
     * @throws IOException when the resume checkpoint is missing, corrupt or its knobs differ
     */
    public OwnLoopTrainer build() throws IOException {
      return new OwnLoopTrainer(this);
    }
  }
}
