package dev.coxswain.trainer;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.command.DataCommands;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.data.MixableSource;
import dev.coxswain.trainer.goal.GoalTracker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** The run's branches: forks from a checkpoint ({@code load_checkpoint}), resume, restore. */
final class Branches {
  private final CheckpointStore store;
  private final Workload workload;
  private final Learner learner;
  private final Knobs knobs;
  private final RunPosition position;
  private final TrainerEvents events;
  private final List<TrainingListener> listeners;
  private final Forks forks;

  /**
   * Knows the current branch and every branch the run's checkpoints name.
   *
   * @param listeners told of every restore
   */
  Branches(
      CheckpointStore store,
      Workload workload,
      Learner learner,
      Knobs knobs,
      RunPosition position,
      TrainerEvents events,
      List<TrainingListener> listeners)
      throws IOException {
    this.store = store;
    this.workload = workload;
    this.learner = learner;
    this.knobs = knobs;
    this.position = position;
    this.events = events;
    this.listeners = listeners;
    this.forks = new Forks(store, position, events);
  }

  void registerWith(CommandHandlers handlers) {
    handlers.register(Action.LoadCheckpoint.class, this::fork);
  }

  /**
   * Continues from a checkpoint (id, tag or {@code latest}) on its own branch, with the goal and a
   * waiting reload it kept.
   *
   * @throws IOException when it is missing, corrupt or does not fit the model
   */
  void resume(String ref, GoalTracker goals, DataCommands data) throws IOException {
    CheckpointMeta m =
        store
            .resolve(ref)
            .orElseThrow(() -> new IOException("no checkpoint '" + ref + "' in " + store.root()));
    restore(m);
    position.setBranch(m.branch());
    if (m.files().containsKey(Checkpointer.GOAL_PART)) {
      goals.restore(read(m, Checkpointer.GOAL_PART));
    }
    if (m.files().containsKey(Checkpointer.RELOAD_PART)) {
      data.restorePending(read(m, Checkpointer.RELOAD_PART));
    }
  }

  private String read(CheckpointMeta m, String part) throws IOException {
    try (InputStream in = store.open(m, part)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  // restore reads and verifies everything before it changes anything
  private CommandResult fork(Command c, Action.LoadCheckpoint a, long nextStep) throws IOException {
    return forks.fork(c, a, nextStep, m -> Optional.empty(), this::restore);
  }

  /**
   * Loads parameters, optimizer state, knobs and position from a checkpoint. All files are read and
   * verified before anything changes; if loading the parameters still fails, the previous
   * parameters are put back.
   */
  private void restore(CheckpointMeta m) throws IOException {
    byte[] params;
    byte[] opt;
    try (InputStream in = store.open(m, Learner.PARAMS_PART)) {
      params = in.readAllBytes();
    }
    try (InputStream in = store.open(m, Learner.OPTIMIZER_PART)) {
      opt = in.readAllBytes();
    }
    if (workload.data() instanceof MixableSource mixed) {
      // the sources and weights in force at that step; reads and checks every file first
      mixed.restore(m.data());
    }
    learner.load(params, opt, m.id());
    knobs.restore(m.knobs());
    learner.tree().restoreSettableValues(m.modules());
    position.setStep(m.step());
    for (TrainingListener l : listeners) {
      l.onRestore(m);
    }
  }
}
