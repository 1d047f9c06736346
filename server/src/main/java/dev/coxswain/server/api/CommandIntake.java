package dev.coxswain.server.api;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.Registry;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.RunState;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.Wire;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a command from outside enters a run, whatever the protocol it came in: checked here as far as
 * it can be without the trainer, then sent to the trainer, which records it on its disk before it
 * is acknowledged. Our API ({@link CommandRoutes}) and the reference's ({@code compat/}) both go
 * through it.
 */
public final class CommandIntake {
  private static final Set<String> COMMAND_FIELDS =
      Set.of("id", "type", "args", "reason", "source");

  /** Why a command was not taken: the HTTP status our API answers with, the reason, the field. */
  public static final class Refused extends RuntimeException {
    private final int status;
    private final String field;

    Refused(int status, String message, String field) {
      super(message, null, false, false);
      this.status = status;
      this.field = field;
    }

    public int status() {
      return status;
    }

    public String field() {
      return field;
    }
  }

  private final Vertx vertx;
  private final RunRegistry runs;
  private final TrainerLink trainer;

  CommandIntake(Vertx vertx, RunRegistry runs, TrainerLink trainer) {
    this.vertx = vertx;
    this.runs = runs;
    this.trainer = trainer;
  }

  /** A request body as a JSON object, or the reason it is not one. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> jsonObject(String body) throws InvalidCommandException {
    if (body == null || body.isBlank()) {
      throw new InvalidCommandException(
          "body", "the body must be a JSON object with at least 'type'");
    }
    Object parsed;
    try {
      parsed = Json.mapper().readValue(body, Object.class);
    } catch (Exception e) {
      throw new InvalidCommandException("body", "the body is not valid JSON");
    }
    if (!(parsed instanceof Map<?, ?> raw)) {
      throw new InvalidCommandException("body", "the body must be a JSON object");
    }
    return (Map<String, Object>) raw;
  }

  /**
   * Checks a command ({@code id, type, args, reason, source}) as far as it can be checked without
   * the trainer; names the field at fault.
   */
  @SuppressWarnings("unchecked")
  public Command parse(Map<String, Object> m, RunStore store) throws InvalidCommandException {
    for (String k : m.keySet()) {
      if (!COMMAND_FIELDS.contains(k)) {
        throw new InvalidCommandException(
            k, "unknown field '" + k + "'; allowed: id, type, args, reason, source");
      }
    }
    if (!(m.get("type") instanceof String type)) {
      throw new InvalidCommandException("type", "'type' is required and must be a string");
    }
    Object args = m.getOrDefault("args", Map.of());
    if (!(args instanceof Map<?, ?>)) {
      throw new InvalidCommandException("args", "'args' must be a JSON object");
    }
    Object reason = m.get("reason");
    if (reason != null && (!(reason instanceof String r) || r.length() > 2000)) {
      throw new InvalidCommandException(
          "reason", "'reason' must be a string of at most 2000 characters");
    }
    Source source = Source.API; // a person's console says "human"; curl and scripts are api
    if (m.get("source") != null) {
      if (!"human".equals(m.get("source")) && !"api".equals(m.get("source"))) {
        throw new InvalidCommandException(
            "source",
            "'source' must be 'human' or 'api' (agent and rule commands come from the agent)");
      }
      source = Source.fromWire((String) m.get("source"));
    }
    String id = null;
    if (m.get("id") != null) {
      if (!(m.get("id") instanceof String s) || !Replies.ID.matcher(s).matches()) {
        throw new InvalidCommandException(
            "id", "'id' must be 1-64 letters, digits, '.', '-' or '_'");
      }
      id = (String) m.get("id");
      if (store.hasCommand(id)) {
        throw new InvalidCommandException(
            "id", "a command with id '" + id + "' was already received");
      }
    }
    Command c =
        new Command(id, type, source, (Map<String, Object>) args, (String) reason, Instant.now());
    Action action = Action.parse(c);
    checkKnobs(action, store);
    checkBranch(action, store.branches());
    return c;
  }

  // The trainer refuses a fork into a branch it has, but only at its next step boundary (seconds
  // later): the run's events and its checkpoints name its branches, so this says it at once.
  private static void checkBranch(Action action, Set<String> taken) throws InvalidCommandException {
    if (action instanceof Action.LoadCheckpoint load
        && load.branch() != null
        && taken.contains(load.branch())) {
      throw new InvalidCommandException(
          "args.branch",
          "branch '"
              + load.branch()
              + "' already exists; name a new branch, or leave 'branch' out for a fresh name");
    }
  }

  // The trainer checks again at the boundary; this answers with a 400 at once, against what the
  // run registered (its knobs with their types and bounds, its actions with their fields)
  private static void checkKnobs(Action action, RunStore store) throws InvalidCommandException {
    Registry registry = store.read(RunState::registry);
    if (registry.knobs().isEmpty()) {
      return; // the run has not announced its knobs yet: the trainer checks
    }
    if (action instanceof Action.SetKnobs s) {
      registry.values(s);
    } else if (action instanceof Action.ScaleKnob s) {
      registry.scaled(s);
    } else if (action instanceof Action.Invoke i) {
      registry.args(i);
    } else if (action instanceof Action.LockKnob l && registry.knob(l.knob()).isEmpty()) {
      throw new InvalidCommandException(
          "args.knob",
          "unknown knob '"
              + l.knob()
              + "'; known: "
              + registry.knobs().stream().map(Knob::name).collect(Collectors.joining(", ")));
    }
  }

  /**
   * Sends a checked command to the run's trainer. Completes with the sequence number the trainer
   * recorded it under; fails with a {@link Refused} (nothing recorded, except after a timeout,
   * which says so).
   */
  public Future<Long> submit(RunStore store, Command command) {
    Action action;
    try {
      action = Action.parse(command);
    } catch (InvalidCommandException e) {
      return Future.failedFuture(new Refused(400, e.getMessage(), e.field()));
    }
    if (runs.lost(store.runId())) {
      return Future.failedFuture(
          new Refused(
              503,
              "the trainer of run '" + store.runId() + "' is lost (no heartbeat): nothing recorded",
              null));
    }
    if (!runs.live(store.runId())
        || Set.of("finished", "stopped", "failed").contains(store.status())) {
      return Future.failedFuture(
          new Refused(
              409,
              "run '" + store.runId() + "' is " + store.status() + " and takes no commands",
              null));
    }
    Future<Void> checked = checkWithTrainer(action, store.runId());
    // the trainer records the command on its disk, then answers with its sequence number
    String body = Json.write(command);
    return checked
        .compose(
            v ->
                vertx
                    .eventBus()
                    .<String>request(Addresses.commands(store.runId()), body, trainer.signed(body)))
        .map(
            reply -> {
              try {
                Object seq = Json.read(reply.body(), Map.class).get("seq");
                return seq instanceof Number n ? n.longValue() : null;
              } catch (Exception e) {
                return (Long) null;
              }
            })
        .recover(err -> Future.failedFuture(refusal(err)));
  }

  // what only the trainer knows: its checkpoints, its model (it checks again, for races)
  private Future<Void> checkWithTrainer(Action action, String runId) {
    if (action instanceof Action.LoadCheckpoint load) {
      return trainer
          .checkpoints(runId)
          .compose(
              list ->
                  checked(
                      () -> {
                        CheckpointRefs.check(load.checkpoint(), list);
                        Set<String> onDisk = new HashSet<>();
                        list.forEach(m -> onDisk.add(m.branch()));
                        checkBranch(action, onDisk);
                      }));
    }
    if (action instanceof Action.ResetModule || action instanceof Action.SetModuleParam) {
      return trainer.model(runId).compose(tree -> checked(() -> ModuleRefs.check(action, tree)));
    }
    return Future.succeededFuture();
  }

  private interface Check {
    void run() throws InvalidCommandException;
  }

  private static Future<Void> checked(Check check) {
    try {
      check.run();
      return Future.succeededFuture();
    } catch (InvalidCommandException e) {
      return Future.failedFuture(e);
    }
  }

  private static Refused refusal(Throwable err) {
    if (err instanceof InvalidCommandException bad) {
      return new Refused(400, bad.getMessage(), bad.field());
    } else if (err instanceof ReplyException r && r.failureCode() == Wire.CONFLICT) {
      return new Refused(409, r.getMessage(), "id");
    } else if (err instanceof ReplyException r && r.failureCode() == Wire.BAD_REQUEST) {
      return new Refused(400, r.getMessage(), null);
    }
    boolean timedOut = err instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT;
    return new Refused(
        503,
        timedOut
            // the trainer may have recorded it and its answer been lost: say so
            ? "the trainer did not answer within 10 s: the command may have been"
                + " recorded; look for its id in the history before sending it again"
            : "no trainer took the command ("
                + TrainerLink.reason(err)
                + "): nothing recorded; try again when the run is back",
        null);
  }
}
