package dev.coxswain.server.api;

import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test of the suite (its name keeps it out of {@code mvn verify}): the resident
 * memory of a serving process while 200 WebSocket clients open the stream from seq 0 and never read
 * a byte. Prints the RSS every 10 s. Run:
 *
 * <pre>
 * mvn -pl server -am test -Dtest=StreamClientsBench -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dcoxswain.bench.clients=200] [-Dcoxswain.bench.seconds=120] [-Dcoxswain.bench.jar=OLD.jar]
 *     [-Dcoxswain.bench.finished=STEPS]
 * </pre>
 *
 * With {@code coxswain.bench.jar} the server is that jar (an older build, to compare).
 */
class StreamClientsBench {
  @TempDir Path dir;

  private static long rssKb(long pid) throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  /** The heap in use right after a full collection (what is really held), in MB, via jcmd. */
  private static double liveHeapMb(long pid) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    new ProcessBuilder(jcmd, Long.toString(pid), "GC.run")
        .redirectErrorStream(true)
        .start()
        .waitFor();
    Process info =
        new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info")
            .redirectErrorStream(true)
            .start();
    String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    info.waitFor();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
  }

  private static String step(TestRuns.Http http, String run) {
    try {
      return String.valueOf(http.state(run).get("step"));
    } catch (Exception e) {
      return "no answer in 10 s";
    }
  }

  @Test
  void residentMemoryWithClientsThatNeverRead() throws Exception {
    int clients = Integer.getInteger("coxswain.bench.clients", 200);
    int seconds = Integer.getInteger("coxswain.bench.seconds", 120);
    String jar = System.getProperty("coxswain.bench.jar");
    // with a number of steps: the clients replay a finished run of that length instead
    long finished = Long.getLong("coxswain.bench.finished", 0);
    Map<String, String> env = Map.of("COXSWAIN_TOKEN", TestRuns.TOKEN);
    String[] args = {
      "serve",
      "--port",
      "0",
      "--config",
      TestRuns.config(dir, finished > 0 ? finished : 1_000_000, 1000).toString(),
      "--run-dir",
      dir.resolve("runs/bench").toString()
    };
    ServerProcess p =
        jar == null
            ? ServerProcess.start(dir.resolve("logs"), env, args)
            : ServerProcess.startJar(dir.resolve("logs"), env, Path.of(jar), args);
    List<Socket> open = new ArrayList<>();
    try (p) {
      p.awaitServing(180);
      TestRuns.Http http = new TestRuns.Http(p.port());
      if (finished > 0) {
        http.awaitState(p.runId(), s -> "finished".equals(s.get("status")), 900);
      } else {
        http.awaitState(p.runId(), s -> ((Number) s.get("step")).longValue() >= 200, 300);
      }
      long pid = p.process().pid();
      long before = rssKb(pid);
      double heapBefore = liveHeapMb(pid);
      for (int i = 0; i < clients; i++) {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096); // a client that never reads: its kernel holds little
        s.connect(new java.net.InetSocketAddress("127.0.0.1", p.port()));
        OutputStream out = s.getOutputStream();
        out.write(
            ("GET /api/runs/"
                    + p.runId()
                    + "/stream?since=0 HTTP/1.1\r\nHost: 127.0.0.1:"
                    + p.port()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        open.add(s);
      }
      System.out.printf(
          Locale.ROOT,
          "stream clients that never read: %d (%s), server %s; RSS before %.0f MB%n",
          clients,
          finished > 0 ? "replaying a finished run of " + finished + " steps" : "a live run",
          jar == null ? "this build" : jar,
          before / 1024.0);
      long t0 = System.nanoTime();
      long peak = before;
      for (int t = 10; t <= seconds; t += 10) {
        long until = t0 + t * 1_000_000_000L;
        while (System.nanoTime() < until) {
          Thread.sleep(200); // a benchmark's sampling clock, not a wait for a condition
        }
        long rss = rssKb(pid);
        peak = Math.max(peak, rss);
        System.out.printf(
            Locale.ROOT,
            "  t=%3d s  step %s  RSS %6.0f MB  (+%.0f MB)%n",
            t,
            step(http, p.runId()),
            rss / 1024.0,
            (rss - before) / 1024.0);
      }
      double heapAfter = liveHeapMb(pid);
      System.out.printf(
          Locale.ROOT,
          "live heap after a full GC: %.0f MB before the clients, %.0f MB after %d s%n",
          heapBefore,
          heapAfter,
          seconds);
      System.out.printf(
          Locale.ROOT,
          "RESULT clients=%d seconds=%d rss_before_mb=%.0f rss_peak_mb=%.0f growth_mb=%.0f%n",
          clients,
          seconds,
          before / 1024.0,
          peak / 1024.0,
          (peak - before) / 1024.0);
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }
}
