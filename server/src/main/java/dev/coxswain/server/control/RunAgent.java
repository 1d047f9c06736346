package dev.coxswain.server.control;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.protocol.Event;
import dev.coxswain.run.RunStore;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * A run's agent at the control plane: built on the run's replica, it reaches the trainer only
 * through the run's gateway. A new trainer process for the run (a resume) gets a new agent, as a
 * resumed all-in-one run does; its budget continues from the journal.
 */
final class RunAgent {
  private final RunStore store;
  private final BusGateway gateway;
  private final AgentSettings settings;
  private Supervisor supervisor;
  private Consumer<Event> listener;

  /**
   * @param settings the agent to run, or null for none
   */
  RunAgent(RunStore store, BusGateway gateway, AgentSettings settings) {
    this.store = store;
    this.gateway = gateway;
    this.settings = settings;
  }

  /** Starts the agent afresh (closing the one before), if the run has one. */
  void restart() throws IOException {
    close();
    if (settings == null) {
      return;
    }
    Supervisor sup = settings.build(store.dir(), gateway);
    supervisor = sup;
    listener = sup::accept;
    // what the log says of its cadence, policy and words (a resumed run's agent), then every
    // event the replica appends from now on, caught up or live
    store.addListener(listener, sup::restore);
  }

  /** The running agent, or null. */
  Supervisor supervisor() {
    return supervisor;
  }

  void close() {
    if (supervisor != null) {
      store.removeListener(listener);
      supervisor.close();
      supervisor = null;
      listener = null;
    }
  }
}
