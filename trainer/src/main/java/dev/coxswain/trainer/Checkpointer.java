package dev.coxswain.trainer;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.command.DataCommands;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.goal.GoalTracker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Writes the run's checkpoints: periodic ones, {@code save_checkpoint}, the best, the last. */
final class Checkpointer implements TrainingListener {
  /** The run's goal and its progress. */
  static final String GOAL_PART = "goal.json";

  /** A reload waiting for its epoch's end when the checkpoint was made. */
  static final String RELOAD_PART = "pending-reload.json";

  private final CheckpointStore store;
  private final TrainerConfig config;
  private final Workload workload;
  private final RunPosition position;
  private final Knobs knobs;
  private final Learner learner;
  private final GoalTracker goals;
  private final DataCommands data;
  private final HealthWatch health;
  private final TrainerEvents events;

  /** Everything a checkpoint holds comes from these; it changes none of them. */
  Checkpointer(
      CheckpointStore store,
      TrainerConfig config,
      Workload workload,
      RunPosition position,
      Knobs knobs,
      Learner learner,
      GoalTracker goals,
      DataCommands data,
      HealthWatch health,
      TrainerEvents events) {
    this.store = store;
    this.config = config;
    this.workload = workload;
    this.position = position;
    this.knobs = knobs;
    this.learner = learner;
    this.goals = goals;
    this.data = data;
    this.health = health;
    this.events = events;
  }

  void registerWith(CommandHandlers handlers) {
    handlers.register(Action.SaveCheckpoint.class, this::saveCommand);
  }

  @Override
  public void afterStep(StepResult r) throws IOException {
    if (CheckpointSchedule.due(config, r.step(), !r.finite())) {
      save(null, true);
    }
  }

  /** The last checkpoint, when the run keeps one: retained like the periodic ones. */
  @Override
  public void onTrainingEnd() throws IOException {
    if (config.checkpointAtEnd() && position.step() > 0) {
      save(null, true); // a stop is not a keepsake
    }
  }

  private CommandResult saveCommand(Command c, Action.SaveCheckpoint a, long nextStep)
      throws IOException {
    if (position.step() == 0) {
      return CommandResult.rejected(c, nextStep, "nothing to save before the first step");
    }
    CheckpointMeta m = save(a.tag(), false);
    // the result names the step the checkpoint holds, as its id does (main/146 is "applied at
    // step 146"), not the next step to run: a person reads the two side by side
    return CommandResult.applied(c, m.step(), Map.of("checkpoint", m.id()));
  }

  /**
   * Saves the run as it is now and says so in a {@code checkpoint} event.
   *
   * @param periodic retained like the schedule's: the branch keeps only the newest few
   */
  CheckpointMeta save(String tag, boolean periodic) throws IOException {
    String branch = position.branch();
    long step = position.step();
    double lastLoss = health.lastLoss();
    CheckpointMeta meta =
        new CheckpointMeta(
            branch + "/" + step,
            branch,
            step,
            tag,
            periodic,
            knobs.snapshot().values(),
            learner.optimizerUpdates(),
            config.seed(),
            step + 1,
            workload.data().describe(),
            Double.isFinite(lastLoss) ? lastLoss : null,
            null,
            Instant.now(),
            learner.tree().settableValues());
    CheckpointMeta saved = store.save(meta, parts());
    List<String> pruned = periodic ? store.prune(branch, config.keepCheckpoints()) : List.of();
    events.emit(new Payload.Checkpoint(saved.id(), saved.tag(), saved.periodic(), pruned));
    return saved;
  }

  private Map<String, CheckpointStore.Part> parts() {
    Map<String, CheckpointStore.Part> parts = learner.parts();
    if (goals.goal().isPresent()) {
      parts.put(GOAL_PART, out -> out.write(goals.state().getBytes(StandardCharsets.UTF_8)));
    }
    data.pendingState()
        .ifPresent(
            s -> parts.put(RELOAD_PART, out -> out.write(s.getBytes(StandardCharsets.UTF_8))));
    return parts;
  }

  CheckpointStore store() {
    return store;
  }
}
