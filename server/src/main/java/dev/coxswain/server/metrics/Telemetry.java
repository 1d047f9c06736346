package dev.coxswain.server.metrics;

import dev.coxswain.agent.Supervisor;
import dev.coxswain.run.RunRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A control plane's metrics: one Prometheus registry holding Vert.x's own meters (HTTP server,
 * event bus, pools, the JVM) when the Vert.x instance is built through {@link #vertx} or {@link
 * #metrics}, and the runs' and their agents' meters once {@link #bind} is called. {@link #scrape}
 * writes it in Prometheus' text format (or OpenMetrics when asked for).
 *
 * <p>Each instance has a registry of its own, under a name of its own in Vert.x's table of
 * backends, so that two control planes in one JVM (tests, benchmarks) never share meters.
 */
public final class Telemetry {
  /** Prometheus' text exposition format. */
  public static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** OpenMetrics' text format, for a scraper that asks for it in its Accept header. */
  public static final String OPEN_METRICS =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private static final AtomicLong NEXT = new AtomicLong();

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final String name = "coxswain-" + NEXT.incrementAndGet();

  /** A scrape: the body and the content type it is written in. */
  public record Scrape(String contentType, String body) {}

  public static Telemetry create() {
    return new Telemetry();
  }

  private Telemetry() {}

  /**
   * Vert.x's metrics options for this registry: HTTP server (with the route as a label, never the
   * path), event bus, net, pools and JVM meters on. No label that could carry a secret is on: no
   * remote address, no path, no event-bus address.
   */
  public MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(name)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .setJvmMetricsEnabled(true)
        .addLabels(Label.HTTP_ROUTE);
  }

  /** Puts this registry's metrics into a Vert.x builder (local or clustered). */
  public VertxBuilder metrics(VertxBuilder builder, VertxOptions options) {
    return builder
        .with(options.setMetricsOptions(metricsOptions()))
        .withMetrics(new MicrometerMetricsFactory(registry));
  }

  /** A local Vert.x whose metrics go to this registry. */
  public Vertx vertx() {
    return metrics(Vertx.builder(), new VertxOptions()).build();
  }

  /**
   * Keeps meters for every run of {@code runs} (and its agent, found through {@code agents}) from
   * now on, fed by each run's events as its store records them; a run that leaves the registry
   * loses its meters.
   */
  public void bind(RunRegistry runs, Function<String, Supervisor> agents) {
    runs.watch(new MeteredRuns(registry, runs, agents));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Writes every meter: in OpenMetrics when {@code accept} asks for it, else in Prometheus' text
   * format. Reads values only; changes nothing.
   */
  public Scrape scrape(String accept) {
    String type =
        accept != null && accept.contains("application/openmetrics-text") ? OPEN_METRICS : TEXT;
    return new Scrape(type, registry.scrape(type));
  }
}
