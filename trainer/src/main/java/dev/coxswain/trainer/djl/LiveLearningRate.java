package dev.coxswain.trainer.djl;

import ai.djl.training.tracker.Tracker;

/**
 * A learning-rate {@link Tracker} whose value is a live knob: the knob's setter writes it at the
 * control point, the optimizer reads it at every update (once per parameter; the value changes only
 * between steps, so one step sees one learning rate).
 */
final class LiveLearningRate implements Tracker {
  private volatile double value;
  private volatile long reads;

  LiveLearningRate(double initial) {
    this.value = initial;
  }

  /** The knob's setter. */
  void set(double v) {
    value = v;
  }

  double value() {
    return value;
  }

  /**
   * How many times an optimizer asked for the value: none means it was never given this tracker.
   */
  long reads() {
    return reads;
  }

  @Override
  public float getNewValue(int numUpdate) {
    reads++;
    return (float) value;
  }
}
