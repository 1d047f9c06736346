package dev.coxswain.trainer;

import ai.djl.pytorch.jni.JniUtils;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.command.DataCommands;
import dev.coxswain.trainer.control.ControlPoint;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.events.EventSink;
import dev.coxswain.trainer.goal.GoalTracker;
import dev.coxswain.trainer.metric.StepProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A DJL training loop with a control point between steps. {@link #run} trains on the calling
 * thread; {@link #submit} may be called from any thread and the command takes effect at the next
 * step boundary, with exactly one result.
 *
 * <pre>{@code
 * try (InteractiveTrainer t = InteractiveTrainer.builder(workload, config)
 *     .optRunDir(dir).optSink(sink).build()) {
 *   RunOutcome end = t.run();
 * }
 * }</pre>
 */
public final class InteractiveTrainer implements SteeredRun {
  private final TrainerConfig config;
  private final boolean recordCommands;
  private final RunPosition position = new RunPosition();
  private final TrainerEvents events;
  private final Knobs knobs;
  private final RunControls controls;
  private final ControlPoint controlPoint;
  private final DataCommands dataCommands;
  private final CommandHandlers handlers = new CommandHandlers();
  private final Learner learner;
  private final StepLoop loop;
  private final HealthWatch health;
  private final MetricsPublisher metrics;
  private final Evaluator evaluator;
  private final Checkpointer checkpointer;
  private final StepProfile profile = new StepProfile();
  private final RunStatus status;

  private InteractiveTrainer(Builder b) throws IOException {
    Workload workload = b.workload;
    this.config = b.config;
    this.recordCommands = b.recordCommands;
    this.events = new TrainerEvents(b.sink, config.runId(), position);
    this.controlPoint = new ControlPoint(r -> events.emit(new Payload.Result(r)));
    this.status = new RunStatus(events, controlPoint, position);
    CheckpointStore store = new CheckpointStore(b.runDir.resolve("checkpoints"));
    this.health = new HealthWatch(config, events);
    this.metrics = new MetricsPublisher(events);
    // a goal the run cannot pursue is refused before the model takes any memory
    GoalTracker goals = Evaluator.goalTracker(workload, config);
    this.dataCommands = new DataCommands(workload.data(), events::emit);
    this.learner = new Learner(workload, config, profile);
    this.controls = new RunControls(config, learner, workload, events);
    this.knobs = controls.knobs();
    this.checkpointer =
        new Checkpointer(
            store, config, workload, position, knobs, learner, goals, dataCommands, health, events);
    BooleanSupplier paused = controlPoint::isPaused;
    this.evaluator =
        new Evaluator(workload, config, learner, goals, checkpointer, position, events, paused);
    List<TrainingListener> all = List.of(metrics, health, evaluator, checkpointer);
    Branches branches = new Branches(store, workload, learner, knobs, position, events, all);
    register(branches);
    // told of every step (and of the beginning and the end) in this order: the cheap ones first
    // (charged to publishing), then an evaluation before a checkpoint (its best is kept)
    this.loop =
        new StepLoop(
            new StepLoop.Parts(
                config,
                b.gate,
                controlPoint,
                handlers,
                position,
                knobs,
                dataCommands,
                learner,
                List.of(metrics, health),
                List.of(evaluator, checkpointer),
                profile));
    if (b.resumeFrom != null) {
      branches.resume(b.resumeFrom, goals, dataCommands);
    }
  }

  /** Each command type in one place of its own, beside the state it changes. */
  private void register(Branches branches) {
    controls.registerWith(handlers);
    dataCommands.registerWith(handlers);
    status.registerWith(handlers);
    evaluator.registerWith(handlers);
    checkpointer.registerWith(handlers);
    branches.registerWith(handlers);
    learner.model().registerWith(handlers);
  }

  /** Starts building a trainer for this workload. */
  public static Builder builder(Workload workload, TrainerConfig config) {
    return new Builder(workload, config);
  }

  /**
   * Queues a command for the next step boundary and records that it was received. Any thread.
   *
   * @return completes with the command's one result
   */
  @Override
  public CompletableFuture<CommandResult> submit(Command command) {
    if (recordCommands) {
      events.emit(new Payload.CommandSent(command));
    }
    return controlPoint.submit(command);
  }

  /** Trains until max steps or a stop command. Blocks the calling thread. */
  @Override
  public RunOutcome run() {
    // Autograd mode is per thread in PyTorch and on by default: record only inside the collector.
    JniUtils.setGradMode(false);
    status.set("running");
    controls.announce();
    dataCommands.announce(position.step());
    String end = status.run(loop::run); // the listeners evaluate first and last, and checkpoint
    return new RunOutcome(
        end,
        position.step(),
        position.branch(),
        health.tailLoss(),
        evaluator.initialLoss(),
        evaluator.finalLoss(),
        health.skipped(),
        evaluator.lastMetrics());
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

  public Map<String, Object> lastMetrics() {
    return metrics.lastMetrics();
  }

  public long parameterCount() {
    return learner.parameterCount();
  }

  /**
   * The model's modules, their parameters and what can be done to each ({@link
   * dev.coxswain.trainer.model.ModelTree}).
   */
  @Override
  public Map<String, Object> model() {
    return learner.tree().describe();
  }

  /** Where the time of the recent steps went, phase by phase; read it once the run has ended. */
  public StepProfile stepProfile() {
    return profile;
  }

  /** Wall-clock millis when the first step finished, 0 before. */
  public long firstStepDoneMillis() {
    return metrics.firstStepDoneMillis();
  }

  public List<CheckpointMeta> checkpoints() throws IOException {
    return checkpointer.store().list();
  }

  /** Copies of the current weights by parameter name (tests and tools; not for the hot path). */
  public Map<String, float[]> weights() {
    return learner.weights();
  }

  /** The device the model, its optimizer state and every batch live on. */
  public ai.djl.Device device() {
    return learner.device();
  }

  /** How many native arrays the model holds now (weights, moments; leak checks, not hot path). */
  public int liveArrayCount() {
    return learner.liveArrays().count();
  }

  /** The bytes of the native arrays the model holds now (leak checks, not the hot path). */
  public long liveArrayBytes() {
    return learner.liveArrays().bytes();
  }

  /** The model's live native arrays (for the leak tests; not for the hot path). */
  Learner.LiveArrays liveArrays() {
    return learner.liveArrays();
  }

  @Override
  public void close() {
    loop.discard();
    learner.close();
  }

  /** Builds an {@link InteractiveTrainer}. */
  public static final class Builder {
    private final Workload workload;
    private final TrainerConfig config;
    private Path runDir = Path.of("runs", "run");
    private EventSink sink = EventSink.discard();
    private String resumeFrom;
    private boolean recordCommands = true;
    private StepGate gate = StepGate.OPEN;

    private Builder(Workload workload, TrainerConfig config) {
      this.workload = workload;
      this.config = config;
    }

    /** Where checkpoints go ({@code <runDir>/checkpoints}). */
    public Builder optRunDir(Path dir) {
      this.runDir = dir;
      return this;
    }

    /** Where events go; wrap in a sequencing sink to number them. */
    public Builder optSink(EventSink sink) {
      this.sink = sink;
      return this;
    }

    /**
     * Whether {@link #submit} records a {@code command} event (default yes). A server that records
     * each command durably before handing it over turns this off, so it is not recorded twice.
     */
    public Builder optRecordCommands(boolean value) {
      this.recordCommands = value;
      return this;
    }

    /**
     * Holds training at each step boundary until the gate releases it (default: never holds). An
     * experiment uses it to have its agent's decisions apply at a fixed step.
     */
    public Builder optStepGate(StepGate gate) {
      this.gate = java.util.Objects.requireNonNull(gate, "gate");
      return this;
    }

    /** Continue from this checkpoint (id, tag or {@code latest}) on its own branch. */
    public Builder optResumeFrom(String checkpointRef) {
      this.resumeFrom = checkpointRef;
      return this;
    }

    /**
     * @throws IOException when the resume checkpoint is missing or corrupt
     */
    public InteractiveTrainer build() throws IOException {
      return new InteractiveTrainer(this);
    }
  }
}
