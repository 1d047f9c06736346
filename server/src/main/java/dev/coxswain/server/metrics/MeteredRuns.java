package dev.coxswain.server.metrics;

import dev.coxswain.agent.Supervisor;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Keeps a {@link RunMeters} and an {@link AgentMeters} for each store of a {@link RunRegistry}: a
 * store that comes in gets them, one that leaves (or is replaced, as a run found on disk is by its
 * replica when its trainer joins) loses them.
 */
final class MeteredRuns implements RunRegistry.Watcher {
  private record Bound(RunStore store, RunMeters run, AgentMeters agent) {
    void close() {
      run.close();
      agent.close();
    }
  }

  private final MeterRegistry registry;
  private final RunRegistry runs;
  private final Function<String, Supervisor> agents;
  private final Map<String, Bound> bound = new HashMap<>();

  MeteredRuns(MeterRegistry registry, RunRegistry runs, Function<String, Supervisor> agents) {
    this.registry = registry;
    this.runs = runs;
    this.agents = agents;
  }

  @Override
  public synchronized void added(RunStore store) {
    String id = store.runId();
    Bound old = bound.get(id);
    if (old != null && old.store() == store) {
      return; // told twice
    }
    if (old != null) {
      old.close();
    }
    AgentMeters agent = new AgentMeters(registry, id, agents);
    RunMeters run = new RunMeters(registry, store, () -> runs.lost(id), agent::offer);
    bound.put(id, new Bound(store, run, agent));
    run.start();
    agent.offer();
  }

  @Override
  public synchronized void removed(RunStore store) {
    Bound b = bound.get(store.runId());
    if (b != null && b.store() == store) {
      bound.remove(store.runId());
      b.close();
    }
  }
}
