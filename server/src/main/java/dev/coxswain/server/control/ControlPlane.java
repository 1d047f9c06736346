package dev.coxswain.server.control;

import dev.coxswain.agent.Supervisor;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.agent.AgentSettings;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.Feed;
import dev.coxswain.server.bus.Wire;
import dev.coxswain.server.notify.Notifier;
import dev.coxswain.server.run.RunRegistry;
import dev.coxswain.server.run.RunStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
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
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<String> FINAL = Set.of("finished", "stopped", "failed");

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

  /** One joined run. Touched only on this verticle's context. */
  private static final class Link {
    RunReplica replica;
    String node;
    long lastBeatNanos;
    boolean lost;
    long lostAtNanos;
    BusGateway gateway; // the one way in for this run's agent and this control plane's own events
    Supervisor supervisor;
    Consumer<Event> agentListener;
    Map<String, Object> runJson;
    LocalRun local;
    Notifier notifier;
  }

  private final RunRegistry registry;
  private final Options options;
  private final Map<String, LocalRun> local;
  private final Map<String, Link> links = new ConcurrentHashMap<>();
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
    consumers.add(vertx.eventBus().consumer(Addresses.JOIN, this::onJoin));
    consumers.add(vertx.eventBus().consumer(Addresses.RUNS, this::onHeartbeat));
    consumers.add(vertx.eventBus().consumer(Addresses.HELLO, this::onHello));
    timer = vertx.setPeriodic(Math.max(50, options.heartbeatMillis() / 4), t -> checkLiveness());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
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
    Link l = links.get(runId);
    return l == null ? null : l.supervisor;
  }

  /** The run's replica, or null when no trainer has joined for it. */
  public RunReplica replica(String runId) {
    Link l = links.get(runId);
    return l == null ? null : l.replica;
  }

  private boolean authentic(Message<String> msg) {
    return options.signer().verify(msg.body(), msg.headers().get("coxswain-auth"));
  }

  private void onHello(Message<String> msg) {
    if (!authentic(msg)) {
      msg.fail(Wire.UNAUTHORIZED, "not signed with the cluster's secret: refused");
      return;
    }
    try {
      expected.add(String.valueOf(Json.read(msg.body(), Map.class).get("member")));
      msg.reply("{}");
    } catch (Exception e) {
      msg.fail(Wire.BAD_REQUEST, "not a hello");
    }
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
    context.runOnContext(
        v -> {
          for (Map.Entry<String, Link> e : links.entrySet()) {
            Link link = e.getValue();
            if (link.lost || !registry.live(e.getKey())) {
              continue;
            }
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("kind", kind);
            h.put("message", text);
            link.gateway.emit(EventType.HEALTH, h);
            if (link.notifier != null) {
              link.notifier.tell(kind, text);
            }
          }
        });
  }

  @SuppressWarnings("unchecked")
  private void onJoin(Message<String> msg) {
    if (!authentic(msg)) {
      LOG.warn("refused a join without the cluster's signature");
      msg.fail(Wire.UNAUTHORIZED, "not signed with the cluster's secret: refused");
      return;
    }
    Map<String, Object> m;
    try {
      m = Json.read(msg.body(), Map.class);
    } catch (Exception e) {
      msg.fail(Wire.BAD_REQUEST, "not a join request");
      return;
    }
    Object protocol = m.get("protocol");
    if (!(protocol instanceof Number n) || n.intValue() != Wire.PROTOCOL) {
      msg.fail(
          Wire.VERSION,
          "the trainer speaks protocol "
              + protocol
              + " and this control plane speaks "
              + Wire.PROTOCOL
              + ": run the same Coxswain version on both");
      return;
    }
    String run = String.valueOf(m.get("run"));
    String node = String.valueOf(m.get("node"));
    if (m.get("member") instanceof String member) {
      expected.add(member); // a signed join is as good as a hello
    }
    if (!ID.matcher(run).matches() || !(m.get("run_json") instanceof Map<?, ?> runJson)) {
      msg.fail(Wire.BAD_REQUEST, "a join needs a run id (letters, digits, . _ -) and its run.json");
      return;
    }
    Link link = links.get(run);
    if (link != null && !link.lost && !link.node.equals(node) && fresh(link)) {
      msg.fail(
          Wire.CONFLICT,
          "run id '" + run + "' is taken by a live trainer: give this run another id");
      return;
    }
    try {
      if (link == null) {
        link = open(run, (Map<String, Object>) runJson);
        links.put(run, link);
      }
      boolean wasLost = link.lost;
      long lostFor = wasLost ? (System.nanoTime() - link.lostAtNanos) / 1_000_000 : 0;
      if (link.node != null && !link.node.equals(node)) {
        startAgent(link); // another trainer process: a resumed run starts its agent afresh
      }
      link.node = node;
      link.lastBeatNanos = System.nanoTime();
      link.lost = false;
      registry.attach(run);
      link.replica.follow();
      if (wasLost) {
        back(run, link, lostFor);
      }
      msg.reply(Json.write(Map.of("run", run, "last_seq", link.replica.store().lastSeq())));
      joinWaiters.computeIfAbsent(run, k -> Promise.promise()).tryComplete();
      LOG.info("run {} joined (trainer {})", run, node);
    } catch (Exception e) {
      LOG.warn("cannot take run {}: {}", run, e.toString());
      msg.fail(500, "the control plane cannot take the run: " + e.getMessage());
    }
  }

  private Link open(String run, Map<String, Object> runJson) throws Exception {
    Link link = new Link();
    LocalRun mine = local.get(run);
    RunStore store =
        RunStore.replica(mine != null ? mine.dir() : options.root().resolve(run), runJson);
    Feed.attach(store, vertx.eventBus());
    registry.add(store);
    link.replica = new RunReplica(vertx, store, options.signer());
    link.gateway = new BusGateway(vertx, store, options.signer());
    link.runJson = runJson;
    link.local = mine;
    startAgent(link);
    if (options.notifications() != null) {
      link.notifier = new Notifier(options.notifications(), store);
      vertx.deployVerticle(link.notifier);
    }
    return link;
  }

  /**
   * Starts the run's agent on its replica: the one given for a local run, else the one its run.json
   * describes, with this control plane's key. A new trainer process for the run (a resume) gets a
   * new agent, as a resumed all-in-one run does; its budget continues from the journal.
   */
  private void startAgent(Link link) throws java.io.IOException {
    RunStore store = link.replica.store();
    if (link.supervisor != null) {
      store.removeListener(link.agentListener);
      link.supervisor.close();
      link.supervisor = null;
    }
    AgentSettings agent = link.local != null ? link.local.agent() : null;
    if (link.local == null) {
      try {
        agent = AgentSettings.fromRunJson(link.runJson.get("agent"), options.env());
      } catch (IllegalArgumentException e) {
        LOG.warn("run {} runs without its agent: {}", store.runId(), e.getMessage());
      }
    }
    if (agent != null) {
      Supervisor sup = agent.build(store.dir(), link.gateway);
      link.supervisor = sup;
      link.agentListener = sup::accept;
      // what the log says of its cadence, policy and words (a resumed run's agent), then every
      // event the replica appends from now on, caught up or live
      store.addListener(link.agentListener, sup::restore);
    }
  }

  private boolean fresh(Link link) {
    return System.nanoTime() - link.lastBeatNanos < lostAfterNanos();
  }

  private long lostAfterNanos() {
    return options.heartbeatMillis() * options.lostAfterBeats() * 1_000_000L;
  }

  @SuppressWarnings("unchecked")
  private void onHeartbeat(Message<String> msg) {
    if (!authentic(msg)) {
      msg.fail(Wire.UNAUTHORIZED, "not signed with the cluster's secret: refused");
      return;
    }
    Map<String, Object> m;
    try {
      m = Json.read(msg.body(), Map.class);
    } catch (Exception e) {
      msg.fail(Wire.BAD_REQUEST, "not a heartbeat");
      return;
    }
    String run = String.valueOf(m.get("run"));
    Link link = links.get(run);
    if (link == null || !String.valueOf(m.get("node")).equals(link.node)) {
      msg.reply(Json.write(Map.of("known", false))); // join first
      return;
    }
    link.lastBeatNanos = System.nanoTime();
    if (link.lost) {
      long lostFor = (System.nanoTime() - link.lostAtNanos) / 1_000_000;
      link.lost = false;
      registry.setLost(run, false);
      back(run, link, lostFor);
    }
    if (m.get("last_seq") instanceof Number last) {
      link.replica.behind(last.longValue());
      failedUnlogged(run, link, String.valueOf(m.get("status")), last.longValue());
    }
    msg.reply(Json.write(Map.of("known", true)));
  }

  /**
   * A trainer that says it failed while the replica, holding all of its log, says otherwise could
   * not write its log (a full disk): the run is failed for every reader at once, and a person told.
   */
  private void failedUnlogged(String run, Link link, String beatStatus, long trainerLastSeq) {
    RunStore store = link.replica.store();
    if (!"failed".equals(beatStatus) || trainerLastSeq > store.lastSeq()) {
      return; // not failed, or its failure is still on its way
    }
    String why =
        "the trainer failed and could not write its log (a full disk?): see its output; resume"
            + " the run once the cause is fixed";
    if (store.markFailedUnlogged(why)) {
      LOG.error("run {} failed: {}", run, why);
      if (link.notifier != null) {
        link.notifier.tell(
            "failed", "Run " + run + " failed at step " + store.state().get("step") + ": " + why);
      }
    }
  }

  private void back(String run, Link link, long lostForMillis) {
    LOG.info("run {} is back after {} ms", run, lostForMillis);
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("kind", "trainer_lost");
    h.put(
        "message",
        "the control plane heard nothing from the trainer for " + lostForMillis / 1000.0 + " s");
    h.put("lost_for_ms", lostForMillis);
    link.gateway.emit(EventType.HEALTH, h);
  }

  private void checkLiveness() {
    long now = System.nanoTime();
    for (Map.Entry<String, Link> e : links.entrySet()) {
      Link link = e.getValue();
      if (link.lost || now - link.lastBeatNanos < lostAfterNanos()) {
        continue;
      }
      String run = e.getKey();
      if (FINAL.contains(link.replica.store().status())) {
        registry.detach(run); // an ended run whose trainer has gone: not lost, just over
        continue;
      }
      link.lost = true;
      link.lostAtNanos = now;
      registry.setLost(run, true);
      String text =
          "run "
              + run
              + " is lost: no heartbeat from its trainer for "
              + (now - link.lastBeatNanos) / 1_000_000
              + " ms";
      LOG.warn(text);
      if (link.notifier != null) {
        link.notifier.tell("lost", text);
      }
    }
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    for (Link l : links.values()) {
      if (l.supervisor != null) {
        l.supervisor.close();
      }
      l.replica.close();
    }
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
