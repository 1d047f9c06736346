package dev.coxswain.server.control;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.bus.Feed;
import dev.coxswain.server.bus.Wire;
import dev.coxswain.server.notify.Notifier;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run at the control plane and where its trainer stands: the run's replica, gateway, agent and
 * notifier, and a {@link State} that only this class moves, on a join, a heartbeat, a liveness
 * check or a close. Times are passed in ({@code System.nanoTime()} in production) so that every
 * transition can be driven by a test. Touched only on the control plane's context.
 */
final class RunLink {
  private static final Logger LOG = LoggerFactory.getLogger(RunLink.class);
  private static final Set<String> FINAL = Set.of("finished", "stopped", "failed");

  /** Where the run's trainer stands. */
  enum State {
    /** Opened; no trainer has joined yet. */
    NEW,
    /** A trainer has joined and its heartbeats arrive: it takes commands. */
    JOINED,
    /** Its trainer missed its heartbeats while the run had not ended; a beat or a join ends it. */
    LOST,
    /** The run ended and its trainer has gone: not lost, just over, until a trainer joins again. */
    OVER,
    /** The control plane stopped. */
    CLOSED
  }

  private final String run;
  private final RunRegistry registry;
  private final RunReplica replica;
  private final BusGateway gateway;
  private final RunAgent agent;
  private final Notifier notifier;
  private final long lostAfterNanos;
  private State state = State.NEW;
  private String node;
  private long lastBeatNanos;
  private long lostAtNanos;

  private RunLink(
      String run,
      RunRegistry registry,
      RunReplica replica,
      BusGateway gateway,
      RunAgent agent,
      Notifier notifier,
      long lostAfterNanos) {
    this.run = run;
    this.registry = registry;
    this.replica = replica;
    this.gateway = gateway;
    this.agent = agent;
    this.notifier = notifier;
    this.lostAfterNanos = lostAfterNanos;
  }

  /**
   * Opens the run's replica (in the local run's directory, else under the root), registers it and
   * starts its agent: the local run's, else the one its run.json describes with the control plane's
   * key.
   *
   * @param local the run when this process trains it itself, or null
   */
  static RunLink open(
      Vertx vertx,
      RunRegistry registry,
      ControlPlane.Options options,
      String run,
      Map<String, Object> runJson,
      ControlPlane.LocalRun local)
      throws IOException {
    RunStore store =
        RunStore.replica(local != null ? local.dir() : options.root().resolve(run), runJson);
    Feed.attach(store, vertx.eventBus());
    registry.add(store);
    BusGateway gateway = new BusGateway(vertx, store, options.signer());
    AgentSettings settings = local != null ? local.agent() : null;
    if (local == null) {
      try {
        settings = AgentSettings.fromRunJson(runJson.get("agent"), options.env());
      } catch (IllegalArgumentException e) {
        LOG.warn("run {} runs without its agent: {}", store.runId(), e.getMessage());
      }
    }
    RunAgent agent = new RunAgent(store, gateway, settings);
    agent.restart();
    Notifier notifier = null;
    if (options.notifications() != null) {
      notifier = new Notifier(options.notifications(), store);
      vertx.deployVerticle(notifier);
    }
    long lostAfter = options.heartbeatMillis() * options.lostAfterBeats() * 1_000_000L;
    return new RunLink(
        run,
        registry,
        new RunReplica(vertx, store, options.signer()),
        gateway,
        agent,
        notifier,
        lostAfter);
  }

  State state() {
    return state;
  }

  RunReplica replica() {
    return replica;
  }

  Supervisor supervisor() {
    return agent.supervisor();
  }

  /** Whether a live trainer other than {@code node} holds the run: a join from it is refused. */
  boolean heldByAnother(String node, long now) {
    return state == State.JOINED && !node.equals(this.node) && fresh(now);
  }

  /**
   * A trainer takes (or takes back) the run: the replica follows it and catches up. Another trainer
   * process than the last (a resume) gets a new agent; a lost run is back, and its log says for how
   * long it was away.
   */
  void join(Wire.Join join, long now) throws IOException {
    boolean wasLost = state == State.LOST;
    if (node != null && !node.equals(join.node())) {
      agent.restart();
    }
    node = join.node();
    lastBeatNanos = now;
    state = State.JOINED;
    registry.attach(run);
    replica.follow();
    if (wasLost) {
      back(now);
    }
  }

  /**
   * A heartbeat from the run's trainer.
   *
   * @return false when it is not from the trainer that joined (it should join first)
   */
  boolean beat(Wire.Heartbeat beat, long now) {
    if (state == State.NEW || state == State.CLOSED || !beat.node().equals(node)) {
      return false;
    }
    lastBeatNanos = now;
    if (state == State.LOST) {
      state = State.JOINED;
      registry.setLost(run, false);
      back(now);
    }
    replica.behind(beat.lastSeq());
    failedUnlogged(beat.status(), beat.lastSeq());
    return true;
  }

  /** Marks a joined run whose heartbeats stopped lost (and notifies), or over if it had ended. */
  void checkLiveness(long now) {
    if (state != State.JOINED || fresh(now)) {
      return;
    }
    if (FINAL.contains(replica.store().status())) {
      state = State.OVER;
      registry.detach(run);
      return;
    }
    state = State.LOST;
    lostAtNanos = now;
    registry.setLost(run, true);
    String text =
        "run "
            + run
            + " is lost: no heartbeat from its trainer for "
            + (now - lastBeatNanos) / 1_000_000
            + " ms";
    LOG.warn(text);
    tell("lost", text);
  }

  /** Raises a health event about the cluster in the run's log (and notifies), if it is live. */
  void alarm(String kind, String text) {
    if (state != State.JOINED || !registry.live(run)) {
      return;
    }
    gateway.emit(Payload.Health.of(kind, text));
    tell(kind, text);
  }

  /** Stops the agent and the replica's following (the replica's file stays). */
  void close() {
    state = State.CLOSED;
    agent.close();
    replica.close();
  }

  private boolean fresh(long now) {
    return now - lastBeatNanos < lostAfterNanos;
  }

  /**
   * A trainer that says it failed while the replica, holding all of its log, says otherwise could
   * not write its log (a full disk): the run is failed for every reader at once, and a person told.
   */
  private void failedUnlogged(String beatStatus, long trainerLastSeq) {
    RunStore store = replica.store();
    if (!"failed".equals(beatStatus) || trainerLastSeq > store.lastSeq()) {
      return; // not failed, or its failure is still on its way
    }
    String why =
        "the trainer failed and could not write its log (a full disk?): see its output; resume"
            + " the run once the cause is fixed";
    if (store.markFailedUnlogged(why)) {
      LOG.error("run {} failed: {}", run, why);
      tell("failed", "Run " + run + " failed at step " + store.view().step() + ": " + why);
    }
  }

  private void back(long now) {
    long lostForMillis = (now - lostAtNanos) / 1_000_000;
    LOG.info("run {} is back after {} ms", run, lostForMillis);
    String message =
        "the control plane heard nothing from the trainer for " + lostForMillis / 1000.0 + " s";
    gateway.emit(
        new Payload.Health("trainer_lost", message, null, null, null, null, null, lostForMillis));
  }

  private void tell(String kind, String text) {
    if (notifier != null) {
      notifier.tell(kind, text);
    }
  }
}
