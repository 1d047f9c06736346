package dev.coxswain.server.control;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.SignedConsumer;
import dev.coxswain.server.bus.Wire;
import dev.coxswain.server.notify.Notifier;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's bookkeeping of runs: trainers join it ({@link Addresses#JOIN}) and send
 * heartbeats ({@link Addresses#RUNS}); it keeps a {@link RunReplica} per run, marks a run whose
 * trainer misses its heartbeats {@code lost} (and notifies), and runs each run's agent, which
 * reaches the trainer only through the run's addresses. Deployed as a worker verticle: replica
 * appends touch the disk.
 */
public final class ControlPlane extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  /**
   * @param root where replicas (and agent journals) of runs are kept, one directory per run
   * @param heartbeatMillis the trainers' heartbeat interval
   * @param lostAfterBeats a run is lost after this many missed heartbeats
   * @param notifications notification settings, or null for none
   * @param env where agent keys come from (OPENAI_API_KEY, OPENAI_BASE_URL)
   */
  public record Options(
      Path root,
      CommandSigner signer,
      long heartbeatMillis,
      int lostAfterBeats,
      Notifier.Options notifications,
      Map<String, String> env) {}

  private final RunRegistry registry;
  private final Options options;
  private final Map<String, LocalRun> local;
  private final Map<String, RunLink> links = new ConcurrentHashMap<>();
  private final Map<String, Promise<Void>> joinWaiters = new ConcurrentHashMap<>();
  private final List<MessageConsumer<String>> consumers = new ArrayList<>();
  private final Set<String> expected = ConcurrentHashMap.newKeySet();
  private long timer = -1;

  /**
   * A run this process trains itself (all-in-one): its replica and journal go in the trainer's own
   * directory, and its agent is the one given on the command line (null for none).
   */
  public record LocalRun(Path dir, AgentSettings agent) {}

  /**
   * @param local the runs this process starts itself; other runs get a directory under the root and
   *     the agent their run.json describes, with this control plane's key
   */
  public ControlPlane(RunRegistry registry, Options options, Map<String, LocalRun> local) {
    this.registry = registry;
    this.options = options;
    this.local = new ConcurrentHashMap<>(local);
  }

  @Override
  public Future<?> start() {
    CommandSigner signer = options.signer();
    listen(
        Addresses.JOIN,
        SignedConsumer.of(signer, Wire.Join::decode, this::onJoin)
            .onForged(m -> LOG.warn("refused a join without the cluster's signature")));
    listen(Addresses.RUNS, SignedConsumer.of(signer, Wire.Heartbeat::decode, this::onHeartbeat));
    listen(Addresses.HELLO, SignedConsumer.of(signer, Wire.Hello::decode, this::onHello));
    timer = vertx.setPeriodic(Math.max(50, options.heartbeatMillis() / 4), t -> checkLiveness());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void listen(String address, SignedConsumer<?> consumer) {
    consumers.add(vertx.eventBus().consumer(address, consumer));
  }

  /** Completes once a trainer has joined for this run (or at once if one has). */
  public Future<Void> joined(String runId) {
    Promise<Void> p = joinWaiters.computeIfAbsent(runId, k -> Promise.promise());
    if (links.containsKey(runId)) {
      p.tryComplete();
    }
    return p.future();
  }

  /** The run's agent, or null when it has none (or has not joined). */
  public Supervisor supervisor(String runId) {
    RunLink l = links.get(runId);
    return l == null ? null : l.supervisor();
  }

  /** The run's replica, or null when no trainer has joined for it. */
  public RunReplica replica(String runId) {
    RunLink l = links.get(runId);
    return l == null ? null : l.replica();
  }

  private void onHello(Message<String> msg, Wire.Hello hello) {
    expected.add(hello.member());
    msg.reply("{}");
  }

  /** Marks a cluster member as one of ours (this process, or a trainer that said hello). */
  public void expect(String member) {
    expected.add(member);
  }

  /** Whether a cluster member has proved it holds the cluster's secret. */
  public boolean expects(String member) {
    return expected.contains(member);
  }

  /**
   * Raises a health event in every live run's log (and notifies): something is wrong with the
   * cluster itself, such as a member nobody expects. Any thread.
   */
  public void alarm(String kind, String text) {
    LOG.warn(text);
    context.runOnContext(v -> links.values().forEach(link -> link.alarm(kind, text)));
  }

  private void onJoin(Message<String> msg, Wire.Join join) {
    String run = join.run();
    if (join.member() != null) {
      expected.add(join.member()); // a signed join is as good as a hello
    }
    RunLink link = links.get(run);
    long now = System.nanoTime();
    if (link != null && link.heldByAnother(join.node(), now)) {
      msg.fail(
          Wire.CONFLICT,
          "run id '" + run + "' is taken by a live trainer: give this run another id");
      return;
    }
    try {
      if (link == null) {
        link = RunLink.open(vertx, registry, options, run, join.runJson(), local.get(run));
        links.put(run, link);
      }
      link.join(join, now);
      msg.reply(new Wire.Joined(run, link.replica().store().lastSeq()).toJson());
      joinWaiters.computeIfAbsent(run, k -> Promise.promise()).tryComplete();
      LOG.info("run {} joined (trainer {})", run, join.node());
    } catch (Exception e) {
      LOG.warn("cannot take run {}: {}", run, e.toString());
      msg.fail(500, "the control plane cannot take the run: " + e.getMessage());
    }
  }

  private void onHeartbeat(Message<String> msg, Wire.Heartbeat beat) {
    RunLink link = links.get(beat.run());
    boolean known = link != null && link.beat(beat, System.nanoTime());
    msg.reply(new Wire.HeartbeatAnswer(known).toJson()); // not known: join first
  }

  private void checkLiveness() {
    long now = System.nanoTime();
    links.values().forEach(link -> link.checkLiveness(now));
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    links.values().forEach(RunLink::close);
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
