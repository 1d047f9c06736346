package dev.coxswain.trainer.command;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.trainer.data.BatchSource;
import dev.coxswain.trainer.data.MixableSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code set_data_mixture} and {@code reload_data}, for a workload whose data is a {@link
 * MixableSource}. A mixture applies from the next step. A reload reads and checks every file when
 * the command arrives (so a bad path or a missing file is refused at once, nothing changed) and
 * swaps the data in at the end of the current epoch, or at the next step with {@code now}; either
 * way a {@code data} event then names what was loaded, with the content hashes. A reload still
 * waiting is part of every checkpoint ({@link #pendingState}), so a run resumed before its epoch's
 * end swaps it in at the same step ({@link #restorePending}).
 */
public final class DataCommands {
  private final BatchSource data;
  private final Consumer<Payload> emit;
  private MixableSource.Reload pending;
  private long pendingFrom = -1;
  private String pendingCommand;
  private List<Action.DataSource> pendingSources;

  public DataCommands(BatchSource data, Consumer<Payload> emit) {
    this.data = data;
    this.emit = emit;
  }

  public void registerWith(CommandHandlers handlers) {
    handlers.register(Action.SetDataMixture.class, this::mix);
    handlers.register(Action.ReloadData.class, this::reload);
  }

  private static final String NOT_MIXABLE =
      "this workload's data has no named sources (a mixture: data.sources in the run's YAML)";

  private CommandResult mix(Command c, Action.SetDataMixture a, long next) {
    if (!(data instanceof MixableSource m)) {
      return CommandResult.rejected(c, next, NOT_MIXABLE);
    }
    String problem = m.checkWeights(a.weights());
    if (problem != null) {
      return CommandResult.rejected(c, next, problem);
    }
    Map<String, Double> before = m.weights();
    m.setWeights(a.weights());
    emit.accept(new Payload.Data("mixture", next, m.weights(), before, null, null, null));
    return CommandResult.applied(c, next, Map.of("weights", m.weights()));
  }

  private CommandResult reload(Command c, Action.ReloadData a, long next) {
    if (!(data instanceof MixableSource m)) {
      return CommandResult.rejected(c, next, NOT_MIXABLE);
    }
    MixableSource.Reload r;
    try {
      r = m.prepare(a.sources());
    } catch (IllegalArgumentException e) {
      return CommandResult.rejected(c, next, e.getMessage());
    } catch (IOException e) {
      return CommandResult.failed(c, next, "could not read the data: " + e.getMessage());
    }
    Map<String, Object> detail = new LinkedHashMap<>(r.describe());
    if (pending != null) {
      detail.put("replaces", pendingCommand);
    }
    if (a.now()) {
      pending = null;
      swap(m, r, next, c.id());
      detail.put("from_step", next);
      return CommandResult.applied(c, next, detail);
    }
    pending = r;
    pendingFrom = m.epochEnd(next) + 1;
    pendingCommand = c.id();
    pendingSources = a.sources();
    detail.put("from_step", pendingFrom);
    detail.put("waits_for", "the end of the epoch at step " + (pendingFrom - 1));
    return CommandResult.applied(c, next, detail);
  }

  /**
   * The reload waiting for its epoch's end, as a checkpoint keeps it: the command, the step it
   * swaps in at, what it asked for and what it read (files and hashes). Empty when none waits.
   */
  public Optional<String> pendingState() {
    if (pending == null) {
      return Optional.empty();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("command_id", pendingCommand);
    m.put("from_step", pendingFrom);
    m.put("sources", pendingSources.stream().map(Json::toMap).toList());
    m.put("loaded", pending.describe());
    return Optional.of(Json.write(m));
  }

  /**
   * Puts back a waiting reload that a checkpoint kept ({@link #pendingState}): reads its files
   * again and checks that they are what it read then, as a checkpoint's own data is checked.
   *
   * @throws IOException when a file is missing or its content changed since, or the state is not
   *     one this class wrote
   */
  public void restorePending(String state) throws IOException {
    if (!(data instanceof MixableSource m)) {
      throw new IOException("a reload is pending in the checkpoint, but this data cannot reload");
    }
    Map<?, ?> saved = Json.read(state, Map.class);
    List<Action.DataSource> sources = new ArrayList<>();
    if (!(saved.get("sources") instanceof List<?> list)
        || !(saved.get("from_step") instanceof Number from)) {
      throw new IOException("the checkpoint's pending reload is not readable: " + state);
    }
    for (Object o : list) {
      sources.add(Json.mapper().convertValue(o, Action.DataSource.class));
    }
    MixableSource.Reload r;
    try {
      r = m.prepare(sources);
    } catch (IllegalArgumentException e) {
      throw new IOException("the checkpoint's pending reload: " + e.getMessage(), e);
    }
    Object now = Json.read(Json.write(r.describe()), Map.class);
    if (!now.equals(saved.get("loaded"))) {
      throw new IOException(
          "the data of the reload pending in the checkpoint changed since it was read: "
              + saved.get("loaded")
              + " then, "
              + now
              + " now");
    }
    pending = r;
    pendingFrom = from.longValue();
    pendingCommand = saved.get("command_id") == null ? null : saved.get("command_id").toString();
    pendingSources = List.copyOf(sources);
  }

  /** At the start of a run: a {@code data} event with the sources and weights, for late readers. */
  public void announce(long step) {
    if (data instanceof MixableSource m) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("change", "start");
      e.put("from_step", step + 1);
      e.put("weights", m.weights());
      e.put("sources", m.describe().get("sources"));
      // the data layer describes its sources as JSON: read once into the record here
      emit.accept(Payloads.decode(EventType.DATA, e));
    }
  }

  /** Called before each step: swaps a waiting reload in when its epoch has ended. */
  public void beforeStep(long step) {
    if (pending != null && step >= pendingFrom && data instanceof MixableSource m) {
      MixableSource.Reload r = pending;
      pending = null;
      swap(m, r, step, pendingCommand);
    }
  }

  private void swap(MixableSource m, MixableSource.Reload r, long from, String commandId) {
    Map<String, Object> e = new LinkedHashMap<>(m.apply(r));
    e.put("change", "reload");
    e.put("from_step", from);
    e.put("command_id", commandId);
    emit.accept(Payloads.decode(EventType.DATA, e));
  }
}
