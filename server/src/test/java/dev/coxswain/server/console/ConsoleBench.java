package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.ServedStore;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test of the suite (its name keeps it out of {@code mvn verify}): a night at 10
 * steps/s is 300,000 steps. The run's log ({@link NightLog}, written once and reused from
 * target/console-bench) is served by the real API on loopback with no trainer; headless Chromium
 * opens the console on it. Prints the time from navigation to the last step drawn, then appends 50
 * live metrics events to the log at 10 steps/s and prints the time from each append to the first
 * draw that shows it. Run: {@code ./coxswain bench-console} (or -Dcoxswain.bench.steps=N).
 */
class ConsoleBench {
  private static final int LIVE_UPDATES = 50;

  @TempDir Path dir;

  @Test
  void openANight() throws Exception {
    int n =
        Integer.getInteger("coxswain.bench.steps", Integer.getInteger("coxswain.bench.points", 0));
    n = n > 0 ? n : 300_000;
    List<String> out = new ArrayList<>();
    out.add("machine: load average " + Files.readString(Path.of("/proc/loadavg")).trim());
    long t0 = System.nanoTime();
    Path cached = NightLog.write(Path.of("target", "console-bench"), n, ConsoleBench::progress);
    // a copy: the live updates must not change the cached log
    Path run = Files.createDirectories(dir.resolve("runs").resolve(NightLog.RUN));
    for (String f : List.of("run.json", RunStore.LOG)) {
      Files.copy(cached.resolve(f), run.resolve(f));
    }
    out.add(
        String.format(
            Locale.ROOT,
            "run log: %,d steps, %.1f MB (written or reused and copied in %.1f s)",
            n,
            Files.size(run.resolve(RunStore.LOG)) / 1e6,
            (System.nanoTime() - t0) / 1e9));
    progress("a night opened from its log ...");
    try (Browser b = new Browser(dir.resolve("chromium"), 1440, 1200)) {
      long opening = System.nanoTime();
      try (RunStore store = RunStore.open(run)) {
        out.add(
            String.format(
                Locale.ROOT,
                "a night opened from its log (a server started after it; the store opened in %.2f"
                    + " s, its history kept: %s):",
                (System.nanoTime() - opening) / 1e9,
                store.keepsHistory()));
        open(b, store, n, out, true);
      }
      out.forEach(ConsoleBench::progress); // what is measured so far, should the rest fail
      // the server that hosted the night: its store kept the history as the events came
      Path liveRun = dir.resolve("live").resolve(NightLog.RUN);
      long t1 = System.nanoTime();
      try (RunStore store = RunStore.create(liveRun, runJson(cached))) {
        try (var lines = Files.newBufferedReader(cached.resolve(RunStore.LOG))) {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            store.append(Json.read(line, Event.class));
          }
        }
        out.add(
            String.format(
                Locale.ROOT,
                "a night kept in memory by the server that hosted it (replayed into a new store in"
                    + " %.1f s, kept: %s):",
                (System.nanoTime() - t1) / 1e9,
                store.keepsHistory()));
        open(b, store, n, out, false);
      }
    }
    out.forEach(System.out::println);
    Files.createDirectories(Path.of("target", "console"));
    Files.write(Path.of("target", "console", "bench-" + n + ".txt"), out);
  }

  /** Serves {@code store}, opens the console on it and says how long that took, and a reload. */
  private void open(Browser b, RunStore store, int n, List<String> out, boolean liveUpdates)
      throws Exception {
    try (ServedStore served =
        new ServedStore(store, ApiOptions.defaults(TestRuns.TOKEN).withPort(0))) {
      long events = store.lastSeq();
      progress("opening the console on " + events + " events ...");
      long start = System.nanoTime();
      b.driver.get("http://127.0.0.1:" + served.port() + "/?run=" + NightLog.RUN);
      awaitDrawn(b, events, 600);
      double wallS = (System.nanoTime() - start) / 1e9;
      double openS = ((Number) b.js("return window.coxswain.stats.openMs")).doubleValue() / 1000;
      checkPoints(b, n);
      b.js("window.gc()"); // synchronous with --expose-gc
      double heap = ((Number) b.js("return performance.memory.usedJSHeapSize")).doubleValue();
      out.add(
          String.format(
              Locale.ROOT,
              "open the console until the last step is drawn: %.2f s from navigation (%.2f s as"
                  + " WebDriver saw it), %,d events; JS heap %.1f MiB",
              openS,
              wallS,
              events,
              heap / (1 << 20)));
      Object read =
          b.js(
              "const r = performance.getEntriesByType('resource')"
                  + ".filter(x => x.name.includes('/history')).pop();"
                  + " return r ? [r.encodedBodySize, r.requestStart, r.responseStart, r.responseEnd]"
                  + " : null");
      if (read instanceof List<?> r) {
        double[] t = r.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        out.add(
            String.format(
                Locale.ROOT,
                "  the page asked for the history (%.1f MB) at %.0f ms, its first byte came at %.0f"
                    + " ms, its last at %.0f ms; drawn at %.0f ms",
                t[0] / 1e6,
                t[1],
                t[2],
                t[3],
                openS * 1000));
      }
      if (liveUpdates) {
        double[] live = live(b, store, n);
        out.add(
            String.format(
                Locale.ROOT,
                "live update, appended to the log to drawn: p50 %.0f ms, p95 %.0f ms, max %.0f ms"
                    + " (%d updates at 10 steps/s)",
                pct(live, 50),
                pct(live, 95),
                pct(live, 100),
                live.length));
      }
      // the same page again: the server has read a history once (its JIT is warm)
      b.driver.navigate().refresh();
      awaitDrawn(b, store.lastSeq(), 600);
      out.add(
          String.format(
              Locale.ROOT,
              "open it again (reload, same server): %.2f s from navigation",
              ((Number) b.js("return window.coxswain.stats.openMs")).doubleValue() / 1000));
      b.screenshot(Path.of("target", "console", "bench-" + n + ".png"));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> runJson(Path run) throws java.io.IOException {
    return Json.read(Files.readString(run.resolve("run.json")), Map.class);
  }

  /** Waits until the page has drawn up to {@code seq}, saying how far it is every 5 s. */
  private static void awaitDrawn(Browser b, long seq, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long nextSay = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (drawnSeq(b) < seq) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the console did not draw event " + seq + " in " + seconds + " s");
      }
      if (System.nanoTime() > nextSay) {
        Object applied = b.js("return window.coxswain ? window.coxswain.stats.events : 0");
        progress("  ... drawn up to event " + drawnSeq(b) + ", " + applied + " applied");
        nextSay += TimeUnit.SECONDS.toNanos(5);
      }
      Thread.sleep(20); // a poll of the page, not a wait for a condition that could be awaited
    }
  }

  private static long drawnSeq(Browser b) {
    Object v = b.js("return document.body.dataset.drawnSeq || '0'");
    return Long.parseLong(String.valueOf(v));
  }

  /** Every step of both branches is a point: the history arrived whole. */
  @SuppressWarnings("unchecked")
  private static void checkPoints(Browser b, int n) {
    long forkAt = n * 7L / 10 / 5000 * 5000;
    Map<String, Long> points = new LinkedHashMap<>();
    for (Map<String, Object> br : (List<Map<String, Object>>) b.snapshot().get("branches")) {
      points.put((String) br.get("name"), ((Number) br.get("points")).longValue());
    }
    assertEquals(Map.of("main", n * 8L / 10, "b1", n - forkAt), points, "points per branch");
  }

  /**
   * Appends {@link #LIVE_UPDATES} metrics events at 10 steps/s and returns, for each, the ms from
   * its append to the first draw that included it (the page's own redraw interval included).
   */
  @SuppressWarnings("unchecked")
  private static double[] live(Browser b, RunStore store, int n) throws Exception {
    b.js(
        "window.__drawn = []; new MutationObserver(() => window.__drawn.push("
            + "[Number(document.body.dataset.drawnSeq), Date.now()])).observe(document.body,"
            + " {attributes: true, attributeFilter: ['data-drawn-seq']});");
    Map<Long, Long> appended = new LinkedHashMap<>();
    for (int i = 1; i <= LIVE_UPDATES; i++) {
      long t = System.currentTimeMillis();
      Event e = store.append(NightLog.liveMetrics(n + i));
      appended.put(e.seq(), t);
      Thread.sleep(100); // the pace of a night at 10 steps/s
    }
    awaitDrawn(b, store.lastSeq(), 60);
    List<List<Object>> drawn = (List<List<Object>>) b.js("return window.__drawn");
    double[] ms = new double[appended.size()];
    int k = 0;
    for (Map.Entry<Long, Long> a : appended.entrySet()) {
      for (List<Object> d : drawn) {
        if (((Number) d.get(0)).longValue() >= a.getKey()) {
          ms[k++] = ((Number) d.get(1)).longValue() - a.getValue();
          break;
        }
      }
    }
    assertEquals(appended.size(), k, "every live update was drawn");
    return ms;
  }

  private static void progress(String s) {
    System.out.println("bench-console: " + s);
  }

  private static double pct(double[] a, double p) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s[Math.max(0, Math.min(s.length - 1, (int) Math.ceil(p / 100 * s.length) - 1))];
  }
}
