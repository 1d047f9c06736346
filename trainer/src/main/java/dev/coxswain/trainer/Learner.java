package dev.coxswain.trainer;

import ai.djl.MalformedModelException;
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
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import dev.coxswain.trainer.command.ModelCommands;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.metric.StepProfile;
import dev.coxswain.trainer.metric.StepProfile.Phase;
import dev.coxswain.trainer.model.ModelTree;
import dev.coxswain.trainer.optim.Optimizer;
import dev.coxswain.trainer.optim.ParamGroups;
import dev.coxswain.trainer.optim.StepGuard;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The model and its optimizer: one training step, an evaluation pass, their checkpoint files. */
final class Learner implements AutoCloseable {
  static final String PARAMS_PART = "params.bin";
  static final String OPTIMIZER_PART = "optimizer.bin";

  private final Workload workload;
  private final TrainerConfig config;
  private final StepProfile profile;
  private final NDManager manager;
  private final Block block;
  private ParameterStore parameterStore;
  private final List<Pair<String, Parameter>> trainable = new ArrayList<>();
  private final Optimizer optimizer;
  private final ParamGroups groups;
  private final ModelCommands model;
  private final long parameterCount;
  // reused by every step: the weights with this step's gradients
  private final List<Optimizer.Slot> slots = new ArrayList<>();
  // where clip and skip are decided: on the device unless each step is read at once on the CPU
  private final boolean deviceDecides;

  /**
   * Builds and initializes the workload's model under the run's seed.
   *
   * @throws IllegalArgumentException for parameter groups that do not fit the model (before the
   *     model takes any memory)
   */
  Learner(Workload workload, TrainerConfig config, StepProfile profile) {
    this.workload = workload;
    this.config = config;
    this.profile = profile;
    this.block = workload.block();
    this.groups = ParamGroups.resolve(ModelTree.of(block), config.paramGroups());
    // everything the run makes descends from this manager: the model, its moments, each batch
    this.manager =
        config.device() == null
            ? NDManager.newBaseManager()
            : NDManager.newBaseManager(config.device());
    Engine.getInstance().setRandomSeed((int) config.seed());
    try {
      block.initialize(manager, DataType.FLOAT32, workload.inputShapes());
    } catch (RuntimeException e) {
      manager.close(); // a device this libtorch cannot use, say: nothing is left behind
      throw e;
    }
    this.parameterStore = new ParameterStore(manager, false);
    long count = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (p.getValue().requiresGradient()) {
        trainable.add(p);
        p.getValue().getArray().setRequiresGradient(true);
        count += p.getValue().getArray().size();
      }
    }
    this.parameterCount = count;
    // on the CPU DJL runs every op before it returns, so a read there waits for no queue: the
    // device path's copies (a few native calls per parameter) would only add cost
    this.deviceDecides = config.readEvery() > 1 || manager.getDevice().isGpu();
    this.optimizer = config.optimizer().create(manager);
    this.model = new ModelCommands(ModelTree.of(block), manager, optimizer, config.seed());
  }

  /**
   * Trains step {@code s} under one set of knob values: reseeds, forwards, backwards, updates
   * unless the loss or gradient norm is not finite, and zeroes the gradients either way. With
   * {@code read_every} above 1, or on a GPU, nothing is read to the host: the clip scale and the
   * skip are decided on the device ({@link StepGuard}) and the step's figures stay there until
   * {@link StepReadback} reads a batch of them. On the CPU reading every step, the host reads loss
   * and norm mid-step and decides, as before: the read waits for no queue there.
   */
  StepReadback.Pending step(long s, Knobs.Snapshot k) {
    long t0 = System.nanoTime();
    NDArray readout = null;
    double[] figures = null;
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
        double lrScale = groups.lrScale(p.getKey(), k); // its parameter group's lr_mult, or 1
        slots.add(new Optimizer.Slot(p.getKey(), w, w.getGradient(), lrScale));
      }
      boolean measure =
          config.updateRatioEvery() > 0 && (s == 1 || s % config.updateRatioEvery() == 0);
      if (deviceDecides) {
        readout = decideOnDevice(lossArray, k, measure);
      } else {
        figures = decideOnHost(lossArray, k, measure);
      }
      profile.lap(Phase.UPDATE);
      for (Optimizer.Slot slot : slots) {
        // PyTorch accumulates gradients until they are zeroed (DJL's own Adam zeroes them the same
        // way, one call per parameter); a skipped step must not leak into the next.
        JniUtils.zeroGrad((PtNDArray) slot.weight());
      }
      slots.clear();
    }
    profile.lap(Phase.ZERO);
    double ms = (System.nanoTime() - t0) / 1e6;
    return new StepReadback.Pending(s, k.get("lr"), tokens, ms, readout, figures);
  }

  // clip and skip decided by the device, the figures left there: nothing read to the host
  private NDArray decideOnDevice(NDArray lossArray, Knobs.Snapshot k, boolean measure) {
    StepGuard guard = StepGuard.decide(lossArray, slots, k.get("max_grad_norm"));
    profile.lap(Phase.NORM);
    NDArray readout = guard.readout(optimizer.update(slots, k, guard, measure));
    // outlives the step's scope and manager: closed once read
    NDScope.unregister(readout);
    readout.attach(manager);
    return readout;
  }

  // the loss and norm read first (the step's one host read), clip and skip decided here
  private double[] decideOnHost(NDArray lossArray, Knobs.Snapshot k, boolean measure) {
    double[] v = StepGuard.readNow(lossArray, slots);
    profile.lap(Phase.NORM);
    v[StepGuard.CLIP] = 1;
    v[StepGuard.RATIO] = Double.NaN;
    if (v[StepGuard.FINITE] != 0) {
      double maxNorm = k.get("max_grad_norm");
      double norm = v[StepGuard.NORM];
      if (maxNorm > 0 && norm > maxNorm) {
        v[StepGuard.CLIP] = maxNorm / (norm + 1e-6);
      }
      v[StepGuard.RATIO] = optimizer.update(slots, k, v[StepGuard.CLIP], measure);
    }
    return v;
  }

  /** A step the device skipped, now read: the optimizer takes back its count of it. */
  void skipped() {
    optimizer.takeBackSkipped();
  }

  /** The step's loss, its gradients left on the weights (summed over micro-batches, if any). */
  private NDArray forwardBackward(Batch batch) {
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      if (config.accumulate() == 1) {
        NDList out = block.forward(parameterStore, batch.data(), true);
        NDArray lossArray = workload.loss().evaluate(batch.labels(), out);
        profile.lap(Phase.FORWARD);
        gc.backward(lossArray);
        profile.lap(Phase.BACKWARD);
        return lossArray;
      }
      // each micro-batch's mean loss weighted by its share of the rows: their sum, and the sum of
      // their gradients (PyTorch adds them up until they are zeroed), are the whole batch's
      NDArray total = null;
      for (MicroBatches.Micro m : MicroBatches.split(batch, config.accumulate())) {
        NDList out = block.forward(parameterStore, m.batch().data(), true);
        NDArray part = workload.loss().evaluate(m.batch().labels(), out).mul((float) m.share());
        profile.lap(Phase.FORWARD);
        gc.backward(part);
        profile.lap(Phase.BACKWARD);
        total = total == null ? part : total.add(part);
      }
      return total;
    }
  }

  /** One pass over the validation batches with the current weights. */
  Evaluation evaluate() {
    return Evaluation.run(workload, manager, block, parameterStore);
  }

  /** The files a checkpoint keeps of the model and its optimizer, in the order they are written. */
  Map<String, CheckpointStore.Part> parts() {
    Map<String, CheckpointStore.Part> parts = new LinkedHashMap<>();
    parts.put(PARAMS_PART, block::saveParameters);
    parts.put(OPTIMIZER_PART, optimizer::save);
    return parts;
  }

  /**
   * Loads parameters and optimizer state that {@link #parts} wrote. If either does not load (a
   * model of another shape, another optimizer's state), the previous parameters are put back and
   * nothing has changed (the optimizer replaces its state only once the whole file is read). Either
   * way every array that no parameter holds any more is closed: DJL's {@code Parameter.load}
   * replaces an array without closing it, which leaked a copy of the model on every fork, resume
   * and rollback.
   *
   * @param id the checkpoint's id, for the error
   */
  void load(byte[] params, byte[] opt, String id) throws IOException {
    List<NDArray> replaced = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      replaced.add(p.getValue().getArray());
    }
    ByteArrayOutputStream backup = new ByteArrayOutputStream();
    block.saveParameters(new DataOutputStream(backup));
    try {
      block.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(params)));
      optimizer.load(new DataInputStream(new ByteArrayInputStream(opt)));
    } catch (IOException | MalformedModelException | RuntimeException e) {
      // a partial load replaced some arrays: those, and the originals, give way to the backup
      collectCurrent(replaced);
      try {
        block.loadParameters(
            manager, new DataInputStream(new ByteArrayInputStream(backup.toByteArray())));
      } catch (MalformedModelException e2) {
        throw new IllegalStateException("could not put the previous parameters back", e2);
      }
      closeUnheld(replaced);
      reattachGradients();
      parameterStore = new ParameterStore(manager, false);
      throw new IOException(
          "checkpoint " + id + " does not fit this model and optimizer: " + e.getMessage(), e);
    }
    closeUnheld(replaced);
    reattachGradients();
    // ParameterStore caches array references on first use: a new one sees the loaded arrays.
    parameterStore = new ParameterStore(manager, false);
  }

  private void collectCurrent(List<NDArray> into) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      into.add(p.getValue().getArray());
    }
  }

  /** Closes each of these arrays that no parameter holds now (each once). */
  private void closeUnheld(List<NDArray> arrays) {
    Set<NDArray> held = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Pair<String, Parameter> p : block.getParameters()) {
      held.add(p.getValue().getArray());
    }
    for (NDArray a : arrays) {
      if (a != null && held.add(a)) {
        a.close();
      }
    }
  }

  private void reattachGradients() {
    for (Pair<String, Parameter> p : trainable) {
      p.getValue().getArray().setRequiresGradient(true);
    }
  }

  /** The parameter groups' {@code lr_mult} knobs, for the run to register. */
  List<dev.coxswain.protocol.Knob> groupKnobs() {
    return groups.knobs();
  }

  /** The model commands, which act on this model's modules and optimizer state. */
  ModelCommands model() {
    return model;
  }

  ModelTree tree() {
    return model.tree();
  }

  /** The device the model and every batch live on. */
  ai.djl.Device device() {
    return manager.getDevice();
  }

  /** The optimizer and its state (tests; not for the hot path). */
  Optimizer optimizer() {
    return optimizer;
  }

  long optimizerUpdates() {
    return optimizer.updates();
  }

  long parameterCount() {
    return parameterCount;
  }

  /** Copies of the current weights by parameter name. */
  Map<String, float[]> weights() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : trainable) {
      out.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  /** The arrays alive under the model's manager (weights, moments, anything not closed). */
  LiveArrays liveArrays() {
    List<NDArray> arrays = manager.getManagedArrays();
    long bytes = 0;
    for (NDArray a : arrays) {
      bytes += a.size() * a.getDataType().getNumOfBytes();
    }
    return new LiveArrays(arrays.size(), bytes);
  }

  /** A count of live native arrays and their bytes: flat over forks when nothing leaks. */
  record LiveArrays(int count, long bytes) {}

  @Override
  public void close() {
    optimizer.clear();
    manager.close();
  }
}
