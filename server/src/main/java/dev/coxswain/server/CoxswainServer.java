package dev.coxswain.server;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.control.ControlPlane;
import dev.coxswain.server.control.ControlServer;
import dev.coxswain.server.metrics.Telemetry;
import dev.coxswain.server.node.TrainerNode;
import dev.coxswain.server.notify.Notifier;
import dev.coxswain.trainer.RunLauncher;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All-in-one: a control plane (HTTP API, console, the run's replica and agent, notifications) and a
 * trainer node in one Vert.x, joined by its local event bus exactly as a cluster joins them across
 * machines: commands, events and the agent all go through the run's addresses. {@link #start}
 * blocks until the trainer has joined and the API listens; {@link #shutdown} stops the run at a
 * step boundary (which checkpoints), flushes and closes.
 */
public final class CoxswainServer {
  private static final Logger LOG = LoggerFactory.getLogger(CoxswainServer.class);

  private final Vertx vertx;
  private final ControlServer cs;
  private final ControlPlane control;
  private final RunStore store;
  private final TrainerNode node;
  private volatile boolean down;

  private CoxswainServer(Vertx vertx, ControlServer cs, RunStore store, TrainerNode node) {
    this.vertx = vertx;
    this.cs = cs;
    this.control = cs.control();
    this.store = store;
    this.node = node;
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
    return start(
        options,
        runsRoot,
        store,
        RunLauncher.of(spec.workload(), spec.trainer()),
        resumeFrom,
        notify,
        agent);
  }

  /**
   * Serves whatever run {@code launcher} builds (Coxswain's own loop or a loop of its own) in the
   * run directory of {@code store}, with a supervising agent when {@code agent} is not null.
   */
  public static CoxswainServer start(
      ApiOptions options,
      Path runsRoot,
      RunStore store,
      RunLauncher launcher,
      String resumeFrom,
      Notifier.Options notify,
      AgentSettings agent)
      throws Exception {
    Telemetry telemetry = Telemetry.create();
    Vertx vertx = telemetry.vertx(); // Vert.x's meters (HTTP server, event bus) go to GET /metrics
    try {
      CommandSigner signer = CommandSigner.random(); // one process: its own secret
      String id = store.runId();
      ControlServer cs =
          await(
              ControlServer.start(
                  vertx,
                  options,
                  new ControlPlane.Options(runsRoot, signer, 1000, 3, notify, System.getenv()),
                  Map.of(id, new ControlPlane.LocalRun(store.dir(), agent)),
                  telemetry));
      DeploymentOptions worker = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER);
      TrainerNode node =
          new TrainerNode(store, launcher, resumeFrom, new TrainerNode.Options(1000, signer, null));
      await(vertx.deployVerticle(node, worker));
      await(cs.control().joined(id));
      return new CoxswainServer(vertx, cs, store, node);
    } catch (Exception e) {
      // awaited: no verticle may still write in the run's directory when the caller removes it
      try {
        await(vertx.close());
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  /** The run's agent, or null without one. */
  public Supervisor supervisor() {
    return control.supervisor(store.runId());
  }

  public int port() {
    return cs.port();
  }

  /** The trainer's store: the run's source of truth. */
  public RunStore store() {
    return store;
  }

  /** The control plane's replica of the run. */
  public RunStore replica() {
    return control.replica(store.runId()).store();
  }

  public TrainerNode host() {
    return node;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Waits (bounded) until the control plane's replica holds the trainer's last event: the replica
   * is what a later server lists the run from, and it must say how the run ended.
   */
  private void awaitReplica(long seconds) throws InterruptedException {
    var link = control.replica(store.runId());
    if (link == null) {
      return; // never joined: nothing replicated
    }
    RunStore replica = link.store();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (replica.lastSeq() < store.lastSeq() && System.nanoTime() < deadline) {
      Thread.sleep(10); // events cross the bus on Vert.x's threads, which are still running
    }
  }

  /** Stops training at the next boundary (checkpointing), flushes the log and closes Vert.x. */
  public synchronized void shutdown(String reason) {
    if (down) {
      return;
    }
    down = true;
    try {
      Supervisor supervisor = supervisor();
      if (supervisor != null) {
        supervisor.close(); // takes no more events, finishes the one under way
      }
      if (!node.stopAndWait(reason, 120)) {
        LOG.warn("run {} did not stop within 120 s", store.runId());
      }
      store.append(
          EventType.NOTE, Payloads.encode(new Payload.Note("server shut down: " + reason, "api")));
      awaitReplica(10);
      await(vertx.close());
    } catch (Exception e) {
      LOG.warn("shutdown: {}", e.toString());
    } finally {
      cs.registry().closeAll();
      store.close();
    }
  }
}
