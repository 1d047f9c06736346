package dev.coxswain.trainer.loop;

/** What a loop of its own sees of Coxswain: where it is, its knobs, and the control point. */
public interface Steer {
  /**
   * The step to train now, from 1; after a {@code load_checkpoint} the step after the one loaded.
   */
  long step();

  /** The run's seed: with the step, all a replayable loop's randomness should come from. */
  long seed();

  /** A registered knob's value now. */
  double knob(String name);

  /** The branch the run is on. */
  String branch();

  /**
   * The control point, after step {@link #step()}: publishes its figures, applies queued commands
   * (a knob's setter, an action's handler, a checkpoint, a load that moves {@link #step()} back),
   * holds here while paused (still taking commands), runs a requested or scheduled evaluation.
   *
   * @return true to train the next step; false at a stop or the last step
   */
  boolean boundary(StepFigures done) throws InterruptedException;
}
