package dev.coxswain.server;

import dev.coxswain.agent.Supervisor;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.agent.AgentSettings;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.api.ApiVerticle;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.EventPublisher;
import dev.coxswain.server.notify.Notifier;
import dev.coxswain.server.run.RunHost;
import dev.coxswain.server.run.RunRegistry;
import dev.coxswain.server.run.RunSpec;
import dev.coxswain.server.run.RunStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The all-in-one server: Vert.x, the HTTP API, the hosted run (worker verticle) and notifications.
 * {@link #start} blocks until everything listens; {@link #shutdown} stops the run at a step
 * boundary (which checkpoints), flushes and closes.
 */
public final class CoxswainServer {
  private static final Logger LOG = LoggerFactory.getLogger(CoxswainServer.class);

  private final Vertx vertx;
  private final RunRegistry registry;
  private final ApiVerticle api;
  private final RunStore store;
  private final RunHost host;
  private final Supervisor supervisor;
  private volatile boolean down;

  private CoxswainServer(
      Vertx vertx,
      RunRegistry registry,
      ApiVerticle api,
      RunStore store,
      RunHost host,
      Supervisor supervisor) {
    this.supervisor = supervisor;
    this.vertx = vertx;
    this.registry = registry;
    this.api = api;
    this.store = store;
    this.host = host;
  }

  /**
   * Starts serving and training.
   *
   * @param runsRoot where earlier runs are listed from
   * @param store the run's store (new or reopened)
   * @param spec the run to host
   * @param resumeFrom checkpoint to continue from, or null for a fresh start
   * @param notify notification settings, or null for none
   */
  public static CoxswainServer start(
      ApiOptions options,
      Path runsRoot,
      RunStore store,
      RunSpec spec,
      String resumeFrom,
      Notifier.Options notify)
      throws Exception {
    return start(options, runsRoot, store, spec, resumeFrom, notify, null);
  }

  /** As above, with a supervising agent when {@code agent} is not null. */
  public static CoxswainServer start(
      ApiOptions options,
      Path runsRoot,
      RunStore store,
      RunSpec spec,
      String resumeFrom,
      Notifier.Options notify,
      AgentSettings agent)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      RunRegistry registry = new RunRegistry();
      registry.scan(runsRoot);
      String id = store.runId();
      EventPublisher.attach(store, vertx.eventBus());
      RunHost host = new RunHost(store, spec, resumeFrom);
      registry.add(store, host);
      ApiVerticle api = new ApiVerticle(registry, options);
      await(vertx.deployVerticle(api));
      if (notify != null) {
        await(vertx.deployVerticle(new Notifier(notify, store)));
      }
      Supervisor supervisor = null;
      if (agent != null) {
        supervisor = agent.build(store.dir(), gateway(store, host));
        store.addListener(supervisor::accept); // close() stops it taking events
      }
      await(
          vertx.deployVerticle(
              host, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
      vertx.eventBus().publish(Addresses.RUNS, Json.write(Map.of("run", id, "event", "started")));
      return new CoxswainServer(vertx, registry, api, store, host, supervisor);
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  /** The agent's way into the run: commands are recorded durably, then handed to the trainer. */
  private static Supervisor.Gateway gateway(RunStore store, RunHost host) {
    return new Supervisor.Gateway() {
      @Override
      public CompletableFuture<CommandResult> submit(Command command) {
        return host.submitRecorded(command);
      }

      @Override
      public void emit(EventType type, Map<String, Object> payload) {
        store.append(type, payload);
      }
    };
  }

  /** The run's agent, or null without one. */
  public Supervisor supervisor() {
    return supervisor;
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  public int port() {
    return api.port();
  }

  public RunStore store() {
    return store;
  }

  public RunHost host() {
    return host;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops training at the next boundary (checkpointing), flushes the log and closes Vert.x. */
  public synchronized void shutdown(String reason) {
    if (down) {
      return;
    }
    down = true;
    try {
      if (supervisor != null) {
        supervisor.close(); // takes no more events, finishes the one under way
      }
      if (!host.stopAndWait(reason, 120)) {
        LOG.warn("run {} did not stop within 120 s", store.runId());
      }
      store.append(EventType.NOTE, Map.of("text", "server shut down: " + reason, "source", "api"));
      await(vertx.close());
    } catch (Exception e) {
      LOG.warn("shutdown: {}", e.toString());
    } finally {
      registry.closeAll();
    }
  }
}
