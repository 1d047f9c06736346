package dev.coxswain.server.bench;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.api.ApiVerticle;
import dev.coxswain.server.bus.CommandSigner;
import dev.coxswain.server.bus.Feed;
import dev.coxswain.server.metrics.Telemetry;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/** Figures for the control server: command latency, WebSocket fan-out, memory under a long log. */
public final class ServerBenchmark {
  private ServerBenchmark() {}

  /** Latency from POST to the applied result, against the step time of the run it steers. */
  public record Latency(
      int commands, double p50Ms, double p99Ms, double maxMs, double medianStepMs) {}

  /** Delivery to many WebSocket clients. */
  public record Fanout(
      int clients,
      int events,
      double rate,
      double p50Ms,
      double p99Ms,
      double maxMs,
      long dropped,
      long duplicated) {}

  /** Memory after a long event log. */
  public record Memory(
      long events,
      long heapAt100kBytes,
      long heapAtEndBytes,
      long rssBytes,
      double appendsPerSecond) {}

  static final String TOKEN = "bench-token";

  /**
   * Sends {@code n} commands at random moments to a live run and times each to its result event.
   */
  public static Latency commandLatency(RunSpec spec, Path runDir, int n, Consumer<String> progress)
      throws Exception {
    RunStore store = RunStore.create(runDir, spec.runJson());
    CoxswainServer server =
        CoxswainServer.start(
            ApiOptions.defaults(TOKEN).withPort(0).withRate(1000, 1000),
            runDir.getParent(),
            store,
            spec,
            null,
            null);
    try {
      return timeCommands(server.port(), store, spec.runId(), n, "lat-", progress);
    } finally {
      server.shutdown("benchmark over");
    }
  }

  /**
   * Posts {@code n} set_knobs commands at random moments (0-100 ms apart) to a run served on {@code
   * port} (token {@code bench-token}) and times each from its POST to its applied result, as seen
   * in {@code observed} (the run's store or a control plane's replica of it).
   */
  static Latency timeCommands(
      int port, RunStore observed, String runId, int n, String idPrefix, Consumer<String> progress)
      throws Exception {
    Map<String, Long> sent = new ConcurrentHashMap<>();
    List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    List<Double> steps = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch all = new CountDownLatch(n);
    observed.addListener(
        e -> {
          Payload p = e.body();
          if (p instanceof Payload.Result res) {
            Long t0 = sent.get(String.valueOf(res.result().commandId()));
            if (t0 != null && res.result().isApplied()) {
              latencies.add((System.nanoTime() - t0) / 1e6);
              all.countDown();
            }
          } else if (p instanceof Payload.Metrics m) {
            steps.add(m.stepMillis());
          }
        });
    HttpClient http = HttpClient.newHttpClient();
    String url = "http://127.0.0.1:" + port + "/api/runs/" + runId + "/commands";
    while (observed.view().step() < 5) {
      LockSupport.parkNanos(10_000_000);
    }
    Random rnd = new Random(1);
    for (int i = 0; i < n; i++) {
      LockSupport.parkNanos((long) (rnd.nextDouble() * 100_000_000)); // 0-100 ms apart
      String id = idPrefix + i;
      String body =
          "{\"id\":\""
              + id
              + "\",\"type\":\"set_knobs\",\"args\":{\"lr\":"
              + (i % 2 == 0 ? "0.0011" : "0.001")
              + "}}";
      sent.put(id, System.nanoTime());
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Authorization", "Bearer " + TOKEN)
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 202) {
        throw new IllegalStateException("command refused: " + r.statusCode() + " " + r.body());
      }
      if ((i + 1) % 20 == 0) {
        progress.accept("  " + (i + 1) + "/" + n + " commands");
      }
    }
    if (!all.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "only " + (n - all.getCount()) + " of " + n + " results arrived");
    }
    return new Latency(
        n, pct(latencies, 50), pct(latencies, 99), pct(latencies, 100), pct(steps, 50));
  }

  /** A store served by the API with no trainer: events are appended by the benchmark itself. */
  private record Bare(Vertx vertx, RunStore store, int port) {
    void close() throws Exception {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      store.close();
    }
  }

  private static Bare bare(Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    RunStore store =
        RunStore.create(dir, Map.of("run_id", "bench", "started", Instant.now().toString()));
    Feed.attach(store, vertx.eventBus()); // what the API's streams follow
    RunRegistry registry = new RunRegistry();
    registry.add(store);
    ApiVerticle api =
        new ApiVerticle(
            registry,
            ApiOptions.defaults(TOKEN).withPort(0),
            CommandSigner.random(),
            Telemetry.create());
    vertx.deployVerticle(api).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new Bare(vertx, store, api.port());
  }

  /** A synthetic training step's event, as a trainer of the default workload publishes it. */
  private static Event metrics(long step) {
    return Event.of(
        "bench",
        "main",
        step,
        new Payload.Metrics(
            2.0 + Math.sin(step) * 0.1, 1e-3, 0.8, 1.0, null, 44_000.0, 46.0, false));
  }

  /**
   * {@code clients} WebSocket clients on one run while events are appended at {@code rate} per
   * second.
   */
  public static Fanout fanout(Path dir, int clients, double rate, int events) throws Exception {
    Bare b = bare(dir);
    Vertx clientVertx = Vertx.vertx();
    // held until the end: Vert.x closes a client that becomes unreachable, its streams with it
    WebSocketClient wsc = clientVertx.createWebSocketClient();
    try {
      List<Double> lat = Collections.synchronizedList(new ArrayList<>());
      // when each event was appended, by its seq (a fresh store numbers them 1, 2, ...)
      AtomicLongArray sentAt = new AtomicLongArray(events + 1);
      AtomicLong dropped = new AtomicLong();
      AtomicLong duplicated = new AtomicLong();
      CountDownLatch connected = new CountDownLatch(clients);
      CountDownLatch finished = new CountDownLatch(clients);
      for (int c = 0; c < clients; c++) {
        long[] last = {0};
        wsc.connect(b.port(), "127.0.0.1", "/api/runs/bench/stream?since=0")
            .onSuccess(
                ws -> {
                  connected.countDown();
                  ws.textMessageHandler(
                      text -> {
                        long now = System.nanoTime();
                        Event e;
                        try {
                          e = Json.read(text, Event.class);
                        } catch (Exception ex) {
                          throw new IllegalStateException(ex);
                        }
                        if (e.seq() <= last[0]) {
                          duplicated.incrementAndGet();
                          return;
                        }
                        dropped.addAndGet(e.seq() - last[0] - 1);
                        last[0] = e.seq();
                        lat.add((now - sentAt.get((int) e.seq())) / 1e6);
                        if (e.seq() == events) {
                          ws.close();
                          finished.countDown();
                        }
                      });
                });
      }
      if (!connected.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("clients could not connect");
      }
      long period = (long) (1e9 / rate);
      long next = System.nanoTime();
      for (int i = 1; i <= events; i++) {
        next += period;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        sentAt.set(i, System.nanoTime()); // before the append: a client may see the event first
        long seq = b.store().append(metrics(i)).seq();
        if (seq != i) {
          throw new IllegalStateException("event " + i + " was numbered " + seq);
        }
      }
      if (!finished.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            finished.getCount() + " clients did not receive every event");
      }
      return new Fanout(
          clients,
          events,
          rate,
          pct(lat, 50),
          pct(lat, 99),
          pct(lat, 100),
          dropped.get(),
          duplicated.get());
    } finally {
      wsc.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      b.close();
    }
  }

  /** Appends {@code events} events with one live WebSocket client and measures memory. */
  public static Memory memory(Path dir, long events, Consumer<String> progress) throws Exception {
    Bare b = bare(dir);
    try {
      long heap100k = 0;
      long t0 = System.nanoTime();
      for (long i = 1; i <= events; i++) {
        b.store().append(metrics(i));
        if (i == 100_000) {
          heap100k = usedHeapAfterGc();
        }
        if (i % 200_000 == 0) {
          progress.accept("  " + i + " events");
        }
      }
      double perSecond = events / ((System.nanoTime() - t0) / 1e9);
      long heapEnd = usedHeapAfterGc();
      return new Memory(events, heap100k, heapEnd, rss(), perSecond);
    } finally {
      b.close();
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }

  static double pct(List<Double> xs, double p) {
    List<Double> s;
    synchronized (xs) {
      s = new ArrayList<>(xs);
    }
    if (s.isEmpty()) {
      return Double.NaN;
    }
    Collections.sort(s);
    int i = (int) Math.ceil(p / 100 * s.size()) - 1;
    return s.get(Math.max(0, Math.min(s.size() - 1, i)));
  }
}
