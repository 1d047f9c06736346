package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.ServedStore;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console opens a run through the history read (one request, not an event per step over the
 * stream), shows all of it, then follows the stream from where the history ended: a live event
 * arrives exactly once.
 */
class ConsoleHistoryBrowserTest {
  private static final int STEPS = 20_000; // main to 16,000; b1 from main's checkpoint at 10,000

  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void opensThroughTheHistoryThenEachLiveEventOnce() throws Exception {
    Path runDir = NightLog.write(dir.resolve("cache"), STEPS, s -> {});
    try (RunStore store = RunStore.open(runDir);
        ServedStore served =
            new ServedStore(store, ApiOptions.defaults(TestRuns.TOKEN).withPort(0));
        Browser b = new Browser(dir.resolve("chromium"), 1200, 1000)) {
      long seq = store.lastSeq();
      b.driver.get("http://127.0.0.1:" + served.port() + "/?run=" + NightLog.RUN);
      b.await(60, "the history drawn", d -> drawnSeq(b) >= seq);
      assertEquals(seq, stat(b, "historySeq"), "the history read brought every event");
      assertEquals(0L, stat(b, "streamed"), "nothing replayed over the stream");
      assertEquals(seq, stat(b, "events"), "each event of the log counted once");
      Map<String, Object> snap = b.snapshot();
      assertEquals(List.of(), snap.get("errors"), "no script errors");
      assertEquals(seq, ((Number) snap.get("lastSeq")).longValue());
      assertEquals(
          List.of(List.of("main", 16_000L, 161L), List.of("b1", 10_000L, 100L)),
          ((List<Map<String, Object>>) snap.get("branches"))
              .stream()
                  .map(
                      br ->
                          List.of(
                              br.get("name"),
                              ((Number) br.get("points")).longValue(),
                              ((Number) br.get("evals")).longValue()))
                  .toList(),
          "points and evaluations per branch");
      // an intervention every 1,000 steps (main to 16,000, b1 from 11,000) and the fork
      assertEquals(16 + 10 + 1, ((List<?>) snap.get("marks")).size(), "every command a mark");
      assertEquals(
          "applied",
          b.js("return window.coxswain.snapshot().marks.find(m => m.id === 'c-fork-16000').status"),
          "the fork's mark, with its result");
      assertEquals(20_000L, ((Number) snap.get("step")).longValue());

      // live: one step, then a command and its result
      Event step = store.append(NightLog.liveMetrics(STEPS + 1));
      b.await(30, "the live step drawn", d -> drawnSeq(b) >= step.seq());
      assertEquals(1L, stat(b, "streamed"), "the live step arrived once, nothing before it");
      assertEquals(step.seq(), stat(b, "events"));
      assertEquals(20_001L, ((Number) b.snapshot().get("step")).longValue());
      assertEquals(10_001L, points(b, 1), "b1 has the new step");
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("id", "c-live");
      c.put("type", "pause");
      c.put("source", "human");
      c.put("args", Map.of());
      store.append(
          new Event(0, NightLog.RUN, "b1", STEPS + 1, EventType.COMMAND, Instant.now(), c));
      Event result =
          store.append(
              new Event(
                  0,
                  NightLog.RUN,
                  "b1",
                  STEPS + 1,
                  EventType.COMMAND_RESULT,
                  Instant.now(),
                  Map.of(
                      "command_id",
                      "c-live",
                      "type",
                      "pause",
                      "status",
                      "applied",
                      "step",
                      STEPS + 2)));
      b.await(30, "the live command drawn", d -> drawnSeq(b) >= result.seq());
      assertEquals(3L, stat(b, "streamed"), "three live events, each once");
      assertEquals(result.seq(), stat(b, "events"));
      assertEquals(
          1L,
          b.js("return window.coxswain.snapshot().marks.filter(m => m.id === 'c-live').length"),
          "one mark for the live command");
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");
    }
  }

  private static long drawnSeq(Browser b) {
    return Long.parseLong(String.valueOf(b.js("return document.body.dataset.drawnSeq || '0'")));
  }

  private static long stat(Browser b, String name) {
    Object v = b.js("return window.coxswain.stats[arguments[0]]", name);
    return v == null ? -1 : ((Number) v).longValue();
  }

  @SuppressWarnings("unchecked")
  private static long points(Browser b, int branch) {
    List<Map<String, Object>> br = (List<Map<String, Object>>) b.snapshot().get("branches");
    return ((Number) br.get(branch).get("points")).longValue();
  }
}
