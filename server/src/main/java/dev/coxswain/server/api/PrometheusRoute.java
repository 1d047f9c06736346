package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.error;

import dev.coxswain.server.metrics.Telemetry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: every meter in Prometheus' text format (OpenMetrics when the Accept header
 * asks for it), written on a worker thread. A scrape reads values and changes nothing.
 */
final class PrometheusRoute {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusRoute.class);

  private final Vertx vertx;
  private final Telemetry telemetry;

  PrometheusRoute(Vertx vertx, Telemetry telemetry) {
    this.vertx = vertx;
    this.telemetry = telemetry;
  }

  void scrape(RoutingContext ctx) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    vertx
        .executeBlocking(() -> telemetry.scrape(accept), false)
        .onSuccess(
            s -> {
              if (!ctx.response().ended()) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, s.contentType()).end(s.body());
              }
            })
        .onFailure(
            e -> {
              LOG.warn("scrape failed: {}", e.toString());
              error(ctx, 500, "cannot write the metrics: " + e.getClass().getSimpleName(), null);
            });
  }
}
