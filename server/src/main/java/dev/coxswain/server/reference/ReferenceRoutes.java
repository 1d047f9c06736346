package dev.coxswain.server.reference;

import static dev.coxswain.server.api.Replies.json;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.api.CommandIntake;
import dev.coxswain.server.api.Replies;
import dev.coxswain.server.api.TrainerLink;
import dev.coxswain.server.bus.Addresses;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The reference's protocol (Interactive Training's HTTP routes and WebSocket) for one run, beside
 * ours ({@code serve --compat}, {@code server --compat RUN}): its clients send no token, so these
 * routes take commands without one. Each command becomes one of ours through {@link CommandIntake},
 * with the same validation and the same one result, sent back in their envelope.
 */
public final class ReferenceRoutes {
  private final Vertx vertx;
  private final RunRegistry runs;
  private final CommandIntake intake;
  private final TrainerLink trainer;
  private final String runId;
  private final String out; // this run's reference messages, for every WebSocket client here
  private ReferenceEvents events;

  public ReferenceRoutes(
      Vertx vertx, RunRegistry runs, CommandIntake intake, TrainerLink trainer, String runId) {
    this.vertx = vertx;
    this.runs = runs;
    this.intake = intake;
    this.trainer = trainer;
    this.runId = runId;
    this.out = "coxswain.compat." + runId + ".out";
  }

  /** Mounts the reference's routes; {@code rateLimit} is the API's, before each command. */
  public void mount(Router router, Handler<RoutingContext> rateLimit, long bodyLimit) {
    // our events as theirs, translated once for all clients (in order, on this event loop)
    vertx
        .eventBus()
        .<String>localConsumer(Addresses.feed(runId))
        .handler(
            msg -> {
              try {
                translate(Json.read(msg.body(), Event.class));
              } catch (java.io.IOException e) {
                // the feed carries what the store wrote: this cannot happen short of a bug
                throw new java.io.UncheckedIOException(e);
              }
            });
    router.get("/api/get_info/").handler(ctx -> read(ctx, s -> ReferenceViews.info(s), false));
    router
        .get("/api/get_optimizer_info/")
        .handler(ctx -> read(ctx, ReferenceViews::optimizer, false));
    router
        .get("/api/get_checkpoints/")
        .handler(ctx -> read(ctx, s -> ReferenceViews.checkpoints(s, dir(s)), true));
    router
        .get("/api/get_logs/")
        .handler(ctx -> read(ctx, s -> ReferenceViews.logs(s, dir(s)), true));
    router.get("/api/get_model_info/").handler(this::modelInfo);
    router.get("/api/get_dataset_info/").handler(ctx -> read(ctx, ReferenceViews::dataset, false));
    router
        .post("/api/command/")
        .handler(BodyHandler.create().setBodyLimit(bodyLimit))
        .handler(rateLimit)
        .handler(this::command);
    router.get("/ws/message/").handler(this::socket);
  }

  // the model lives with the trainer: asked of it while the run is live, the root alone otherwise
  private void modelInfo(RoutingContext ctx) {
    store(ctx)
        .ifPresent(
            s -> {
              if (!runs.live(runId)) {
                json(ctx, 200, ReferenceViews.model(s));
                return;
              }
              trainer
                  .model(runId)
                  .onSuccess(tree -> json(ctx, 200, ReferenceViews.model(s, tree)))
                  .onFailure(err -> json(ctx, 200, ReferenceViews.model(s)));
            });
  }

  private interface View {
    Object of(RunStore store) throws Exception;
  }

  private static String dir(RunStore s) {
    return s.dir().toAbsolutePath().toString();
  }

  private Optional<RunStore> store(RoutingContext ctx) {
    Optional<RunStore> s = runs.store(runId);
    if (s.isEmpty()) {
      Replies.error(ctx, 404, "run '" + runId + "' is not here (yet)", null);
    }
    return s;
  }

  private void read(RoutingContext ctx, View view, boolean scansLog) {
    store(ctx)
        .ifPresent(
            s -> {
              Callable<Object> c = () -> view.of(s);
              if (!scansLog) {
                try {
                  json(ctx, 200, c.call());
                } catch (Exception e) {
                  Replies.error(ctx, 500, "cannot read run '" + runId + "'", null);
                }
                return;
              }
              vertx
                  .executeBlocking(c, false)
                  .onSuccess(body -> json(ctx, 200, body))
                  .onFailure(
                      e ->
                          Replies.error(
                              ctx, 500, "cannot read the log of run '" + runId + "'", null));
            });
  }

  // made when the run is first seen here (a control plane may be started before its trainer)
  private ReferenceEvents events(RunStore s) {
    if (events == null) {
      @SuppressWarnings("unchecked")
      Map<String, Object> data = (Map<String, Object>) s.runJson().get("data");
      events = new ReferenceEvents(dir(s), data);
    }
    return events;
  }

  private void translate(Event e) {
    Optional<RunStore> s = runs.store(runId);
    if (s.isPresent()) {
      for (Map<String, Object> m : events(s.get()).translate(e)) {
        publish(m);
      }
    }
  }

  private void publish(Map<String, Object> envelope) {
    vertx.eventBus().publish(out, Json.write(envelope), new DeliveryOptions().setLocalOnly(true));
  }

  private void command(RoutingContext ctx) {
    Optional<RunStore> found = store(ctx);
    if (found.isEmpty()) {
      return;
    }
    RunStore store = found.get();
    ReferenceEnvelope env;
    try {
      env = ReferenceEnvelope.parse(ctx.body().asString());
    } catch (InvalidCommandException e) {
      // not an envelope at all: nothing to echo on the socket
      json(ctx, 400, failure(null, e.getMessage(), e.field()));
      return;
    }
    Command command;
    try {
      command = intake.parse(ReferenceCommands.translate(env), store);
    } catch (InvalidCommandException e) {
      refuse(ctx, 400, env, e.getMessage(), e.field());
      return;
    }
    events(store).sent(command.id(), env); // before it is sent: its result can come at once
    intake
        .submit(store, command)
        .onSuccess(
            seq -> {
              publish(env.echo("pending"));
              Map<String, Object> ack = new LinkedHashMap<>();
              ack.put("status", "success"); // theirs: received; the result follows on the socket
              ack.put("uuid", env.uuid());
              ack.put("id", command.id());
              ack.put("seq", seq);
              json(ctx, 200, ack);
            })
        .onFailure(
            err -> {
              CommandIntake.Refused r = (CommandIntake.Refused) err;
              refuse(ctx, r.status(), env, r.getMessage(), r.field());
            });
  }

  private void refuse(
      RoutingContext ctx, int status, ReferenceEnvelope env, String reason, String field) {
    Map<String, Object> m = failure(env, reason, field);
    publish(m);
    json(ctx, status, m);
  }

  private static Map<String, Object> failure(ReferenceEnvelope env, String reason, String field) {
    Map<String, Object> m =
        env == null
            ? ReferenceEnvelope.envelope("failed", "", "", "", System.currentTimeMillis() / 1000.0)
            : env.echo("failed");
    m.put("message", reason);
    m.put("field", field);
    return m;
  }

  private void socket(RoutingContext ctx) {
    ctx.request()
        .toWebSocket()
        .onSuccess(
            ws -> {
              MessageConsumer<String> c = vertx.eventBus().localConsumer(out);
              c.handler(
                  msg -> {
                    if (ws.isClosed()) {
                      return;
                    }
                    if (ws.writeQueueFull()) {
                      // never drop a message silently: a client that cannot keep up is closed
                      ws.close((short) 1013, "client too slow");
                      return;
                    }
                    ws.writeTextMessage(msg.body());
                  });
              ws.closeHandler(v -> c.unregister());
              ws.textMessageHandler(text -> {}); // the reference's clients send nothing here
            });
  }
}
