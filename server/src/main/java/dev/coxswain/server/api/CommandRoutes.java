package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.error;
import static dev.coxswain.server.api.Replies.json;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Source;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.Wire;
import dev.coxswain.server.run.RunRegistry;
import dev.coxswain.server.run.RunStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /api/runs/{id}/commands} and the command history: a command is checked here as far as
 * it can be without the trainer, then sent to the trainer, which records it before the 202.
 */
final class CommandRoutes {
  private static final Set<String> COMMAND_FIELDS =
      Set.of("id", "type", "args", "reason", "source");

  private final Vertx vertx;
  private final RunRegistry runs;
  private final TrainerLink trainer;

  CommandRoutes(Vertx vertx, RunRegistry runs, TrainerLink trainer) {
    this.vertx = vertx;
    this.runs = runs;
    this.trainer = trainer;
  }

  void postCommand(RoutingContext ctx) {
    Optional<RunStore> found = Replies.run(ctx, runs);
    if (found.isEmpty()) {
      return;
    }
    RunStore store = found.get();
    Command command;
    Action action;
    try {
      command = parseCommand(ctx.body().asString(), store);
      action = Action.parse(command);
    } catch (InvalidCommandException e) {
      error(ctx, 400, e.getMessage(), e.field());
      return;
    }
    if (runs.lost(store.runId())) {
      error(
          ctx,
          503,
          "the trainer of run '" + store.runId() + "' is lost (no heartbeat): nothing recorded",
          null);
      return;
    }
    if (!runs.live(store.runId())
        || Set.of("finished", "stopped", "failed").contains(store.status())) {
      error(
          ctx,
          409,
          "run '" + store.runId() + "' is " + store.status() + " and takes no commands",
          null);
      return;
    }
    // load_checkpoint names a checkpoint the trainer has: ask it first (it also checks, for races)
    Future<Void> checked =
        action instanceof Action.LoadCheckpoint load
            ? trainer
                .checkpoints(store.runId())
                .compose(
                    list -> {
                      try {
                        CheckpointRefs.check(load.checkpoint(), list);
                        return Future.<Void>succeededFuture();
                      } catch (InvalidCommandException e) {
                        return Future.failedFuture(e);
                      }
                    })
            : Future.succeededFuture();
    // the trainer records the command on its disk, then answers with its sequence number
    String body = Json.write(command);
    checked
        .compose(
            v ->
                vertx
                    .eventBus()
                    .<String>request(Addresses.commands(store.runId()), body, trainer.signed(body)))
        .onSuccess(
            reply -> {
              Map<String, Object> ack = new LinkedHashMap<>();
              ack.put("id", command.id());
              try {
                ack.put("seq", Json.read(reply.body(), Map.class).get("seq"));
              } catch (Exception e) {
                ack.put("seq", null);
              }
              ack.put("status", "accepted");
              json(ctx, 202, ack);
            })
        .onFailure(
            err -> {
              if (err instanceof InvalidCommandException bad) {
                error(ctx, 400, bad.getMessage(), bad.field());
              } else if (err instanceof ReplyException r && r.failureCode() == Wire.CONFLICT) {
                error(ctx, 409, r.getMessage(), "id");
              } else if (err instanceof ReplyException r && r.failureCode() == Wire.BAD_REQUEST) {
                error(ctx, 400, r.getMessage(), null);
              } else {
                Map<String, Object> out = new LinkedHashMap<>();
                boolean timedOut =
                    err instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT;
                out.put(
                    "error",
                    timedOut
                        // the trainer may have recorded it and its answer been lost: say so
                        ? "the trainer did not answer within 10 s: the command may have been"
                            + " recorded; look for its id in the history before sending it again"
                        : "no trainer took the command ("
                            + TrainerLink.reason(err)
                            + "): nothing recorded; try again when the run is back");
                out.put("field", null);
                out.put("id", command.id());
                json(ctx, 503, out);
              }
            });
  }

  /** Checks everything that can be checked without the trainer; names the field at fault. */
  @SuppressWarnings("unchecked")
  private Command parseCommand(String body, RunStore store) throws InvalidCommandException {
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
    Map<String, Object> m = (Map<String, Object>) raw;
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
    Source source = Source.HUMAN;
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
    return c;
  }

  // The trainer checks again at the boundary; this answers the obvious cases with a 400 at once.
  private static void checkKnobs(Action action, RunStore store) throws InvalidCommandException {
    Map<String, Map<String, Object>> specs = new LinkedHashMap<>();
    for (Map<String, Object> k : store.knobs()) {
      specs.put(String.valueOf(k.get("name")), k);
    }
    if (specs.isEmpty()) {
      return;
    }
    Map<String, Double> values = new LinkedHashMap<>();
    if (action instanceof Action.SetKnobs s) {
      values.putAll(s.values());
    } else if (action instanceof Action.ScaleKnob s) {
      Map<String, Object> k = specs.get(s.knob());
      if (k == null) {
        throw new InvalidCommandException(
            "args.knob",
            "unknown knob '" + s.knob() + "'; known: " + String.join(", ", specs.keySet()));
      }
      values.put(s.knob(), ((Number) k.get("value")).doubleValue() * s.factor());
    }
    for (Map.Entry<String, Double> e : values.entrySet()) {
      Map<String, Object> k = specs.get(e.getKey());
      String field = "args." + (action instanceof Action.ScaleKnob ? "factor" : e.getKey());
      if (k == null) {
        throw new InvalidCommandException(
            field,
            "unknown knob '" + e.getKey() + "'; known: " + String.join(", ", specs.keySet()));
      }
      double min = ((Number) k.get("min")).doubleValue();
      double max = ((Number) k.get("max")).doubleValue();
      if (e.getValue() < min || e.getValue() > max) {
        throw new InvalidCommandException(
            field,
            "knob '"
                + e.getKey()
                + "' = "
                + e.getValue()
                + " is out of bounds ["
                + min
                + ", "
                + max
                + "]");
      }
    }
  }

  void commandHistory(RoutingContext ctx) {
    Replies.run(ctx, runs)
        .ifPresent(
            s -> {
              List<Map<String, Object>> out = new ArrayList<>();
              for (RunStore.CommandRecord r : s.commands()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("command", r.command());
                m.put("seq", r.seq());
                m.put("result", r.result());
                out.add(m);
              }
              json(ctx, 200, Map.of("commands", out));
            });
  }
}
