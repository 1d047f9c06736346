package dev.coxswain.trainer;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code load_checkpoint} onto a new branch, whoever owns the loop: the checkpoint found (or the
 * ones there are named), the branch named (or the next free {@code b<n>}), the state restored by
 * the loop's own restore, the new branch announced. The run's branch names are known here.
 */
final class Forks {
  /** Restores the run's state from a checkpoint; changes nothing when it throws. */
  interface Restore {
    void apply(CheckpointMeta m) throws IOException;
  }

  private final CheckpointStore store;
  private final RunPosition position;
  private final TrainerEvents events;
  private final Set<String> names = new HashSet<>();

  /** Knows the current branch and every branch the run's checkpoints name. */
  Forks(CheckpointStore store, RunPosition position, TrainerEvents events) throws IOException {
    this.store = store;
    this.position = position;
    this.events = events;
    names.add(position.branch());
    for (CheckpointMeta m : store.list()) {
      names.add(m.branch());
    }
  }

  /**
   * Forks, or says why not.
   *
   * @param check a reason to refuse this checkpoint before anything changes, or empty
   */
  CommandResult fork(
      Command c,
      Action.LoadCheckpoint a,
      long nextStep,
      java.util.function.Function<CheckpointMeta, Optional<String>> check,
      Restore restore)
      throws IOException {
    Optional<CheckpointMeta> found = store.resolve(a.checkpoint());
    if (found.isEmpty()) {
      String available =
          store.list().stream().map(CheckpointMeta::id).collect(Collectors.joining(", "));
      return CommandResult.rejected(
          c,
          nextStep,
          "no checkpoint '"
              + a.checkpoint()
              + "'; available: "
              + (available.isEmpty() ? "none" : available));
    }
    String newBranch = a.branch() != null ? a.branch() : nextName();
    if (names.contains(newBranch)) {
      return CommandResult.rejected(c, nextStep, "branch '" + newBranch + "' already exists");
    }
    CheckpointMeta m = found.get();
    Optional<String> problem = check.apply(m);
    if (problem.isPresent()) {
      return CommandResult.rejected(c, nextStep, problem.get());
    }
    String from = position.branch();
    long fromStep = position.step();
    try {
      restore.apply(m);
    } catch (IOException e) {
      return CommandResult.rejected(c, nextStep, e.getMessage());
    }
    position.setBranch(newBranch);
    names.add(newBranch);
    Payload.Branch b = new Payload.Branch(newBranch, m.id(), from, fromStep, m.step() + 1);
    events.emit(b);
    return CommandResult.applied(c, m.step() + 1, Payloads.encode(b));
  }

  private String nextName() {
    int n = names.size();
    while (names.contains("b" + n)) {
      n++;
    }
    return "b" + n;
  }
}
