package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.EventType;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.run.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test of the suite (its name keeps it out of {@code mvn verify}): a night at 10
 * steps/s is 300,000 points per series. A finished run with that many steps is opened in headless
 * Chromium through the real server and WebSocket replay; then live updates arrive at 10 steps/s.
 * Prints load time, the time to apply one live update to all five charts, and the page's memory.
 * Run: {@code ./coxswain bench-console} (or -Dcoxswain.bench.points=N).
 */
class ConsoleBench {
  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void threeHundredThousandPointsPerSeries() throws Exception {
    int n = Integer.getInteger("coxswain.bench.points", 300_000);
    Path runs = dir.resolve("runs");
    long t0 = System.nanoTime();
    long events;
    try (RunStore s = RunStore.create(runs.resolve("night"), runJson(n))) {
      s.append(EventType.STATUS, Map.of("status", "running"));
      double lr = 1e-3;
      for (int step = 1; step <= n; step++) {
        double loss = 1.5 + 3.0 / Math.sqrt(step) + 0.05 * Math.sin(step * 0.37);
        if (step % 1000 == 0) {
          String source = List.of("human", "agent", "rule").get((step / 1000) % 3);
          String id = "c-" + step;
          Map<String, Object> c = new LinkedHashMap<>();
          c.put("id", id);
          c.put("type", "scale_knob");
          c.put("source", source);
          c.put("args", Map.of("knob", "lr", "factor", step % 2000 == 0 ? 0.5 : 2.0));
          c.put("reason", "benchmark intervention at " + step);
          s.append(
              new dev.coxswain.protocol.Event(
                  0, "night", "main", step, EventType.COMMAND, java.time.Instant.now(), c));
          double to = step % 2000 == 0 ? lr * 0.5 : lr * 2;
          s.append(
              new dev.coxswain.protocol.Event(
                  0,
                  "night",
                  "main",
                  step,
                  EventType.COMMAND_RESULT,
                  java.time.Instant.now(),
                  Map.of(
                      "command_id",
                      id,
                      "type",
                      "scale_knob",
                      "status",
                      "applied",
                      "step",
                      step + 1,
                      "detail",
                      Map.of("lr", Map.of("from", lr, "to", to)))));
          lr = to;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("lr", lr);
        m.put("grad_norm", 0.5 + 0.3 * Math.abs(Math.sin(step * 0.11)));
        m.put("tokens_per_s", 44000 + 500 * Math.sin(step * 0.05));
        m.put("step_ms", 46.0);
        m.put("skipped", false);
        s.append(
            new dev.coxswain.protocol.Event(
                0, "night", "main", step, EventType.METRICS, java.time.Instant.now(), m));
        if (step % 100 == 0) {
          s.append(
              new dev.coxswain.protocol.Event(
                  0,
                  "night",
                  "main",
                  step,
                  EventType.EVAL,
                  java.time.Instant.now(),
                  Map.of("eval_loss", loss + 0.05, "perplexity", Math.exp(loss + 0.05))));
        }
      }
      s.append(EventType.STATUS, Map.of("status", "finished"));
      events = s.lastSeq();
    }
    double writeS = (System.nanoTime() - t0) / 1e9;
    CoxswainServer server = TestRuns.start(dir, 1_000_000);
    try (Browser b = new Browser(dir.resolve("chromium"), 1440, 1200)) {
      String url = "http://127.0.0.1:" + server.port() + "/?run=night";
      long start = System.nanoTime();
      b.driver.get(url);
      b.await(
          600,
          "all " + events + " events replayed",
          d -> {
            Map<String, Object> s = b.snapshot();
            return s != null && ((Number) s.get("lastSeq")).longValue() >= events;
          });
      double loadS = (System.nanoTime() - start) / 1e9;
      Map<String, Object> snap = b.snapshot();
      long points =
          ((Number) ((List<Map<String, Object>>) snap.get("branches")).get(0).get("points"))
              .longValue();
      assertEquals(n, points, "every step is a point");
      b.js("window.gc()"); // synchronous with --expose-gc
      double heapLoaded = mib(b.js("return performance.memory.usedJSHeapSize"));

      // one live update, applied and drawn synchronously on all five charts, 30 times
      List<Object> sync =
          (List<Object>)
              b.js(
                  "const out = []; let seq = window.coxswain.snapshot().lastSeq; let step = "
                      + n
                      + ";"
                      + "for (let i = 0; i < 30; i++) { const t = performance.now();"
                      + "  window.coxswain.apply({seq: ++seq, run: 'night', branch: 'main', step: ++step, type: 'metrics',"
                      + "    time: new Date().toISOString(), payload: {loss: 1.6, lr: 1e-3, grad_norm: 0.5, tokens_per_s: 44000}});"
                      + "  window.coxswain.drawNow(); out.push(performance.now() - t); }"
                      + "return out;");
      double[] syncMs = sync.stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();

      // then 30 s of a live night: 10 steps/s arriving through the page's own draw loop
      b.js(
          "window.coxswain.stats.drawMs.length = 0; window.coxswain.stats.updateMs.length = 0;"
              + "let seq = window.coxswain.snapshot().lastSeq; let step = window.coxswain.snapshot().step;"
              + "window.__live = setInterval(() => window.coxswain.apply({seq: ++seq, run: 'night', branch: 'main',"
              + "  step: ++step, type: 'metrics', time: new Date().toISOString(),"
              + "  payload: {loss: 1.6, lr: 1e-3, grad_norm: 0.5, tokens_per_s: 44000}}), 100);");
      long liveFrom = ((Number) b.js("return window.coxswain.stats.events")).longValue();
      b.await(
          120,
          "300 live updates (30 s at 10 steps/s)",
          d ->
              ((Number) b.js("return window.coxswain.stats.events")).longValue() >= liveFrom + 300);
      b.js("clearInterval(window.__live)");
      b.await(
          10, "the last update drawn", d -> Boolean.FALSE.equals(b.snapshot().get("drawPending")));
      Map<String, Object> stats = (Map<String, Object>) b.js("return window.coxswain.stats");
      double[] draws = toArray((List<Object>) stats.get("drawMs"));
      double[] latency = toArray((List<Object>) stats.get("updateMs"));
      b.js("window.gc()");
      double heapAfter = mib(b.js("return performance.memory.usedJSHeapSize"));
      long marks = (Long) b.js("return document.querySelectorAll('.mark').length");
      b.screenshot(Path.of("target", "console", "bench-" + n + ".png"));

      List<String> out = new ArrayList<>();
      out.add(
          String.format(
              Locale.ROOT,
              "console benchmark: %,d points per series (%,d events, %d interventions), 5 charts, headless Chromium",
              n,
              events,
              n / 1000));
      out.add(String.format(Locale.ROOT, "  write the run log:                 %.1f s", writeS));
      out.add(
          String.format(
              Locale.ROOT,
              "  open the page to every point drawn: %.1f s (WebSocket replay from the server)",
              loadS));
      out.add(
          String.format(
              Locale.ROOT,
              "  one live update, applied + drawn:  p50 %.1f ms, p95 %.1f ms, max %.1f ms (30 samples)",
              pct(syncMs, 50),
              pct(syncMs, 95),
              pct(syncMs, 100)));
      out.add(
          String.format(
              Locale.ROOT,
              "  live at 10 steps/s for 30 s:       %d redraws, draw p50 %.1f ms, p95 %.1f ms, max %.1f ms; event-to-screen p50 %.0f ms, p95 %.0f ms",
              draws.length,
              pct(draws, 50),
              pct(draws, 95),
              pct(draws, 100),
              pct(latency, 50),
              pct(latency, 95)));
      out.add(
          String.format(
              Locale.ROOT,
              "  JS heap after load %.1f MiB, after 30 s live %.1f MiB; %d mark elements",
              heapLoaded,
              heapAfter,
              marks));
      out.forEach(System.out::println);
      Files.createDirectories(Path.of("target", "console"));
      Files.write(Path.of("target", "console", "bench-" + n + ".txt"), out);
      assertTrue(
          draws.length >= 60, "the page kept drawing while updates arrived: " + draws.length);
    } finally {
      server.shutdown("benchmark over");
    }
  }

  private static Map<String, Object> runJson(int n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", "night");
    m.put("config", Map.of("max_steps", n));
    m.put("agent", Map.of("mode", "off"));
    return m;
  }

  private static double mib(Object bytes) {
    return ((Number) bytes).doubleValue() / (1 << 20);
  }

  private static double[] toArray(List<Object> l) {
    return l.stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
  }

  private static double pct(double[] a, double p) {
    if (a.length == 0) {
      return Double.NaN;
    }
    double[] s = a.clone();
    Arrays.sort(s);
    return s[
        Math.min(
            s.length - 1,
            (int) Math.ceil(p / 100 * s.length) - 1 < 0
                ? 0
                : (int) Math.ceil(p / 100 * s.length) - 1)];
  }
}
