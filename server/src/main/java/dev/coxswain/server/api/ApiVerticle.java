package dev.coxswain.server.api;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Source;
import dev.coxswain.server.bus.Addresses;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.Wire;
import dev.coxswain.server.run.MetricsHistory;
import dev.coxswain.server.run.RunRegistry;
import dev.coxswain.server.run.RunStore;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API and the event stream. Handlers are short and never block: disk reads and durable
 * appends run on worker threads.
 */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  private static final int PAGE = 1000;
  private static final int MAX_PAGE = 10_000;
  private static final int SLOW_CLIENT_LIMIT = 5_000;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<String> COMMAND_FIELDS =
      Set.of("id", "type", "args", "reason", "source");

  private final RunRegistry runs;
  private final ApiOptions options;
  private final CommandSigner signer;
  private final RateLimiter limiter;
  private HttpServer server;

  /**
   * @param signer the cluster's secret, which signs the commands this API sends to trainers
   */
  public ApiVerticle(RunRegistry runs, ApiOptions options, CommandSigner signer) {
    this.runs = runs;
    this.options = options;
    this.signer = signer;
    this.limiter = new RateLimiter(options.commandsPerSecond(), options.burst());
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router
        .route()
        .handler(
            ctx -> {
              ctx.response()
                  .putHeader("X-Content-Type-Options", "nosniff")
                  .putHeader("Cache-Control", "no-store");
              ctx.next();
            });
    if (!options.corsOrigins().isEmpty()) {
      router
          .route()
          .handler(
              CorsHandler.create()
                  .addOrigins(options.corsOrigins())
                  .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST))
                  .allowedHeaders(Set.of("Authorization", "Content-Type")));
    }
    if (options.privateReads()) {
      // the console page itself holds no data; everything under /api needs the token
      router.get("/api/*").handler(this::authorizeRead);
    }
    router.get("/api/runs").handler(this::listRuns);
    router.get("/api/runs/:id").handler(this::runState);
    router
        .post("/api/runs/:id/commands")
        // Vert.x requires the body handler before user handlers; the limit bounds what is read
        .handler(BodyHandler.create().setBodyLimit(options.bodyLimit()))
        .handler(this::authorize)
        .handler(this::rateLimit)
        .handler(this::postCommand);
    router.get("/api/runs/:id/commands").handler(this::commandHistory);
    router.get("/api/runs/:id/events").handler(this::events);
    router.get("/api/runs/:id/metrics").handler(this::metrics);
    router.get("/api/runs/:id/checkpoints").handler(this::checkpoints);
    router.get("/api/runs/:id/decisions").handler(this::decisions);
    router.get("/api/runs/:id/stream").handler(this::stream);
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router
        .route()
        .last()
        .handler(ctx -> error(ctx, 404, "no such endpoint: " + ctx.request().path(), null));
    router.errorHandler(
        413,
        ctx ->
            error(ctx, 413, "request body larger than " + options.bodyLimit() + " bytes", "body"));
    router.errorHandler(400, ctx -> error(ctx, 400, "bad request", null));
    // the CORS handler refuses an origin it was not given: the client's mistake, not the server's
    router.errorHandler(
        403,
        ctx -> {
          String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
          LOG.debug("refused origin {}", origin);
          error(
              ctx,
              403,
              "origin '"
                  + (origin == null ? "" : origin.replaceAll("[^\\x20-\\x7e]", "?"))
                  + "' is not allowed; serve --cors-origin ORIGIN allows one",
              "Origin");
        });
    router.errorHandler(
        500,
        ctx ->
            error(
                ctx,
                500,
                "internal error: "
                    + (ctx.failure() == null
                        ? "unknown"
                        : ctx.failure().getClass().getSimpleName()),
                null));
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(options.host())
                .setPort(options.port())
                .setMaxWebSocketFrameSize(65536));
    return server.requestHandler(router).listen();
  }

  // --- helpers ---

  private static void json(RoutingContext ctx, int status, Object body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Json.write(body));
  }

  private static void error(RoutingContext ctx, int status, String message, String field) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("error", message);
    e.put("field", field);
    json(ctx, status, e);
  }

  private Optional<RunStore> run(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Optional<RunStore> s = runs.store(id);
    if (s.isEmpty()) {
      error(ctx, 404, "no run '" + (ID.matcher(id).matches() ? id : "?") + "'", "id");
    }
    return s;
  }

  /** A non-negative integer query parameter, or null after answering 400. */
  private static Long longParam(RoutingContext ctx, String name, long dflt, long max) {
    String v = ctx.queryParams().get(name);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0 || n > max) {
        error(ctx, 400, name + " must be between 0 and " + max, name);
        return null;
      }
      return n;
    } catch (NumberFormatException e) {
      error(ctx, 400, name + " must be a whole number", name);
      return null;
    }
  }

  // --- security ---

  private void authorize(RoutingContext ctx) {
    if (!tokenMatches(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      error(
          ctx, 401, "missing or wrong token: send Authorization: Bearer <token>", "Authorization");
      return;
    }
    ctx.next();
  }

  private boolean tokenMatches(String header) {
    String expected = "Bearer " + options.token();
    return header != null
        && MessageDigest.isEqual(
            header.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }

  // With --private: the stream is let through to its handshake, where the token comes either in
  // the Authorization header or, from a browser (which cannot set headers on a WebSocket), as the
  // first message; other reads need the header.
  private void authorizeRead(RoutingContext ctx) {
    if (ctx.request().path().endsWith("/stream")) {
      ctx.next();
      return;
    }
    authorize(ctx);
  }

  private void rateLimit(RoutingContext ctx) {
    String client =
        ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().hostAddress();
    double wait = limiter.take(client, System.nanoTime());
    if (wait > 0) {
      ctx.response().putHeader("Retry-After", Long.toString((long) Math.ceil(wait)));
      error(
          ctx,
          429,
          "too many commands: at most " + options.commandsPerSecond() + " per second per client",
          null);
      return;
    }
    ctx.next();
  }

  // --- runs ---

  private void listRuns(RoutingContext ctx) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (RunStore s : runs.all()) {
      Map<String, Object> m = new LinkedHashMap<>();
      Map<String, Object> st = s.state();
      m.put("id", s.runId());
      m.put("status", runs.lost(s.runId()) ? "lost" : st.get("status"));
      m.put("step", st.get("step"));
      m.put("branch", st.get("branch"));
      m.put("started", st.get("started"));
      m.put("live", runs.live(s.runId()));
      // for the console's runs overview
      m.put("loss", s.lossSparkline(40));
      Object agent = st.get("agent");
      m.put("agent", agent instanceof Map<?, ?> a ? a.get("mode") : "off");
      m.put("last_health", s.lastHealth());
      out.add(m);
    }
    json(ctx, 200, Map.of("runs", out));
  }

  private void runState(RoutingContext ctx) {
    run(ctx)
        .ifPresent(
            s -> {
              Map<String, Object> st = new LinkedHashMap<>(s.state());
              if (runs.lost(s.runId())) {
                st.put("status", "lost"); // its trainer missed its heartbeats
              }
              st.put("live", runs.live(s.runId()));
              json(ctx, 200, st);
            });
  }

  // --- commands ---

  private void postCommand(RoutingContext ctx) {
    Optional<RunStore> found = run(ctx);
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
            ? trainerCheckpoints(store.runId())
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
                    .<String>request(Addresses.commands(store.runId()), body, signed(body)))
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
                out.put(
                    "error",
                    "no trainer took the command ("
                        + reason(err)
                        + "): nothing recorded; try again when the run is back");
                out.put("field", null);
                out.put("id", command.id());
                json(ctx, 503, out);
              }
            });
  }

  private static String reason(Throwable err) {
    if (err instanceof ReplyException r) {
      return switch (r.failureType()) {
        case NO_HANDLERS -> "no trainer is attached to the run";
        case TIMEOUT -> "the trainer did not answer within 10 s";
        default -> r.getMessage();
      };
    }
    return err.toString();
  }

  private DeliveryOptions signed(String body) {
    return new DeliveryOptions()
        .addHeader(CommandSigner.HEADER, signer.sign(body))
        .setSendTimeout(10_000);
  }

  /** The checkpoints of a live run, from its trainer (they live with it). */
  @SuppressWarnings("unchecked")
  private Future<List<CheckpointMeta>> trainerCheckpoints(String runId) {
    String body = "{}";
    return vertx
        .eventBus()
        .<String>request(Addresses.checkpoints(runId), body, signed(body))
        .map(
            reply -> {
              try {
                List<Object> raw =
                    (List<Object>) Json.read(reply.body(), Map.class).get("checkpoints");
                return raw.stream()
                    .map(o -> Json.fromMap((Map<String, Object>) o, CheckpointMeta.class))
                    .toList();
              } catch (Exception e) {
                throw new IllegalStateException("unreadable checkpoint list: " + e.getMessage());
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
      if (!(m.get("id") instanceof String s) || !ID.matcher(s).matches()) {
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

  private void commandHistory(RoutingContext ctx) {
    run(ctx)
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

  // --- events, metrics, checkpoints, decisions ---

  private void events(RoutingContext ctx) {
    Optional<RunStore> s = run(ctx);
    Long since = longParam(ctx, "since", 0, Long.MAX_VALUE);
    Long limit = longParam(ctx, "limit", PAGE, MAX_PAGE);
    if (s.isEmpty() || since == null || limit == null) {
      return;
    }
    vertx
        .executeBlocking(() -> s.get().since(since, limit.intValue()), false)
        .onSuccess(
            list -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("events", list);
              body.put("last_seq", s.get().lastSeq());
              json(ctx, 200, body);
            })
        .onFailure(ctx::fail);
  }

  private void metrics(RoutingContext ctx) {
    Optional<RunStore> s = run(ctx);
    Long since = longParam(ctx, "since", 0, Long.MAX_VALUE);
    Long limit = longParam(ctx, "limit", MAX_PAGE, 100_000);
    String branch = ctx.queryParams().get("branch");
    if (s.isEmpty() || since == null || limit == null) {
      return;
    }
    if (branch != null && !ID.matcher(branch).matches()) {
      error(ctx, 400, "branch must be a branch name", "branch");
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              // each (branch, step) once: steps re-trained after a resume replace the lost ones
              MetricsHistory history = new MetricsHistory();
              s.get().forEach(history);
              return history.points().stream()
                  .filter(e -> e.step() > since && (branch == null || branch.equals(e.branch())))
                  .limit(limit)
                  .toList();
            },
            false)
        .onSuccess(
            list -> {
              List<Map<String, Object>> points = new ArrayList<>();
              for (Event e : list) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("step", e.step());
                p.put("branch", e.branch());
                p.put("type", e.type());
                p.putAll(e.payload());
                points.add(p);
              }
              json(ctx, 200, Map.of("metrics", points));
            })
        .onFailure(ctx::fail);
  }

  private void checkpoints(RoutingContext ctx) {
    run(ctx)
        .ifPresent(
            s -> {
              // a live run's trainer has them; a finished one's may still be on this disk
              Future<List<CheckpointMeta>> list =
                  runs.live(s.runId())
                      ? trainerCheckpoints(s.runId())
                      : vertx.executeBlocking(
                          () -> new CheckpointStore(s.dir().resolve("checkpoints")).list(), false);
              list.onSuccess(l -> json(ctx, 200, Map.of("checkpoints", l)))
                  .onFailure(
                      err ->
                          error(
                              ctx,
                              503,
                              "the trainer did not list its checkpoints: " + reason(err),
                              null));
            });
  }

  private void decisions(RoutingContext ctx) {
    run(ctx)
        .ifPresent(
            s ->
                vertx
                    .executeBlocking(
                        () -> {
                          Path f = s.dir().resolve("agent.jsonl");
                          List<Object> out = new ArrayList<>();
                          if (Files.exists(f)) {
                            for (String line : Files.readAllLines(f)) {
                              if (!line.isBlank()) {
                                out.add(Json.mapper().readValue(line, Object.class));
                              }
                            }
                          }
                          return out;
                        },
                        false)
                    .onSuccess(list -> json(ctx, 200, Map.of("decisions", list)))
                    .onFailure(ctx::fail));
  }

  // --- the stream: replay after `since`, then live, no gap, no duplicate ---

  private void stream(RoutingContext ctx) {
    Optional<RunStore> found = run(ctx);
    Long since = longParam(ctx, "since", 0, Long.MAX_VALUE);
    if (found.isEmpty() || since == null) {
      return;
    }
    RunStore store = found.get();
    boolean headerOk = tokenMatches(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
    ctx.request()
        .toWebSocket()
        .onSuccess(
            ws -> {
              if (!options.privateReads() || headerOk) {
                new Subscriber(store, ws, since).start();
                return;
              }
              // the first message must be {"token": "..."}; nothing is sent before it
              long timer =
                  vertx.setTimer(5000, t -> ws.close((short) 1008, "send {\"token\": ...} first"));
              ws.textMessageHandler(
                  text -> {
                    ws.textMessageHandler(null);
                    vertx.cancelTimer(timer);
                    String token = null;
                    try {
                      Object m = Json.mapper().readValue(text, Object.class);
                      if (m instanceof Map<?, ?> map && map.get("token") instanceof String s) {
                        token = s;
                      }
                    } catch (Exception e) {
                      token = null; // not JSON: refused below like a wrong token
                    }
                    if (token != null && tokenMatches("Bearer " + token)) {
                      new Subscriber(store, ws, since).start();
                    } else {
                      ws.close((short) 1008, "missing or wrong token");
                    }
                  });
            });
  }

  /** One WebSocket client. Runs entirely on this verticle's event loop. */
  private final class Subscriber {
    private final RunStore store;
    private final ServerWebSocket ws;
    private long lastSent;
    private boolean replaying = true;
    private final List<String> buffered = new ArrayList<>();
    private final List<Long> bufferedSeq = new ArrayList<>();
    private MessageConsumer<String> consumer;
    private int overfull;

    Subscriber(RunStore store, ServerWebSocket ws, long since) {
      this.store = store;
      this.ws = ws;
      this.lastSent = since;
    }

    void start() {
      // Subscribe to live events BEFORE reading the replay, so nothing falls between the two.
      consumer = vertx.eventBus().localConsumer(Addresses.feed(store.runId()));
      consumer.handler(
          msg -> {
            long seq = Long.parseLong(msg.headers().get("seq"));
            if (replaying) {
              buffered.add(msg.body());
              bufferedSeq.add(seq);
            } else {
              send(seq, msg.body());
            }
          });
      ws.closeHandler(v -> consumer.unregister());
      consumer.completion().onSuccess(v -> replayPage());
    }

    private void replayPage() {
      vertx
          .executeBlocking(() -> store.since(lastSent, PAGE), false)
          .onSuccess(
              page -> {
                for (Event e : page) {
                  send(e.seq(), Json.write(e));
                }
                if (page.size() == PAGE && !ws.isClosed()) {
                  replayPage();
                } else {
                  replaying = false;
                  for (int i = 0; i < buffered.size(); i++) {
                    send(bufferedSeq.get(i), buffered.get(i));
                  }
                  buffered.clear();
                  bufferedSeq.clear();
                }
              })
          .onFailure(err -> ws.close((short) 1011, "cannot read the event log"));
    }

    private void send(long seq, String json) {
      if (seq <= lastSent || ws.isClosed()) {
        return; // already sent during the replay
      }
      ws.writeTextMessage(json);
      lastSent = seq;
      if (ws.writeQueueFull()) {
        if (++overfull > SLOW_CLIENT_LIMIT) {
          // never drop silently: close, and let the client resume from what it has
          ws.close((short) 1013, "client too slow; reconnect with since=" + lastSent);
        }
      } else {
        overfull = 0;
      }
    }
  }
}
