package dev.coxswain.trainer;

import ai.djl.Device;
import dev.coxswain.protocol.Goal;
import dev.coxswain.protocol.Knob;
import java.util.ArrayList;
import java.util.List;

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
