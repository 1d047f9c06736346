package dev.coxswain.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.control.ControlPlane;
import dev.coxswain.server.control.ControlServer;
import dev.coxswain.server.notify.Notifier;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /metrics over real HTTP on loopback: a served run (real DJL training on the SOTU corpus, the
 * rule agent deciding every 10 steps) scraped while it trains, after it stopped, and from a control
 * plane that found it on disk afterwards.
 */
class PrometheusMetricsTest {
  private static final String RUN = "prom";
  private static final String NOTIFY_SECRET = "n0tify-pa55word-7c1d";
  private static final Map<String, String> AUTH =
      Map.of("Authorization", "Bearer " + TestRuns.TOKEN);

  @TempDir Path dir;

  private RunSpec spec() throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu")).toAbsolutePath();
    assertTrue(
        Files.isDirectory(corpus), "corpus missing at " + corpus + ": run scripts/fetch-corpus.sh");
    Path cfgFile = dir.resolve("small.yaml");
    Files.writeString(
        cfgFile,
        "max_steps: 1000000\neval_every: 50\ncheckpoint_every: 100\n"
            + "model: {layers: 1, embed: 32, heads: 2, context: 32}\n"
            + "data: {holdout_every: 10, batch_size: 8, validation_batches: 2}\n");
    RunConfig cfg = RunConfig.load(cfgFile).withOverrides(RUN, null, null, null, corpus);
    return RunSpec.resolve(cfg, 1_000_000, Map.of("agent", agent().describe()));
  }

  private static AgentSettings agent() {
    return new AgentSettings(
        "rule",
        "lr-recovery",
        null,
        SupervisorConfig.defaults().withEvery(10),
        0,
        0,
        1.10,
        4.40,
        null,
        null);
  }

  private static Scrape scrape(TestRuns.Http http, Map<String, String> headers) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> r = http.get("/metrics", headers);
    long nanos = System.nanoTime() - t0;
    Scrape s =
        new Scrape(
            r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), nanos);
    if (s.status() == 200) {
      // whatever the scrape, nothing secret is in it
      assertFalse(s.body().contains(TestRuns.TOKEN), "the API token is in the scrape");
      assertFalse(s.body().contains(NOTIFY_SECRET), "the notify URL's password is in the scrape");
      assertFalse(s.body().contains("alice:"), "the notify URL's user is in the scrape");
      String key = System.getenv("OPENAI_API_KEY");
      if (key != null && !key.isBlank()) {
        assertFalse(s.body().contains(key), "the OpenAI key is in the scrape");
      }
    }
    return s;
  }

  /** Scrapes until the scrape matches (bounded). */
  private static Scrape await(
      TestRuns.Http http, Map<String, String> headers, Predicate<Scrape> p, long seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Scrape s = scrape(http, headers);
    while (s.status() != 200 || !p.test(s)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the scrape never matched within " + seconds + " s:\n" + s.body());
      }
      LockSupport.parkNanos(50_000_000);
      s = scrape(http, headers);
    }
    return s;
  }

  private static double step(Scrape s) {
    return s.value("coxswain_run_step", "run", RUN);
  }

  @Test
  void aServedRunIsScrapedWhileItTrainsAndKeepsItsLastValuesAfterwards() throws Exception {
    RunSpec spec = spec();
    RunStore store = RunStore.create(dir.resolve("runs/" + RUN), spec.runJson());
    Notifier.Options notify =
        new Notifier.Options("http://alice:" + NOTIFY_SECRET + "@127.0.0.1:9/hook", 300, 1, 10);
    ApiOptions api = ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withPrivateReads(true);
    CoxswainServer server =
        CoxswainServer.start(api, dir.resolve("runs"), store, spec, null, notify, agent());
    double stoppedAt;
    try {
      TestRuns.Http http = new TestRuns.Http(server.port());
      // --private: the token, as for every other read
      assertEquals(401, scrape(http, Map.of()).status());
      assertEquals(401, scrape(http, Map.of("Authorization", "Bearer not-the-token")).status());

      Scrape first =
          await(http, AUTH, s -> s.value("coxswain_agent_decisions_total", "run", RUN) > 0, 60);
      assertEquals(Telemetry.TEXT, first.contentType());
      assertTrue(step(first) >= 10, "the agent decided at step 10: " + step(first));
      double loss = first.value("coxswain_run_train_loss", "run", RUN);
      assertTrue(Double.isFinite(loss) && loss > 0, "train loss " + loss);
      double eval = first.value("coxswain_run_eval_loss", "run", RUN);
      assertTrue(Double.isFinite(eval) && eval > 0, "eval loss " + eval);
      double lr = first.value("coxswain_run_knob", "run", RUN, "knob", "lr");
      assertTrue(Double.isFinite(lr) && lr > 0, "lr " + lr);
      assertTrue(first.find("coxswain_run_knob", "run", RUN).size() > 1, "every knob, not only lr");
      assertTrue(first.value("coxswain_run_throughput_tokens_per_second", "run", RUN) > 0);
      assertEquals(1, first.value("coxswain_run_status", "run", RUN, "status", "running"));
      assertEquals(0, first.value("coxswain_run_status", "run", RUN, "status", "paused"));
      assertEquals(1_000_000, first.value("coxswain_run_max_steps", "run", RUN));
      assertEquals(0, first.value("coxswain_agent_failures_total", "run", RUN));
      assertEquals(0, first.value("coxswain_agent_fallbacks_total", "run", RUN));
      assertEquals(0, first.value("coxswain_agent_cost_dollars_total", "run", RUN));
      assertEquals(0, first.value("coxswain_agent_tokens_total", "run", RUN));
      // Vert.x's own meters: the HTTP server (by route, never by path) and the event bus
      double refused =
          first.find("vertx_http_server_requests_total", "code", "401", "method", "GET").stream()
              .filter(x -> x.labels().getOrDefault("route", "").contains("/metrics"))
              .mapToDouble(Scrape.Sample::value)
              .sum();
      assertEquals(2, refused, "the two refused scrapes, by route");
      assertTrue(first.hasFamily("vertx_eventbus_"), "event-bus meters");
      assertTrue(first.hasFamily("jvm_memory_used_bytes"), "JVM meters");

      Scrape second = await(http, AUTH, s -> step(s) > step(first), 60);
      assertTrue(step(second) > step(first), step(first) + " -> " + step(second));

      Scrape open =
          scrape(
              http,
              Map.of(
                  "Authorization",
                  "Bearer " + TestRuns.TOKEN,
                  "Accept",
                  "application/openmetrics-text; version=1.0.0"));
      assertEquals(200, open.status());
      assertEquals(Telemetry.OPEN_METRICS, open.contentType());
      assertTrue(open.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");

      measure(http);

      assertEquals(
          202,
          http.command(RUN, "{\"type\":\"stop\",\"reason\":\"test over\"}").statusCode(),
          "stop");
      Scrape stopped =
          await(
              http,
              AUTH,
              s -> s.value("coxswain_run_status", "run", RUN, "status", "stopped") == 1,
              60);
      assertEquals(0, stopped.value("coxswain_run_status", "run", RUN, "status", "running"));
      stoppedAt = step(stopped);
      assertEquals(
          ((Number) http.json(http.get("/api/runs/" + RUN, AUTH)).get("step")).doubleValue(),
          stoppedAt,
          "the step it stopped at");
      assertTrue(Double.isFinite(stopped.value("coxswain_run_train_loss", "run", RUN)));
      assertTrue(stopped.value("coxswain_agent_decisions_total", "run", RUN) >= 1);
    } finally {
      server.shutdown("test over");
    }
    foundOnDisk(stoppedAt);
  }

  /** Scrape time and size: 20 scrapes in a row while the run trains. */
  private static void measure(TestRuns.Http http) throws Exception {
    List<Long> nanos = new ArrayList<>();
    int bytes = 0;
    for (int i = 0; i < 20; i++) {
      Scrape s = scrape(http, AUTH);
      assertEquals(200, s.status());
      nanos.add(s.nanos());
      bytes = s.body().getBytes(StandardCharsets.UTF_8).length;
    }
    Collections.sort(nanos);
    // the server's own time per scrape, from Vert.x's HTTP server meters
    Scrape s = scrape(http, AUTH);
    double sum = 0;
    double count = 0;
    for (Scrape.Sample x : s.find("vertx_http_server_response_time_seconds_sum", "code", "200")) {
      sum += x.labels().getOrDefault("route", "").contains("/metrics") ? x.value() : 0;
    }
    for (Scrape.Sample x : s.find("vertx_http_server_response_time_seconds_count", "code", "200")) {
      count += x.labels().getOrDefault("route", "").contains("/metrics") ? x.value() : 0;
    }
    // kept for a look (and the README's example): target/prometheus-scrape.txt
    Files.writeString(Path.of("target", "prometheus-scrape.txt"), s.body());
    System.out.printf(
        Locale.ROOT,
        "prometheus scrape of a training run: %,d bytes, %d samples; round trip median %.2f ms,"
            + " max %.2f ms (20 scrapes); server time mean %.2f ms (%d scrapes)%n",
        bytes,
        s.samples().size(),
        nanos.get(10) / 1e6,
        nanos.get(19) / 1e6,
        sum / count * 1000,
        (long) count);
  }

  /**
   * A control plane that finds the stopped run on disk serves its last values (reads open: no
   * --private), and forgets them when the run leaves its registry.
   */
  private void foundOnDisk(double stoppedAt) throws Exception {
    Telemetry telemetry = Telemetry.create();
    Vertx vertx = telemetry.vertx();
    try {
      ControlServer cs =
          ControlServer.start(
                  vertx,
                  ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
                  new ControlPlane.Options(
                      dir.resolve("runs"), CommandSigner.random(), 1000, 3, null, Map.of()),
                  Map.of(),
                  telemetry)
              .toCompletionStage()
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS);
      TestRuns.Http http = new TestRuns.Http(cs.port());
      Scrape s = scrape(http, Map.of());
      assertEquals(200, s.status(), "reads are open without --private");
      assertEquals(1, s.value("coxswain_run_status", "run", RUN, "status", "stopped"));
      assertTrue(step(s) >= stoppedAt, "the last step, " + step(s) + ", from the log");
      assertTrue(Double.isFinite(s.value("coxswain_run_train_loss", "run", RUN)));
      assertTrue(Double.isFinite(s.value("coxswain_run_knob", "run", RUN, "knob", "lr")));
      assertTrue(
          s.find("coxswain_agent_decisions_total", "run", RUN).isEmpty(),
          "no agent runs for a run found on disk");

      cs.registry().remove(RUN);
      Scrape gone = scrape(http, Map.of());
      assertTrue(
          gone.samples().stream().noneMatch(x -> RUN.equals(x.labels().get("run"))),
          "a run that left the registry has no meters");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
