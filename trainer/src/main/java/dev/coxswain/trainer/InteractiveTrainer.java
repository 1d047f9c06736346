package dev.coxswain.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.command.DataCommands;
import dev.coxswain.trainer.command.GoalCommands;
import dev.coxswain.trainer.command.KnobCommands;
import dev.coxswain.trainer.command.ModelCommands;
import dev.coxswain.trainer.control.ControlPoint;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.data.MixableSource;
import dev.coxswain.trainer.events.EventSink;
import dev.coxswain.trainer.goal.GoalTracker;
import dev.coxswain.trainer.health.HealthMonitor;
import dev.coxswain.trainer.metric.EvalMetric;
import dev.coxswain.trainer.metric.StepProfile;
import dev.coxswain.trainer.metric.StepProfile.Phase;
import dev.coxswain.trainer.model.ModelTree;
import dev.coxswain.trainer.optim.AdamW;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

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
public final class InteractiveTrainer implements AutoCloseable {
  private static final int LOSS_TAIL = 20;

  private final Workload workload;
  private final TrainerConfig config;
  private final EventSink sink;
  private final NDManager manager;
  private final Block block;
  private ParameterStore parameterStore;
  private final List<Pair<String, Parameter>> trainable;
  private final AdamW optimizer;
  private final ModelCommands model;
  private final Knobs knobs;
  private final CommandHandlers handlers;
  private final GoalTracker goals;
  private final DataCommands dataCommands;
  private final ControlPoint controlPoint;
  private final HealthMonitor health;
  private final CheckpointStore checkpoints;
  private final Set<String> branches = new HashSet<>();
  private final ArrayDeque<Double> lossTail = new ArrayDeque<>();
  private final long parameterCount;
  private final boolean recordCommands;
  private final StepProfile profile = new StepProfile();
  // reused by every step: the weights with this step's gradients, and the one host read
  private final List<AdamW.Slot> slots = new ArrayList<>();
  private final double[] lossAndNorm = new double[2];

  private volatile String branch = "main";
  private volatile long step;
  private volatile String status = "created";
  private volatile Map<String, Object> lastMetrics = Map.of();
  private volatile long firstStepDoneMillis;
  private volatile long controlNanos;
  private double lastLoss = Double.NaN;
  private long lastEvalStep = -1;
  private double lastEvalLoss = Double.NaN;
  private Map<String, Double> lastEvalMetrics = Map.of();
  private double initialEvalLoss = Double.NaN;
  private long skipped;

  private InteractiveTrainer(Builder b) throws IOException {
    this.workload = b.workload;
    this.config = b.config;
    this.sink = b.sink;
    this.recordCommands = b.recordCommands;
    this.checkpoints = new CheckpointStore(b.runDir.resolve("checkpoints"));
    this.knobs = Knobs.optimizerDefaults(config.lr());
    // the start lr is the config's; an lr override contributes its bounds
    config
        .knobOverrides()
        .forEach(k -> knobs.register(k.name().equals("lr") ? k.withValue(config.lr()) : k));
    this.health = new HealthMonitor(config.spikeFactor(), config.spikeWindow());
    this.controlPoint = new ControlPoint(this::onResult);
    this.goals = goalTracker(workload, config);
    this.dataCommands = new DataCommands(workload.data(), this::emit);
    this.handlers = handlers();
    this.manager = NDManager.newBaseManager();
    this.block = workload.block();
    Engine.getInstance().setRandomSeed((int) config.seed());
    block.initialize(manager, DataType.FLOAT32, workload.inputShapes());
    this.parameterStore = new ParameterStore(manager, false);
    this.trainable = new ArrayList<>();
    long count = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (p.getValue().requiresGradient()) {
        trainable.add(p);
        p.getValue().getArray().setRequiresGradient(true);
        count += p.getValue().getArray().size();
      }
    }
    this.parameterCount = count;
    this.optimizer = new AdamW(manager);
    this.model = new ModelCommands(ModelTree.of(block), manager, optimizer, config.seed());
    model.registerWith(handlers);
    branches.add(branch);
    for (CheckpointMeta m : checkpoints.list()) {
      branches.add(m.branch());
    }
    if (b.resumeFrom != null) {
      CheckpointMeta m =
          checkpoints
              .resolve(b.resumeFrom)
              .orElseThrow(
                  () ->
                      new IOException(
                          "no checkpoint '" + b.resumeFrom + "' in " + checkpoints.root()));
      restore(m);
      branch = m.branch();
      if (m.files().containsKey(GOAL_PART)) {
        try (InputStream in = checkpoints.open(m, GOAL_PART)) {
          goals.restore(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      if (m.files().containsKey(RELOAD_PART)) {
        try (InputStream in = checkpoints.open(m, RELOAD_PART)) {
          dataCommands.restorePending(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
  }

  private static final String GOAL_PART = "goal.json";

  /** A reload waiting for its epoch's end when the checkpoint was made. */
  private static final String RELOAD_PART = "pending-reload.json";

  /** The run's goal, checked against what the workload's evaluations report. */
  private static GoalTracker goalTracker(Workload workload, TrainerConfig config) {
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

  /** Starts building a trainer for this workload. */
  public static Builder builder(Workload workload, TrainerConfig config) {
    return new Builder(workload, config);
  }

  /**
   * Queues a command for the next step boundary and records that it was received. Any thread.
   *
   * @return completes with the command's one result
   */
  public CompletableFuture<CommandResult> submit(Command command) {
    if (recordCommands) {
      emit(EventType.COMMAND, Json.toMap(command));
    }
    return controlPoint.submit(command);
  }

  /** Trains until max steps or a stop command. Blocks the calling thread. */
  public RunOutcome run() {
    // Autograd mode is per thread in PyTorch and on by default: record only inside the collector.
    JniUtils.setGradMode(false);
    setStatus("running");
    Map<String, Object> start = new LinkedHashMap<>();
    start.put("knobs", knobs.snapshot().values());
    start.put("specs", knobs.list().stream().map(Json::toMap).toList());
    emit(EventType.KNOBS, start); // the full knob table, bounds included, for late readers
    dataCommands.announce(step);
    String end;
    try {
      if (step == 0 && workload.data().validationBatches() > 0) {
        initialEvalLoss = evaluate(); // the baseline every later evaluation is read against
      }
      long last = System.nanoTime();
      while (true) {
        long c0 = System.nanoTime();
        profile.begin();
        boolean stop = controlPoint.boundary(() -> step + 1, this::apply, () -> {});
        controlNanos += System.nanoTime() - c0;
        profile.lap(Phase.CONTROL);
        if (stop) {
          end = "stopped";
          break;
        }
        if (step >= config.maxSteps()) {
          end = "finished";
          break;
        }
        dataCommands.beforeStep(step + 1);
        trainStep(step + 1);
        long now = System.nanoTime();
        profile.endStep(now - last);
        last = now;
      }
      double val = Double.NaN;
      if (workload.data().validationBatches() > 0) {
        val = lastEvalStep == step ? lastEvalLoss : evaluate();
      }
      if (config.checkpointAtEnd() && step > 0) {
        saveCheckpoint(null, true); // retained like the periodic ones: a stop is not a keepsake
      }
      controlPoint.close("the run has " + end + " at step " + step, step);
      setStatus(end);
      return new RunOutcome(
          end, step, branch, tailLoss(), initialEvalLoss, val, skipped, lastEvalMetrics);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(e);
      throw new IllegalStateException("training interrupted at step " + step, e);
    } catch (IOException e) {
      fail(e);
      throw new java.io.UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      fail(e);
      throw e;
    }
  }

  private void fail(Throwable e) {
    controlPoint.close("the run failed at step " + step, step);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("status", "failed");
    p.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
    status = "failed";
    try {
      emit(EventType.STATUS, p);
    } catch (RuntimeException unwritable) {
      e.addSuppressed(unwritable); // a log that cannot be written: the first error is the story
    }
  }

  private void trainStep(long s) throws IOException {
    Knobs.Snapshot k = knobs.snapshot(); // one set of values for the whole step
    long t0 = System.nanoTime();
    double loss;
    double gradNorm;
    double clipScale = 1;
    double updateRatio = Double.NaN;
    long tokens;
    try (NDScope scope = new NDScope();
        NDManager stepManager = manager.newSubManager()) {
      scope.suppressNotUsedWarning();
      Engine.getInstance().setRandomSeed((int) (config.seed() * 1_000_003L + s));
      profile.lap(Phase.SEED);
      Batch batch = workload.data().trainBatch(stepManager, s);
      tokens = batch.tokens();
      profile.lap(Phase.DATA);
      NDArray lossArray = forwardBackward(batch);
      slots.clear();
      for (Pair<String, Parameter> p : trainable) {
        NDArray w = p.getValue().getArray();
        slots.add(new AdamW.Slot(p.getKey(), w, w.getGradient()));
      }
      AdamW.lossAndNorm(lossArray, slots, lossAndNorm); // the step's one host read
      loss = lossAndNorm[0];
      gradNorm = lossAndNorm[1];
      profile.lap(Phase.NORM);
      if (Double.isFinite(loss) && Double.isFinite(gradNorm)) {
        double maxNorm = k.get("max_grad_norm");
        if (maxNorm > 0 && gradNorm > maxNorm) {
          clipScale = maxNorm / (gradNorm + 1e-6);
        }
        boolean measure =
            config.updateRatioEvery() > 0 && (s == 1 || s % config.updateRatioEvery() == 0);
        updateRatio = optimizer.update(slots, k, clipScale, measure);
      }
      profile.lap(Phase.UPDATE);
      for (AdamW.Slot slot : slots) {
        // PyTorch accumulates gradients until they are zeroed (DJL's own Adam zeroes them the same
        // way, one call per parameter); a skipped step must not leak into the next.
        JniUtils.zeroGrad((PtNDArray) slot.weight());
      }
      slots.clear();
    }
    profile.lap(Phase.ZERO);
    long t1 = System.nanoTime();
    double ms = (t1 - t0) / 1e6;
    step = s;
    boolean finite = Double.isFinite(loss) && Double.isFinite(gradNorm);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("loss", finite ? loss : null);
    m.put("lr", k.get("lr"));
    m.put("grad_norm", Double.isFinite(gradNorm) ? gradNorm : null);
    m.put("clip_scale", clipScale);
    m.put("update_ratio", Double.isFinite(updateRatio) ? updateRatio : null);
    m.put("tokens_per_s", tokens / (ms / 1000));
    m.put("step_ms", ms);
    m.put("skipped", !finite);
    lastMetrics = m;
    if (firstStepDoneMillis == 0) {
      firstStepDoneMillis = System.currentTimeMillis();
    }
    emit(EventType.METRICS, m);
    observeHealth(loss, gradNorm, finite);
    profile.lap(Phase.PUBLISH);
    periodic(s);
    profile.lap(Phase.OTHER);
  }

  // a skipped step says so; a finite one feeds the spike check
  private void observeHealth(double loss, double gradNorm, boolean finite) {
    if (!finite) {
      skipped++;
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("kind", "nonfinite");
      h.put("loss", String.valueOf(loss));
      h.put("grad_norm", String.valueOf(gradNorm));
      h.put("action", "skipped the update; gradients zeroed, weights unchanged");
      emit(EventType.HEALTH, h);
    } else {
      lastLoss = loss;
      lossTail.addLast(loss);
      if (lossTail.size() > LOSS_TAIL) {
        lossTail.removeFirst();
      }
      health
          .observe(loss)
          .ifPresent(
              spike ->
                  emit(
                      EventType.HEALTH,
                      Map.of(
                          "kind", "spike",
                          "loss", spike.loss(),
                          "window_mean", spike.mean(),
                          "ratio", spike.ratio())));
    }
  }

  private void periodic(long s) throws IOException {
    if (config.evalEvery() > 0
        && s % config.evalEvery() == 0
        && workload.data().validationBatches() > 0) {
      evaluate();
    }
    if (config.checkpointEvery() > 0 && s % config.checkpointEvery() == 0) {
      saveCheckpoint(null, true);
    }
  }

  private NDArray forwardBackward(Batch batch) {
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDList out = block.forward(parameterStore, batch.data(), true);
      NDArray lossArray = workload.loss().evaluate(batch.labels(), out);
      profile.lap(Phase.FORWARD);
      gc.backward(lossArray);
      profile.lap(Phase.BACKWARD);
      return lossArray;
    }
  }

  /** Loss on the fixed validation batches; emits an {@code eval} event with the goal's progress. */
  private double evaluate() throws IOException {
    Evaluation r = Evaluation.run(workload, manager, block, parameterStore);
    lastEvalStep = step;
    lastEvalLoss = r.loss();
    if (!r.metrics().isEmpty()) {
      lastEvalMetrics = r.metrics();
    }
    Map<String, Object> e = r.payload();
    Optional<GoalTracker.Progress> progress = goals.observe(step, r.reported());
    progress.ifPresent(p -> e.put("goal", p.toMap()));
    emit(EventType.EVAL, e);
    if (progress.isPresent() && progress.get().improved() && step > 0) {
      saveCheckpoint(GoalTracker.BEST_TAG, false); // the weights that scored it, at this boundary
    }
    return r.loss();
  }

  private CommandResult apply(Command c, Action action, long nextStep) throws Exception {
    return handlers.dispatch(c, action, nextStep);
  }

  // Each command type in one place of its own: the knob commands in KnobCommands, the rest here,
  // where the state they change lives.
  private CommandHandlers handlers() {
    CommandHandlers h = new CommandHandlers();
    new KnobCommands(knobs, this::emit).registerWith(h);
    new GoalCommands(goals).registerWith(h);
    dataCommands.registerWith(h);
    h.register(Action.Pause.class, (c, a, next) -> pause(c, true, next))
        .register(Action.Resume.class, (c, a, next) -> pause(c, false, next))
        .register(
            Action.Stop.class,
            (c, a, next) -> {
              controlPoint.requestStop();
              return CommandResult.applied(c, next, Map.of("last_step", next - 1));
            })
        .register(Action.Evaluate.class, (c, a, next) -> evaluateNow(c, next))
        .register(Action.SaveCheckpoint.class, this::save)
        .register(Action.LoadCheckpoint.class, this::fork)
        .register(
            Action.Note.class,
            (c, a, next) -> {
              emit(EventType.NOTE, Map.of("text", a.text(), "source", c.source().wire()));
              return CommandResult.applied(c, next, Map.of());
            })
        // the agent lives outside the trainer: it reads its settings and a person's words from
        // these results
        .register(
            Action.Agent.class, (c, a, next) -> CommandResult.applied(c, next, agentDetail(a)))
        .register(
            Action.TellAgent.class,
            (c, a, next) ->
                CommandResult.applied(
                    c,
                    next,
                    a.text() == null ? Map.of("withdrawn", true) : Map.of("text", a.text())));
    return h;
  }

  private static Map<String, Object> agentDetail(Action.Agent a) {
    Map<String, Object> d = new LinkedHashMap<>();
    if (a.enabled() != null) {
      d.put("enabled", a.enabled());
    }
    if (a.every() != null) {
      d.put("every", a.every());
    }
    if (a.policy() != null) {
      d.put("policy", a.policy());
    }
    return d;
  }

  private CommandResult pause(Command c, boolean pause, long nextStep) {
    if (controlPoint.isPaused() == pause) {
      return CommandResult.rejected(
          c, nextStep, pause ? "the run is already paused" : "the run is not paused");
    }
    controlPoint.setPaused(pause);
    setStatus(pause ? "paused" : "running");
    return CommandResult.applied(
        c, nextStep, pause ? Map.of("paused_before_step", nextStep) : Map.of());
  }

  private CommandResult evaluateNow(Command c, long nextStep) throws IOException {
    if (workload.data().validationBatches() == 0) {
      return CommandResult.rejected(c, nextStep, "this workload has no validation data");
    }
    // a person waits for this one: say that it runs (a paused run evaluates too) before it does
    boolean paused = controlPoint.isPaused();
    Map<String, Object> started = new LinkedHashMap<>();
    started.put("command_id", c.id());
    started.put("paused", paused);
    emit(EventType.EVALUATING, started);
    double loss = evaluate();
    return CommandResult.applied(
        c, nextStep, Map.of("eval_loss", loss, "perplexity", Math.exp(loss), "paused", paused));
  }

  private CommandResult save(Command c, Action.SaveCheckpoint a, long nextStep) throws IOException {
    if (step == 0) {
      return CommandResult.rejected(c, nextStep, "nothing to save before the first step");
    }
    CheckpointMeta m = saveCheckpoint(a.tag(), false);
    // the result names the step the checkpoint holds, as its id does (main/146 is "applied at
    // step 146"), not the next step to run: a person reads the two side by side
    return CommandResult.applied(c, m.step(), Map.of("checkpoint", m.id()));
  }

  private CommandResult fork(Command c, Action.LoadCheckpoint a, long nextStep) throws IOException {
    Optional<CheckpointMeta> found = checkpoints.resolve(a.checkpoint());
    if (found.isEmpty()) {
      String available =
          checkpoints.list().stream().map(CheckpointMeta::id).collect(Collectors.joining(", "));
      return CommandResult.rejected(
          c,
          nextStep,
          "no checkpoint '"
              + a.checkpoint()
              + "'; available: "
              + (available.isEmpty() ? "none" : available));
    }
    String newBranch = a.branch() != null ? a.branch() : nextBranchName();
    if (branches.contains(newBranch)) {
      return CommandResult.rejected(c, nextStep, "branch '" + newBranch + "' already exists");
    }
    CheckpointMeta m = found.get();
    String from = branch;
    long fromStep = step;
    try {
      restore(m);
    } catch (IOException e) {
      // restore reads and verifies everything before it changes anything
      return CommandResult.rejected(c, nextStep, e.getMessage());
    }
    branch = newBranch;
    branches.add(newBranch);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("branch", newBranch);
    p.put("checkpoint", m.id());
    p.put("parent_branch", from);
    p.put("left_at_step", fromStep);
    p.put("resumes_at_step", m.step() + 1);
    emit(EventType.BRANCH, p);
    return CommandResult.applied(c, m.step() + 1, p);
  }

  private String nextBranchName() {
    int n = branches.size();
    while (branches.contains("b" + n)) {
      n++;
    }
    return "b" + n;
  }

  /**
   * Loads parameters, optimizer state, knobs and position from a checkpoint. All files are read and
   * verified before anything changes; if loading the parameters still fails, the previous
   * parameters are put back.
   */
  private void restore(CheckpointMeta m) throws IOException {
    byte[] params;
    byte[] opt;
    try (InputStream in = checkpoints.open(m, "params.bin")) {
      params = in.readAllBytes();
    }
    try (InputStream in = checkpoints.open(m, "optimizer.bin")) {
      opt = in.readAllBytes();
    }
    if (workload.data() instanceof MixableSource mixed) {
      // the sources and weights in force at that step; reads and checks every file first
      mixed.restore(m.data());
    }
    ByteArrayOutputStream backup = new ByteArrayOutputStream();
    block.saveParameters(new DataOutputStream(backup));
    try {
      block.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(params)));
    } catch (IOException | ai.djl.MalformedModelException | RuntimeException e) {
      try {
        block.loadParameters(
            manager, new DataInputStream(new ByteArrayInputStream(backup.toByteArray())));
      } catch (ai.djl.MalformedModelException e2) {
        throw new IllegalStateException("could not put the previous parameters back", e2);
      }
      reattachGradients();
      throw new IOException(
          "checkpoint " + m.id() + " does not fit this model: " + e.getMessage(), e);
    }
    reattachGradients();
    // ParameterStore caches array references on first use: a new one sees the loaded arrays.
    parameterStore = new ParameterStore(manager, false);
    optimizer.load(new DataInputStream(new ByteArrayInputStream(opt)));
    knobs.restore(m.knobs());
    model.tree().restoreSettableValues(m.modules());
    step = m.step();
    health.reset();
    lossTail.clear();
    lastEvalStep = -1;
    lastLoss = m.loss() == null ? Double.NaN : m.loss();
  }

  private void reattachGradients() {
    for (Pair<String, Parameter> p : trainable) {
      p.getValue().getArray().setRequiresGradient(true);
    }
  }

  private CheckpointMeta saveCheckpoint(String tag, boolean periodic) throws IOException {
    CheckpointMeta meta =
        new CheckpointMeta(
            branch + "/" + step,
            branch,
            step,
            tag,
            periodic,
            knobs.snapshot().values(),
            optimizer.updates(),
            config.seed(),
            step + 1,
            workload.data().describe(),
            Double.isFinite(lastLoss) ? lastLoss : null,
            null,
            Instant.now(),
            model.tree().settableValues());
    Map<String, CheckpointStore.Part> parts = new LinkedHashMap<>();
    parts.put("params.bin", block::saveParameters);
    parts.put("optimizer.bin", optimizer::save);
    if (goals.goal().isPresent()) {
      parts.put(GOAL_PART, out -> out.write(goals.state().getBytes(StandardCharsets.UTF_8)));
    }
    dataCommands
        .pendingState()
        .ifPresent(
            s -> parts.put(RELOAD_PART, out -> out.write(s.getBytes(StandardCharsets.UTF_8))));
    CheckpointMeta saved = checkpoints.save(meta, parts);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("id", saved.id());
    p.put("tag", saved.tag());
    p.put("periodic", saved.periodic());
    List<String> pruned =
        periodic ? checkpoints.prune(branch, config.keepCheckpoints()) : List.of();
    p.put("pruned", pruned);
    emit(EventType.CHECKPOINT, p);
    return saved;
  }

  private void onResult(CommandResult r) {
    emit(EventType.COMMAND_RESULT, Json.toMap(r));
  }

  private void setStatus(String s) {
    status = s;
    emit(EventType.STATUS, Map.of("status", s));
  }

  private void emit(EventType type, Map<String, Object> payload) {
    sink.accept(new Event(0, config.runId(), branch, step, type, Instant.now(), payload));
  }

  private double tailLoss() {
    return lossTail.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  // --- read-only views, safe from any thread ---

  public String runId() {
    return config.runId();
  }

  public long step() {
    return step;
  }

  public String branch() {
    return branch;
  }

  public String status() {
    return status;
  }

  public List<Knob> knobs() {
    return knobs.list();
  }

  public Map<String, Object> lastMetrics() {
    return lastMetrics;
  }

  public long parameterCount() {
    return parameterCount;
  }

  /** The model's modules, their parameters and what can be done to each ({@link ModelTree}). */
  public Map<String, Object> model() {
    return model.tree().describe();
  }

  /**
   * Time spent at the control point (draining and applying commands, including any time held there
   * while paused) and publishing metrics and health checks; evaluations and periodic checkpoints
   * are not counted. For the overhead benchmark.
   */
  public long controlPointNanos() {
    return controlNanos;
  }

  /** Where the time of the recent steps went, phase by phase; read it once the run has ended. */
  public StepProfile stepProfile() {
    return profile;
  }

  /** Wall-clock millis when the first step finished, 0 before. */
  public long firstStepDoneMillis() {
    return firstStepDoneMillis;
  }

  public List<CheckpointMeta> checkpoints() throws IOException {
    return checkpoints.list();
  }

  /** Copies of the current weights by parameter name (tests and tools; not for the hot path). */
  public Map<String, float[]> weights() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : trainable) {
      out.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  @Override
  public void close() {
    optimizer.clear();
    manager.close();
  }

  /** Builds an {@link InteractiveTrainer}. */
  public static final class Builder {
    private final Workload workload;
    private final TrainerConfig config;
    private Path runDir = Path.of("runs", "run");
    private EventSink sink = EventSink.discard();
    private String resumeFrom;
    private boolean recordCommands = true;

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
