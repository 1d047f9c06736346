package dev.coxswain.trainer;

import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.command.DataCommands;
import dev.coxswain.trainer.control.ControlPoint;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.metric.StepProfile;
import dev.coxswain.trainer.metric.StepProfile.Phase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The loop of {@link InteractiveTrainer}: tells the listeners training begins; drains the control
 * point, trains a step, tells the listeners; until a stop or the last step; tells them it ended.
 * The steps' figures are read back every {@code read_every} steps, and before anything that needs
 * them: a command, a pause, a stop, a follower held at the gate, an evaluation or checkpoint due,
 * the last step.
 */
final class StepLoop {
  private final TrainerConfig config;
  private final StepGate gate;
  private final ControlPoint controlPoint;
  private final CommandHandlers handlers;
  private final RunPosition position;
  private final Knobs knobs;
  private final DataCommands dataCommands;
  private final Learner learner;
  private final StepReadback readback;
  private final List<TrainingListener> publishers;
  private final List<TrainingListener> periodic;
  private final StepProfile profile;

  /** The parts the loop drives; {@code publishers} are told first, then {@code periodic}. */
  record Parts(
      TrainerConfig config,
      StepGate gate,
      ControlPoint controlPoint,
      CommandHandlers handlers,
      RunPosition position,
      Knobs knobs,
      DataCommands dataCommands,
      Learner learner,
      List<TrainingListener> publishers,
      List<TrainingListener> periodic,
      StepProfile profile) {}

  StepLoop(Parts p) {
    this.config = p.config();
    this.gate = p.gate();
    this.controlPoint = p.controlPoint();
    this.handlers = p.handlers();
    this.position = p.position();
    this.knobs = p.knobs();
    this.dataCommands = p.dataCommands();
    this.learner = p.learner();
    this.readback = new StepReadback(config.readEvery(), learner);
    this.publishers = p.publishers();
    this.periodic = p.periodic();
    this.profile = p.profile();
  }

  /** Trains until a stop or the last step; returns {@code "stopped"} or {@code "finished"}. */
  String run() throws InterruptedException, IOException {
    for (TrainingListener l : all()) {
      l.onTrainingBegin();
    }
    String end = steps();
    for (TrainingListener l : all()) {
      l.onTrainingEnd();
    }
    return end;
  }

  private List<TrainingListener> all() {
    List<TrainingListener> all = new ArrayList<>(publishers);
    all.addAll(periodic);
    return all;
  }

  private String steps() throws InterruptedException, IOException {
    long last = System.nanoTime();
    while (true) {
      profile.begin();
      if (gate != StepGate.OPEN
          || controlPoint.hasQueued()
          || controlPoint.isPaused()
          || controlPoint.isStopRequested()) {
        publish(); // a follower held at the gate takes in every step trained so far
      }
      gate.hold(position.step()); // the follower has taken in the steps so far
      boolean stop = controlPoint.boundary(this::nextStepForCommand, handlers::dispatch, () -> {});
      profile.lap(Phase.CONTROL);
      long ran = position.step() + readback.waiting();
      if (stop || ran >= config.maxSteps()) {
        publish();
        return stop ? "stopped" : "finished";
      }
      long s = ran + 1;
      dataCommands.beforeStep(s);
      readback.add(learner.step(s, knobs.snapshot())); // one set of knob values for the step
      if (readback.full() || due(s)) {
        publish();
      }
      long now = System.nanoTime();
      profile.endStep(now - last);
      last = now;
    }
  }

  /** Drops the steps not read back yet (the trainer closes). */
  void discard() {
    readback.discard();
  }

  // a command that arrived after the check above still sees every step read
  private long nextStepForCommand() {
    try {
      publish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return position.step() + 1;
  }

  // an evaluation or a checkpoint at step s, or the last step: they act on what s left
  private boolean due(long s) {
    return s >= config.maxSteps()
        || (config.evalEvery() > 0 && s % config.evalEvery() == 0)
        || (config.checkpointEvery() > 0 && s % config.checkpointEvery() == 0);
  }

  /** Reads the waiting steps back and tells the listeners of each, in order. */
  private void publish() throws IOException {
    for (StepResult r : readback.read()) {
      position.setStep(r.step()); // events carry the step they speak of
      tell(publishers, r);
      profile.lap(Phase.PUBLISH);
      tell(periodic, r);
      profile.lap(Phase.OTHER);
    }
  }

  private static void tell(List<TrainingListener> listeners, StepResult r) throws IOException {
    for (TrainingListener l : listeners) {
      l.afterStep(r);
    }
  }
}
