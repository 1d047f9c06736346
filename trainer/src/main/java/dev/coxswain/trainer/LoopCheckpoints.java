package dev.coxswain.trainer;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.loop.StatePart;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A loop of its own's checkpoints: the state parts it registered and its knobs' values; {@code
 * save_checkpoint}, {@code load_checkpoint} onto a new branch, and resume.
 */
final class LoopCheckpoints {
  private final CheckpointStore store;
  private final OwnLoop loop;
  private final Knobs knobs;
  private final RunPosition position;
  private final TrainerEvents events;
  private final TrainerConfig config;
  private final Forks forks;
  private volatile Double lastLoss;

  LoopCheckpoints(
      CheckpointStore store,
      OwnLoop loop,
      Knobs knobs,
      RunPosition position,
      TrainerEvents events,
      TrainerConfig config)
      throws IOException {
    this.store = store;
    this.loop = loop;
    this.knobs = knobs;
    this.position = position;
    this.events = events;
    this.config = config;
    this.forks = new Forks(store, position, events);
  }

  void registerWith(CommandHandlers handlers) {
    handlers
        .register(Action.SaveCheckpoint.class, this::saveCommand)
        .register(Action.LoadCheckpoint.class, this::fork);
  }

  void lastLoss(Double loss) {
    lastLoss = loss;
  }

  private CommandResult saveCommand(Command c, Action.SaveCheckpoint a, long nextStep)
      throws IOException {
    if (position.step() == 0) {
      return CommandResult.rejected(c, nextStep, "nothing to save before the first step");
    }
    CheckpointMeta m = save(a.tag(), false);
    return CommandResult.applied(c, m.step(), Map.of("checkpoint", m.id()));
  }

  /** Saves every state part and the knobs' values, and says so in a {@code checkpoint} event. */
  CheckpointMeta save(String tag, boolean periodic) throws IOException {
    String branch = position.branch();
    long step = position.step();
    CheckpointMeta meta =
        new CheckpointMeta(
            branch + "/" + step,
            branch,
            step,
            tag,
            periodic,
            knobs.snapshot().values(),
            0,
            config.seed(),
            step + 1,
            Map.of("loop", loop.name()),
            lastLoss,
            null,
            Instant.now(),
            null);
    Map<String, CheckpointStore.Part> parts = new LinkedHashMap<>();
    loop.state().forEach((name, part) -> parts.put(name, part::save));
    CheckpointMeta saved = store.save(meta, parts);
    List<String> pruned = periodic ? store.prune(branch, config.keepCheckpoints()) : List.of();
    events.emit(new Payload.Checkpoint(saved.id(), saved.tag(), saved.periodic(), pruned));
    return saved;
  }

  private CommandResult fork(Command c, Action.LoadCheckpoint a, long nextStep) throws IOException {
    return forks.fork(c, a, nextStep, this::knobMismatch, this::restore);
  }

  /**
   * Continues from a checkpoint on its branch.
   *
   * @param ignoreKnobMismatch go on when the checkpoint's knobs are not the run's (those it lacks
   *     keep their defaults, those the run no longer has are dropped)
   * @throws IOException when it is missing, corrupt, does not fit, or its knobs differ
   */
  void resume(String ref, boolean ignoreKnobMismatch) throws IOException {
    CheckpointMeta m =
        store
            .resolve(ref)
            .orElseThrow(() -> new IOException("no checkpoint '" + ref + "' in " + store.root()));
    Optional<String> mismatch = knobMismatch(m);
    if (mismatch.isPresent() && !ignoreKnobMismatch) {
      throw new IOException(
          mismatch.get() + "; to go on without them, resume with the knob mismatch allowed");
    }
    restore(m);
    position.setBranch(m.branch());
  }

  private Optional<String> knobMismatch(CheckpointMeta m) {
    Set<String> held = new TreeSet<>(m.knobs().keySet());
    Set<String> registered = new TreeSet<>(knobs.snapshot().values().keySet());
    Set<String> gone = new TreeSet<>(held);
    gone.removeAll(registered);
    Set<String> missing = new TreeSet<>(registered);
    missing.removeAll(held);
    if (gone.isEmpty() && missing.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "checkpoint "
            + m.id()
            + (gone.isEmpty() ? "" : " holds knobs this run does not register: " + gone)
            + (gone.isEmpty() || missing.isEmpty() ? "" : ", and")
            + (missing.isEmpty() ? "" : " lacks knobs this run registers: " + missing));
  }

  // every part is read before any state changes; if one does not restore (or the knobs do not),
  // the parts already restored are put back as they were: a refused load changes nothing
  private void restore(CheckpointMeta m) throws IOException {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    for (String name : loop.state().keySet()) {
      if (!m.files().containsKey(name)) {
        throw new IOException("checkpoint " + m.id() + " has no state part '" + name + "'");
      }
      try (InputStream in = store.open(m, name)) {
        bytes.put(name, in.readAllBytes());
      }
    }
    Map<String, byte[]> before = new LinkedHashMap<>();
    for (Map.Entry<String, StatePart> e : loop.state().entrySet()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      e.getValue().save(out);
      before.put(e.getKey(), out.toByteArray());
    }
    List<String> restored = new ArrayList<>();
    try {
      for (Map.Entry<String, StatePart> e : loop.state().entrySet()) {
        e.getValue().restore(new ByteArrayInputStream(bytes.get(e.getKey())));
        restored.add(e.getKey()); // a part whose restore throws has left itself as it was
      }
      Optional<String> bad = knobs.restore(m.knobs());
      if (bad.isPresent()) {
        throw new IOException(bad.get());
      }
    } catch (IOException | RuntimeException e) {
      for (String name : restored) {
        loop.state().get(name).restore(new ByteArrayInputStream(before.get(name)));
      }
      throw new IOException(
          "checkpoint " + m.id() + " not loaded, nothing changed: " + e.getMessage(), e);
    }
    position.setStep(m.step());
    lastLoss = m.loss();
  }
}
