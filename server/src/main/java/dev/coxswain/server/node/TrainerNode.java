package dev.coxswain.server.node;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.EventPublisher;
import dev.coxswain.server.bus.SignedConsumer;
import dev.coxswain.server.bus.Wire;
import dev.coxswain.trainer.RunLauncher;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.SteeredRun;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import dev.coxswain.trainer.events.WriterSink;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run on the bus: deployed as a worker verticle, it builds the trainer (blocking work:
 * data, engine), trains on a thread of its own, and owns the run's addresses. Its {@link RunStore}
 * is the run's source of truth: it numbers every event and has it on disk before anyone hears of
 * it. A command arriving on {@code commands} is checked (signature, duplicate), recorded, handed to
 * the trainer, and only then acknowledged with its sequence number. It joins the control plane
 * (with backoff while none answers; training never waits for it) and sends heartbeats.
 */
public final class TrainerNode extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerNode.class);
  private static final Set<EventType> RECORDABLE =
      Set.of(EventType.AGENT_DECISION, EventType.AGENT_OUTCOME, EventType.HEALTH, EventType.NOTE);
  private static final int MAX_PAGE = 10_000;

  /**
   * @param heartbeatMillis how often the trainer says it is alive
   * @param signer the cluster's secret: commands without its signature are refused
   * @param member this process's cluster member id, or null on the local bus
   */
  public record Options(long heartbeatMillis, CommandSigner signer, String member) {}

  private final RunStore store;
  private final RunLauncher launcher;
  private final String resumeFrom;
  private final Options options;
  private final String node = UUID.randomUUID().toString();
  private final Promise<RunOutcome> finished = Promise.promise();
  private final List<MessageConsumer<String>> consumers = new ArrayList<>();
  private SteeredRun trainer;
  private WriterSink events;
  private Thread thread;
  private volatile boolean joined;
  private volatile String joinProblem;
  private long joinBackoff = 500;
  private long heartbeatTimer = -1;

  /**
   * @param resumeFrom checkpoint to continue from ({@code latest}, an id or a tag), or null
   */
  public TrainerNode(
      RunStore store, Workload workload, TrainerConfig config, String resumeFrom, Options options) {
    this(store, RunLauncher.of(workload, config), resumeFrom, options);
  }

  /**
   * Hosts whatever run {@code launcher} builds: Coxswain's own loop or a loop of its own.
   *
   * @param resumeFrom checkpoint to continue from ({@code latest}, an id or a tag), or null
   */
  public TrainerNode(RunStore store, RunLauncher launcher, String resumeFrom, Options options) {
    this.store = store;
    this.launcher = launcher;
    this.resumeFrom = resumeFrom;
    this.options = options;
  }

  @Override
  public Future<?> start() throws Exception {
    // the store numbers, writes and publishes the trainer's events on a writer thread of its own;
    // commands, results, status and health events still wait until they are on disk
    events = new WriterSink(store::append);
    // commands are recorded here, before they are acknowledged, not by the run
    trainer = launcher.launch(store.dir(), events, resumeFrom);
    EventPublisher.attach(store, vertx.eventBus());
    String id = store.runId();
    CommandSigner signer = options.signer();
    listen(
        Addresses.commands(id),
        SignedConsumer.of(signer, TrainerNode::command, this::onCommand).onForged(this::forged));
    listen(Addresses.record(id), SignedConsumer.of(signer, Wire.Record::decode, this::onRecord));
    listen(
        Addresses.replay(id),
        SignedConsumer.of(signer, Wire.ReplayRequest::decode, this::onReplay));
    listen(Addresses.checkpoints(id), SignedConsumer.any(signer, this::onCheckpoints));
    listen(Addresses.model(id), SignedConsumer.any(signer, this::onModel));
    thread = new Thread(this::train, "coxswain-train-" + id);
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
        .onSuccess(
            v -> {
              thread.start();
              heartbeatTimer = vertx.setPeriodic(options.heartbeatMillis(), t -> heartbeat());
              join();
            });
  }

  private void train() {
    try {
      finished.complete(trainer.run());
    } catch (RuntimeException | Error e) {
      LOG.error("run {} failed: {}", store.runId(), e.toString());
      finished.fail(e);
    }
  }

  // --- the run's addresses ---

  private void listen(String address, SignedConsumer<?> consumer) {
    consumers.add(vertx.eventBus().consumer(address, consumer));
  }

  /** Recorded, so that a person sees someone tried; the command itself is not. */
  private void forged(Message<String> msg) {
    store.append(
        EventType.HEALTH,
        Payloads.encode(
            Payload.Health.of(
                "forged_command", "a command without the cluster's signature was refused")));
  }

  private static Command command(String body) {
    Command c;
    try {
      c = Json.read(body, Command.class);
    } catch (Exception e) {
      throw new Wire.Refusal(Wire.BAD_REQUEST, "not a command: " + e.getMessage());
    }
    if (c.id() == null || c.type() == null) {
      throw new Wire.Refusal(Wire.BAD_REQUEST, "a command needs an id and a type");
    }
    return c;
  }

  private void onCommand(Message<String> msg, Command c) {
    if (store.hasCommand(c.id())) {
      msg.fail(Wire.CONFLICT, "a command with id '" + c.id() + "' was already received");
      return;
    }
    if (finished.future().isComplete()) {
      // a trainer that has ended (or died) would never give the command its result
      msg.fail(
          Wire.UNAVAILABLE,
          "the trainer of run "
              + store.runId()
              + " has "
              + (finished.future().failed()
                  ? "failed (" + finished.future().cause().getMessage() + ")"
                  : "ended")
              + ": nothing recorded");
      return;
    }
    // on disk first; only then handed over and acknowledged
    Event recorded;
    try {
      recorded = store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(c)));
    } catch (RuntimeException e) {
      msg.fail(Wire.UNAVAILABLE, "the command cannot be recorded: " + e.getMessage());
      return;
    }
    trainer.submit(c);
    msg.reply(Json.write(Map.of("seq", recorded.seq(), "id", c.id())));
  }

  private void onRecord(Message<String> msg, Wire.Record r) {
    if (!RECORDABLE.contains(r.type())) {
      msg.fail(
          Wire.BAD_REQUEST,
          "only agent_decision, agent_outcome, health and note events can be recorded");
      return;
    }
    try {
      Event e = store.append(r.type(), r.payload());
      msg.reply(Json.write(Map.of("seq", e.seq())));
    } catch (Exception e) {
      msg.fail(Wire.BAD_REQUEST, "not an event to record: " + e.getMessage());
    }
  }

  private void onReplay(Message<String> msg, Wire.ReplayRequest r) {
    try {
      List<Event> page = store.since(r.since(), Math.min(MAX_PAGE, r.limit()));
      msg.reply(new Wire.ReplayPage(page, store.lastSeq()).toJson());
    } catch (Exception e) {
      msg.fail(Wire.BAD_REQUEST, "cannot replay: " + e.getMessage());
    }
  }

  private void onCheckpoints(Message<String> msg) {
    try {
      msg.reply(
          Json.write(
              Map.of(
                  "checkpoints", new CheckpointStore(store.dir().resolve("checkpoints")).list())));
    } catch (Exception e) {
      msg.fail(500, "cannot list checkpoints: " + e.getMessage());
    }
  }

  private void onModel(Message<String> msg) {
    msg.reply(Json.write(trainer.model())); // built once; the settable values are read live
  }

  // --- joining the control plane, heartbeats ---

  private void join() {
    String body =
        new Wire.Join(store.runId(), node, options.member(), store.lastSeq(), store.runJson())
            .toJson();
    vertx
        .eventBus()
        .<String>request(Addresses.JOIN, body, options.signer().signed(body, 5000))
        .onSuccess(
            r -> {
              joined = true;
              joinProblem = null;
              joinBackoff = 500;
              LOG.info("run {} joined the control plane", store.runId());
            })
        .onFailure(
            err -> {
              String why = describe(err);
              if (!why.equals(joinProblem)) {
                // said once per distinct problem: training goes on, the join is retried
                LOG.warn("run {}: {}; training goes on, retrying", store.runId(), why);
                joinProblem = why;
              }
              long wait = joinBackoff;
              joinBackoff = Math.min(10_000, joinBackoff * 2);
              vertx.setTimer(wait, t -> join());
            });
  }

  private static String describe(Throwable err) {
    if (err instanceof ReplyException r) {
      if (r.failureType() == ReplyFailure.NO_HANDLERS) {
        return "no control plane answers";
      }
      if (r.failureType() == ReplyFailure.TIMEOUT) {
        return "the control plane did not answer in time";
      }
      return "the control plane refused the run: " + r.getMessage();
    }
    return "cannot reach the control plane: " + err.getMessage();
  }

  private void heartbeat() {
    String body =
        Wire.Heartbeat.now(store.runId(), node, trainer.step(), trainer.status(), store.lastSeq())
            .toJson();
    vertx
        .eventBus()
        .<String>request(
            Addresses.RUNS, body, options.signer().signed(body, options.heartbeatMillis()))
        .onSuccess(
            r -> {
              try {
                if (!Wire.HeartbeatAnswer.decode(r.body()).known() && joined) {
                  joined = false; // a restarted control plane: join again, it catches up
                  join();
                }
              } catch (Wire.Refusal e) {
                LOG.debug("unreadable heartbeat reply: {}", e.getMessage());
              }
            });
  }

  /** Whether the control plane has taken the run. */
  public boolean joined() {
    return joined;
  }

  /** Completes when the training loop ends. */
  public Future<RunOutcome> finished() {
    return finished.future();
  }

  /**
   * Records a command in the run's log and hands it to the trainer, for this process's own commands
   * (shutdown). Completes with the command's one result.
   */
  public CompletableFuture<CommandResult> submitRecorded(Command command) {
    store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(command)));
    return trainer.submit(command);
  }

  public SteeredRun trainer() {
    return trainer;
  }

  public RunStore store() {
    return store;
  }

  /**
   * Asks the run to stop at the next step boundary (it checkpoints at the end) and waits for it.
   *
   * @return true when the loop ended within the time
   */
  public boolean stopAndWait(String reason, long seconds) throws InterruptedException {
    if (thread == null || !thread.isAlive()) {
      return true;
    }
    submitRecorded(Command.of("stop", Source.API, Map.of()).withReason(reason));
    thread.join(TimeUnit.SECONDS.toMillis(seconds));
    return !thread.isAlive();
  }

  @Override
  public Future<?> stop() throws Exception {
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    if (thread != null && thread.isAlive()) {
      stopAndWait("server shutting down", 60);
    }
    if (events != null) {
      events.close(); // everything the trainer emitted is in the store
    }
    if (trainer != null) {
      trainer.close();
    }
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
