package dev.coxswain.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history a store keeps as events arrive is the one a read of its log gives, and a request
 * while events are being appended sees every event up to one seq and none after it.
 */
class KeptHistoryTest {
  // the server module's committed run of 2026-12-02 (its OldRunDirectoryTest opens it served)
  private static final Path FIXTURE =
      Path.of("../server/src/test/resources/fixtures/run-2026-12-02");

  @TempDir Path dir;

  @Test
  void aRealRunsHistoryKeptInMemoryIsTheOneReadFromItsLog() throws Exception {
    Path run = dir.resolve("r");
    Map<String, Object> runJson = Map.of("run_id", "20261202-051904-89ca");
    try (RunStore s = RunStore.create(run, runJson)) {
      for (String line : Files.readAllLines(FIXTURE.resolve(RunStore.LOG))) {
        Event e = Json.read(line, Event.class);
        assertEquals(e.seq(), s.append(e).seq(), "the fixture's numbers, kept");
      }
      assertTrue(s.keepsHistory(), "a store that wrote every event keeps the history");
      List<Predicate<String>> columns = List.of(m -> true, "loss"::equals, m -> false);
      for (Predicate<String> wanted : columns) {
        byte[] kept = s.history(wanted).toJson(s.runId());
        byte[] read = HistoryReader.read(s, wanted).toJson(s.runId());
        assertArrayEquals(read, kept, new String(kept, StandardCharsets.UTF_8));
      }
      JsonNode h = Json.mapper().readTree(s.history(m -> true).toJson(s.runId()));
      assertEquals(1041, h.get("last_seq").asLong());
      assertTrue(h.get("branches").size() >= 2, "the fixture's fork: " + h.get("branches"));
      assertTrue(h.get("folded").asLong() > 500, "metrics are columns, not events");
    }
    // the same run opened from its log: kept by the read that opened it, the same history
    try (RunStore opened = RunStore.open(run)) {
      assertTrue(opened.keepsHistory(), "a run opened from its log keeps what the open read");
      try (RunStore again = RunStore.create(dir.resolve("r2"), runJson)) {
        for (String line : Files.readAllLines(FIXTURE.resolve(RunStore.LOG))) {
          again.append(Json.read(line, Event.class));
        }
        for (Predicate<String> wanted :
            List.<Predicate<String>>of(m -> true, "loss"::equals, m -> false)) {
          byte[] kept = opened.history(wanted).toJson(opened.runId());
          assertArrayEquals(HistoryReader.read(opened, wanted).toJson(opened.runId()), kept);
          assertArrayEquals(again.history(wanted).toJson(again.runId()), kept);
        }
      }
    }
  }

  @Test
  void aRunOpenedFromItsLogKeepsEventsAppendedAfter() throws Exception {
    Path run = dir.resolve("r");
    try (RunStore s = RunStore.create(run, Map.of("run_id", "r"))) {
      s.append(EventType.STATUS, Map.of("status", "running"));
      for (long step = 1; step <= 300; step++) {
        s.append(metrics(step));
      }
    }
    try (RunStore opened = RunStore.open(run)) {
      for (long step = 301; step <= 400; step++) {
        opened.append(metrics(step));
      }
      assertTrue(opened.keepsHistory());
      byte[] kept = opened.history(m -> true).toJson("r");
      assertArrayEquals(HistoryReader.read(opened, m -> true).toJson("r"), kept);
      assertEquals(401, assertPrefix(kept), "the opened events and the appended ones, once each");
    }
  }

  @Test
  void aRunOpenedFromALogPastTheBoundReadsTheFile() throws Exception {
    Path run = dir.resolve("r");
    Map<String, Object> wide = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 8_000; i++) {
      wide.put("m" + i, (double) i); // 8,000 columns of 1,024 cells: past 8 million
    }
    try (RunStore s = RunStore.create(run, Map.of("run_id", "r"))) {
      s.append(EventType.STATUS, Map.of("status", "running"));
      s.append(new Event(0, "r", "main", 1, EventType.METRICS, Instant.now(), wide));
      s.append(metrics(2));
    }
    try (RunStore opened = RunStore.open(run)) {
      assertFalse(opened.keepsHistory(), "8,000 columns are past the bound: the file is read");
      JsonNode h = Json.mapper().readTree(opened.history(m -> true).toJson("r"));
      assertEquals(3, h.get("last_seq").asLong());
      assertEquals(8_003, h.get("branches").get(0).get("metrics").size(), "every column, read");
    }
  }

  @Test
  void aRunOpenedFromADamagedLogReadsTheFileAsBefore() throws Exception {
    Path run = dir.resolve("r");
    try (RunStore s = RunStore.create(run, Map.of("run_id", "r"))) {
      s.append(EventType.STATUS, Map.of("status", "running"));
      for (long step = 1; step <= 3; step++) {
        s.append(metrics(step));
      }
    }
    // seq 4 written twice (two writers once): the check keeps the first, a read of the file both
    Path log = run.resolve(RunStore.LOG);
    List<String> lines = Files.readAllLines(log);
    Files.writeString(
        log, lines.get(3) + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    try (RunStore opened = RunStore.open(run)) {
      assertFalse(opened.damage().isEmpty(), "the repeated number is damage");
      assertFalse(opened.keepsHistory(), "a damaged log is served as a read of it");
      assertArrayEquals(
          HistoryReader.read(opened, m -> true).toJson("r"), opened.history(m -> true).toJson("r"));
    }
  }

  @Test
  void aRequestDuringAppendsSeesAPrefixUpToOneSeq() throws Exception {
    int steps = 20_000;
    try (RunStore s = RunStore.create(dir.resolve("r"), Map.of("run_id", "r"))) {
      s.append(EventType.STATUS, Map.of("status", "running")); // seq 1: step k is seq k + 1
      // a request at a known point of the appends, from the appending thread itself
      AtomicReference<byte[]> atHalf = new AtomicReference<>();
      s.addListener(
          e -> {
            if (e.seq() == steps / 2) {
              try {
                atHalf.set(s.history(m -> true).toJson("r"));
              } catch (Exception ex) {
                throw new IllegalStateException(ex);
              }
            }
          });
      AtomicBoolean done = new AtomicBoolean();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (long step = 1; step <= steps; step++) {
                    s.append(metrics(step));
                  }
                } catch (Throwable t) {
                  failed.set(t);
                } finally {
                  done.set(true);
                }
              });
      writer.start();
      List<Long> seen = new ArrayList<>();
      while (!done.get()) {
        seen.add(assertPrefix(s.history(m -> true).toJson("r")));
      }
      writer.join();
      assertEquals(null, failed.get());
      assertEquals(steps / 2, assertPrefix(atHalf.get()), "the request made at seq 10,000");
      assertEquals(steps + 1, assertPrefix(s.history(m -> true).toJson("r")));
      assertFalse(seen.isEmpty(), "requests were made while the appends went on");
    }
  }

  @Test
  void aHistoryPastItsBoundIsLetGoAndTheStoreReadsItsLog() throws Exception {
    KeptHistory kept = new KeptHistory("r", 10_000);
    for (long step = 1; step <= 100; step++) {
      kept.accept(metrics(step).withSeq(step));
    }
    assertTrue(kept.holds(), "100 steps fit in 10,000 cells");
    for (long step = 101; step <= 5000; step++) {
      kept.accept(metrics(step).withSeq(step));
    }
    assertFalse(kept.holds(), "5,000 steps of three columns do not");
    assertTrue(kept.snapshot(m -> true).isEmpty());
  }

  /** Checks the history is whole up to its last seq and returns that seq. */
  private static long assertPrefix(byte[] json) throws Exception {
    JsonNode h = Json.mapper().readTree(json);
    long last = h.get("last_seq").asLong();
    JsonNode branches = h.get("branches");
    long steps = branches.isEmpty() ? 0 : branches.get(0).get("steps").size();
    assertEquals(last - 1, steps, "a metrics event for every seq after the first, and no more");
    if (steps > 0) {
      JsonNode main = branches.get(0);
      assertEquals(last - 1, main.get("steps").get((int) steps - 1).asLong());
      assertEquals(steps, main.get("metrics").get("loss").size(), "every column as long");
    }
    assertEquals(last, h.get("folded").asLong() + h.get("events").size(), "every event counted");
    return last;
  }

  @Test
  void aScanOfManyRunsKeepsOnlyTheNewestHistoriesAndServesTheOthersFromTheirLogs()
      throws Exception {
    int runs = RunRegistry.KEPT_AT_SCAN + 2;
    long t0 = System.currentTimeMillis() - 3_600_000;
    for (int i = 0; i < runs; i++) {
      Path run = dir.resolve("runs/r" + i);
      try (RunStore s = RunStore.create(run, Map.of("run_id", "r" + i))) {
        s.append(EventType.STATUS, Map.of("status", "running"));
        for (long step = 1; step <= 20; step++) {
          s.append(metrics(step));
        }
      }
      // r0 was written first, the last one last
      Files.setLastModifiedTime(
          run.resolve(RunStore.LOG), java.nio.file.attribute.FileTime.fromMillis(t0 + i * 60_000));
    }
    RunRegistry registry = new RunRegistry();
    registry.scan(dir.resolve("runs"));
    for (int i = 0; i < runs; i++) {
      RunStore s = registry.store("r" + i).orElseThrow();
      boolean newest = i >= runs - RunRegistry.KEPT_AT_SCAN;
      assertEquals(newest, s.keepsHistory(), "r" + i + " keeps its history: " + newest);
      // kept or read, the console gets the same history
      byte[] served = s.history(m -> true).toJson(s.runId());
      assertArrayEquals(HistoryReader.read(s, m -> true).toJson(s.runId()), served);
      s.close();
    }
  }

  private static Event metrics(long step) {
    Map<String, Object> p = Map.of("loss", 2.0 + 1.0 / step, "lr", 1e-3, "grad_norm", 0.5);
    return new Event(0, "r", "main", step, EventType.METRICS, Instant.now(), p);
  }
}
