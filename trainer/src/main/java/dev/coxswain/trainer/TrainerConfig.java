package dev.coxswain.trainer;

import ai.djl.Device;
import dev.coxswain.protocol.Goal;
import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.optim.OptimizerChoice;
import dev.coxswain.trainer.optim.ParamGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** How a run is driven: length, seed, cadences, health thresholds and the knobs it starts with. */
public final class TrainerConfig {
  private final String runId;
  private final long maxSteps;
  private final long seed;
  private final double lr;
  private final int evalEvery;
  private final int checkpointEvery;
  private final int keepCheckpoints;
  private final double spikeFactor;
  private final int spikeWindow;
  private final boolean checkpointAtEnd;
  private final int updateRatioEvery;
  private final List<Knob> knobOverrides;
  private final Goal goal;
  private final Device device;
  private final OptimizerChoice optimizer;
  private final List<ParamGroup> paramGroups;
  private final int accumulate;
  private final int readEvery;

  private TrainerConfig(Builder b) {
    this.runId = b.runId;
    this.maxSteps = b.maxSteps;
    this.seed = b.seed;
    this.lr = b.lr;
    this.evalEvery = b.evalEvery;
    this.checkpointEvery = b.checkpointEvery;
    this.keepCheckpoints = b.keepCheckpoints;
    this.spikeFactor = b.spikeFactor;
    this.spikeWindow = b.spikeWindow;
    this.checkpointAtEnd = b.checkpointAtEnd;
    this.updateRatioEvery = b.updateRatioEvery;
    this.knobOverrides = List.copyOf(b.knobOverrides);
    this.goal = b.goal;
    this.device = b.device;
    this.optimizer = b.optimizer;
    this.paramGroups = List.copyOf(b.paramGroups);
    this.accumulate = b.accumulate;
    this.readEvery = b.readEvery;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String runId() {
    return runId;
  }

  public long maxSteps() {
    return maxSteps;
  }

  public long seed() {
    return seed;
  }

  public double lr() {
    return lr;
  }

  public int evalEvery() {
    return evalEvery;
  }

  public int checkpointEvery() {
    return checkpointEvery;
  }

  public int keepCheckpoints() {
    return keepCheckpoints;
  }

  public double spikeFactor() {
    return spikeFactor;
  }

  public int spikeWindow() {
    return spikeWindow;
  }

  public boolean checkpointAtEnd() {
    return checkpointAtEnd;
  }

  public int updateRatioEvery() {
    return updateRatioEvery;
  }

  public List<Knob> knobOverrides() {
    return knobOverrides;
  }

  /** The goal the run starts with, or null (a {@code set_goal} command can declare one later). */
  public Goal goal() {
    return goal;
  }

  /** The device the model's arrays live on, or null for DJL's default (a GPU when it has one). */
  public Device device() {
    return device;
  }

  /** The optimizer and its fixed settings (AdamW by default). */
  public OptimizerChoice optimizer() {
    return optimizer;
  }

  /** The parameter groups, each with its learning-rate multiplier knob; none by default. */
  public List<ParamGroup> paramGroups() {
    return paramGroups;
  }

  /** Micro-batches each step's batch is split into, their gradients summed (1: no accumulation). */
  public int accumulate() {
    return accumulate;
  }

  /**
   * How many steps' figures may wait on the device before the host reads them, in one read (1: each
   * step's as soon as it ran). A command, a pause, an evaluation, a checkpoint and the end read
   * them at once whatever this is.
   */
  public int readEvery() {
    return readEvery;
  }

  /** Builds a {@link TrainerConfig}; every setting has a sensible default. */
  public static final class Builder {
    private String runId = "run";
    private long maxSteps = 1000;
    private long seed = 42;
    private double lr = 1e-3;
    private int evalEvery = 100;
    private int checkpointEvery = 500;
    private int keepCheckpoints = 3;
    private double spikeFactor = 2.0;
    private int spikeWindow = 100;
    private boolean checkpointAtEnd = true;
    private int updateRatioEvery = 10;
    private final List<Knob> knobOverrides = new ArrayList<>();
    private Goal goal;
    private Device device;
    private OptimizerChoice optimizer = OptimizerChoice.DEFAULT;
    private final List<ParamGroup> paramGroups = new ArrayList<>();
    private int accumulate = 1;
    private int readEvery = 1;

    public Builder optRunId(String runId) {
      if (runId == null || !runId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
        throw new IllegalArgumentException(
            "run id must be 1-64 letters, digits, '.', '-' or '_': " + runId);
      }
      this.runId = runId;
      return this;
    }

    public Builder optMaxSteps(long maxSteps) {
      if (maxSteps < 0 || maxSteps > dev.coxswain.protocol.Steps.MAX) {
        throw new IllegalArgumentException(
            "max steps must be from 0 to " + dev.coxswain.protocol.Steps.MAX + ", got " + maxSteps);
      }
      this.maxSteps = maxSteps;
      return this;
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The starting learning rate. */
    public Builder optLr(double lr) {
      if (!(lr >= 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + lr);
      }
      this.lr = lr;
      return this;
    }

    /** Evaluate every this many steps; 0 turns periodic evaluation off. */
    public Builder optEvalEvery(int steps) {
      this.evalEvery = nonNegative("eval every", steps);
      return this;
    }

    /** Checkpoint every this many steps; 0 turns periodic checkpoints off. */
    public Builder optCheckpointEvery(int steps) {
      this.checkpointEvery = nonNegative("checkpoint every", steps);
      return this;
    }

    /** How many periodic checkpoints to keep per branch (manual ones are always kept). */
    public Builder optKeepCheckpoints(int keep) {
      if (keep < 1) {
        throw new IllegalArgumentException("keep checkpoints must be >= 1, got " + keep);
      }
      this.keepCheckpoints = keep;
      return this;
    }

    /** A loss above factor x the mean of the last window losses is reported as a spike. */
    public Builder optSpike(double factor, int window) {
      if (!(factor > 1) || window < 2) {
        throw new IllegalArgumentException("spike factor must be > 1 and window >= 2");
      }
      this.spikeFactor = factor;
      this.spikeWindow = window;
      return this;
    }

    /**
     * Measure the update/parameter ratio on step 1 and every this many steps (it costs about four
     * native calls per parameter); 0 never. Other steps publish it as null.
     */
    public Builder optUpdateRatioEvery(int steps) {
      this.updateRatioEvery = nonNegative("update ratio every", steps);
      return this;
    }

    public Builder optCheckpointAtEnd(boolean value) {
      this.checkpointAtEnd = value;
      return this;
    }

    /** Registers a knob or replaces a default one (e.g. to change its bounds or start value). */
    public Builder optKnob(Knob knob) {
      this.knobOverrides.add(knob);
      return this;
    }

    /**
     * What the run is for; the trainer checks it against the workload's metrics when it starts and
     * refuses a metric it does not report or a deadline beyond the last step.
     */
    public Builder optGoal(Goal goal) {
      this.goal = goal;
      return this;
    }

    /** Where the model, its optimizer state and every batch live (see {@code device.RunDevice}). */
    public Builder optDevice(Device device) {
      this.device = device;
      return this;
    }

    /** The optimizer (default AdamW). */
    public Builder optOptimizer(OptimizerChoice choice) {
      this.optimizer = Objects.requireNonNull(choice, "optimizer");
      return this;
    }

    /**
     * Adds a parameter group: its parameters train at {@code lr} times its {@code lr_mult.<name>}
     * knob. The trainer resolves the patterns against the model when it is built and refuses one
     * that matches nothing or a parameter another group took.
     */
    public Builder optParamGroup(ParamGroup group) {
      this.paramGroups.add(Objects.requireNonNull(group, "param group"));
      return this;
    }

    /**
     * Splits each step's batch into this many micro-batches (along its first axis, as evenly as it
     * goes) and sums their gradients, each weighted by its share of the batch: the step learns what
     * the whole batch would teach it, with the activations of one micro-batch in memory at a time.
     * A step whose batch has fewer rows fails.
     */
    public Builder optAccumulate(int microBatches) {
      if (microBatches < 1) {
        throw new IllegalArgumentException(
            "accumulate must be >= 1 (micro-batches per step), got " + microBatches);
      }
      this.accumulate = microBatches;
      return this;
    }

    /**
     * Read the steps' figures (loss, gradient norm, clip scale, skipped) back to the host every
     * this many steps, in one read; every step's figures are still published, in order. Above 1, or
     * on a GPU, the device decides clipping and skipping and nothing is read until the batch is; a
     * skipped step is then taken back from the optimizer's count at the read, so AdamW's steps
     * between it and the read run with t one too high. 1 (the default) on the CPU: the host reads
     * each step's loss and norm mid-step and decides, which waits for nothing there (DJL's CPU ops
     * are done when they return) and spares the device path's copies.
     */
    public Builder optReadEvery(int steps) {
      if (steps < 1) {
        throw new IllegalArgumentException(
            "read every must be >= 1 (steps whose figures are read back together), got " + steps);
      }
      this.readEvery = steps;
      return this;
    }

    public TrainerConfig build() {
      return new TrainerConfig(this);
    }

    private static int nonNegative(String what, int v) {
      if (v < 0) {
        throw new IllegalArgumentException(what + " must be >= 0, got " + v);
      }
      return v;
    }
  }
}
