package dev.coxswain.trainer.metric;

/**
 * Where a training step's time goes: the wall time of each phase of the last {@link #CAPACITY}
 * steps, from {@link System#nanoTime} laps taken on the training thread (on the CPU engine every
 * native call runs to completion before it returns, so a lap is the phase's real cost). Nothing is
 * allocated per step. Written by the training thread only; read it once the run has ended.
 */
public final class StepProfile {
  /** The parts of a step, in the order a step runs them. */
  public enum Phase {
    CONTROL("control point (commands between steps)"),
    SEED("reseed the engine"),
    DATA("batch"),
    FORWARD("forward + loss"),
    BACKWARD("backward"),
    NORM("gradients, global norm, loss: host read"),
    UPDATE("optimizer update"),
    ZERO("zero gradients, free the step's arrays"),
    PUBLISH("metrics, health, emit"),
    OTHER("evaluation, checkpoint, the rest");

    private final String description;

    Phase(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  /** Steps kept; older ones are overwritten. */
  public static final int CAPACITY = 4096;

  private static final int PHASES = Phase.values().length;
  private final long[][] nanos = new long[PHASES][CAPACITY];
  private final long[] wall = new long[CAPACITY];
  private final long[] current = new long[PHASES];
  private long steps;
  private long mark;

  /** Starts timing a step's first phase now. */
  public void begin() {
    mark = System.nanoTime();
  }

  /** Charges the time since the last lap (or {@link #begin}) to {@code phase}. */
  public void lap(Phase phase) {
    long now = System.nanoTime();
    current[phase.ordinal()] += now - mark;
    mark = now;
  }

  /**
   * Closes a step.
   *
   * @param wallNanos the whole step, boundary to boundary
   */
  public void endStep(long wallNanos) {
    int i = (int) (steps % CAPACITY);
    for (int p = 0; p < PHASES; p++) {
      nanos[p][i] = current[p];
      current[p] = 0;
    }
    wall[i] = wallNanos;
    steps++;
  }

  /** Steps recorded so far. */
  public long steps() {
    return steps;
  }

  /** Ms per step of {@code phase}, for the kept steps, oldest first. */
  public double[] ms(Phase phase) {
    return kept(nanos[phase.ordinal()]);
  }

  /** Wall ms per step (boundary to boundary), for the kept steps, oldest first. */
  public double[] wallMs() {
    return kept(wall);
  }

  private double[] kept(long[] ring) {
    long first = Math.max(0, steps - CAPACITY);
    int n = (int) (steps - first);
    double[] out = new double[n];
    for (int j = 0; j < n; j++) {
      out[j] = ring[(int) ((first + j) % CAPACITY)] / 1e6;
    }
    return out;
  }
}
