package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.error;

import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.metrics.Telemetry;
import dev.coxswain.server.reference.ReferenceRoutes;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API and the event stream: the routes, and what every answer shares (headers, CORS, the
 * JSON error form). The handlers are in {@link ReadRoutes}, {@link CommandRoutes} and {@link
 * StreamRoute}; they are short and never block (disk reads run on worker threads).
 */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);

  private final RunRegistry runs;
  private final ApiOptions options;
  private final CommandSigner signer;
  private final Telemetry telemetry;
  private HttpServer server;

  /**
   * @param signer the cluster's secret, which signs the commands this API sends to trainers
   * @param telemetry the metrics {@code GET /metrics} serves
   */
  public ApiVerticle(
      RunRegistry runs, ApiOptions options, CommandSigner signer, Telemetry telemetry) {
    this.runs = runs;
    this.options = options;
    this.signer = signer;
    this.telemetry = telemetry;
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    Access access = new Access(options);
    TrainerLink trainer = new TrainerLink(vertx, signer);
    CommandIntake intake = new CommandIntake(vertx, runs, trainer);
    CommandRoutes commands = new CommandRoutes(runs, intake);
    ReadRoutes reads = new ReadRoutes(vertx, runs, trainer);
    StreamRoute stream = new StreamRoute(vertx, runs, options, access);
    PrometheusRoute prometheus = new PrometheusRoute(vertx, telemetry);
    Router router = Router.router(vertx);
    guard(router, access);
    if (options.compatRun() != null) {
      new ReferenceRoutes(vertx, runs, intake, trainer, options.compatRun())
          .mount(router, access::rateLimit, options.bodyLimit());
    }
    router.get("/api/runs").handler(reads::listRuns);
    router.get("/api/runs/:id").handler(reads::runState);
    router
        .post("/api/runs/:id/commands")
        // Vert.x requires the body handler before user handlers; the limit bounds what is read
        .handler(BodyHandler.create().setBodyLimit(options.bodyLimit()))
        .handler(access::authorize)
        .handler(access::rateLimit)
        .handler(commands::postCommand);
    router.get("/api/runs/:id/commands").handler(commands::commandHistory);
    router.get("/api/runs/:id/events").handler(reads::events);
    router.get("/api/runs/:id/metrics").handler(reads::metrics);
    router.get("/api/runs/:id/history").handler(reads::history);
    router.get("/api/runs/:id/checkpoints").handler(reads::checkpoints);
    router.get("/api/runs/:id/model").handler(reads::model);
    router.get("/api/runs/:id/decisions").handler(reads::decisions);
    router.get("/api/runs/:id/report").handler(reads::report);
    router.get("/api/runs/:id/stream").handler(stream::stream);
    router.get("/metrics").handler(prometheus::scrape); // Prometheus' text format, read-only
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    answerErrors(router);
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(options.host())
                .setPort(options.port())
                .setMaxWebSocketFrameSize(65536));
    return server.invalidRequestHandler(ApiVerticle::invalid).requestHandler(router).listen();
  }

  /** What runs before every route: the Host check, the shared headers, CORS, private reads. */
  private void guard(Router router, Access access) {
    // first of all, before CORS, the static files and the WebSocket upgrade: no DNS rebinding
    router.route().handler(new HostCheck(options.host(), options.publicHosts())::handle);
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
      CorsHandler cors =
          CorsHandler.create()
              .addOrigins(options.corsOrigins())
              .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST))
              .allowedHeaders(Set.of("Authorization", "Content-Type"));
      // the console's own page is not cross-origin: Vert.x's handler would refuse it (its POSTs
      // and its stream carry an Origin too) once any --cors-origin is given
      router
          .route()
          .handler(
              ctx -> {
                if (Origins.same(ctx.request())) {
                  ctx.next();
                } else {
                  cors.handle(ctx);
                }
              });
    }
    if (options.privateReads()) {
      // the console page itself holds no data; everything under /api needs the token
      router.get("/api/*").handler(access::authorizeRead);
      router.get("/metrics").handler(access::authorize);
    }
  }

  /** What no route answered, and what failed, in the API's JSON error form. */
  private void answerErrors(Router router) {
    router
        .route()
        .last()
        .handler(ctx -> error(ctx, 404, "no such endpoint: " + ctx.request().path(), null));
    router.errorHandler(
        413,
        ctx ->
            error(ctx, 413, "request body larger than " + options.bodyLimit() + " bytes", "body"));
    router.errorHandler(
        400,
        ctx -> {
          // Vert.x Web refuses a request with a malformed Host before any route: say so
          String host = HostCheck.malformed(ctx.request());
          error(ctx, 400, host == null ? "bad request" : host, host == null ? null : "Host");
        });
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
  }

  // What Vert.x cannot parse (a header or a line over its limits, a malformed request) gets the
  // API's JSON error form too, instead of an empty answer.
  private static void invalid(HttpServerRequest req) {
    Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
    int status =
        cause instanceof TooLongHttpLineException
            ? 414
            : cause instanceof TooLongHttpHeaderException ? 431 : 400;
    String what =
        switch (status) {
          case 414 -> "request line too long";
          case 431 -> "request headers too large";
          default -> {
            String host = HostCheck.malformed(req); // Vert.x checks the Host's form itself
            yield host == null ? "malformed HTTP request" : host;
          }
        };
    req.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(Json.write(java.util.Map.of("error", what)))
        .onComplete(r -> req.connection().close());
  }
}
