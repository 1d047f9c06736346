package dev.coxswain.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStoreTest {
  @TempDir Path dir;

  private static void assertPage(RunStore s, long since, int limit, long expectedLast)
      throws Exception {
    List<Event> page = s.since(since, limit);
    long expectedSize = Math.max(0, Math.min(limit, expectedLast - since));
    assertEquals(expectedSize, page.size(), "page after " + since);
    for (int i = 0; i < page.size(); i++) {
      assertEquals(since + 1 + i, page.get(i).seq(), "seq at " + i + " of the page after " + since);
    }
  }

  @Test
  void oldEventsAreReadFromTheIndexedFileExactlyOnceAndInOrderBeforeAndAfterReopening()
      throws Exception {
    int n = 3 * RunStore.RING + 77;
    Path runDir = dir.resolve("r");
    try (RunStore s = RunStore.create(runDir, Map.of("run_id", "r"))) {
      for (int i = 0; i < n; i++) {
        // multi-byte characters make byte offsets differ from character counts
        s.append(EventType.NOTE, Map.of("text", (i % 3 == 0 ? "naïve → ✓ 𝄞 " : "plain ") + i));
      }
      for (long since : new long[] {0, 1, 510, 511, 512, 513, 1024, 5000, n - 5000, n - 1, n}) {
        assertPage(s, since, 1000, n);
      }
      // the page ends where the log ends, and seq stays gap-free across the ring boundary
      assertPage(s, n - RunStore.RING - 10, 50, n);
    }
    try (RunStore s = RunStore.open(runDir)) {
      for (long since : new long[] {0, 512, 777, 4096, 9000, n - 1}) {
        assertPage(s, since, 1000, n);
      }
      Event e = s.append(EventType.NOTE, Map.of("text", "after reopening"));
      assertEquals(n + 1, e.seq());
      assertPage(s, 100, 1000, n + 1);
      assertEquals("after reopening", s.since(n, 10).get(0).payload().get("text"));
    }
  }

  @Test
  void appliedKnobChangesUpdateTheReportedKnobsAndRejectedOnesDoNot() throws Exception {
    try (RunStore s = RunStore.create(dir.resolve("k"), Map.of("run_id", "k"))) {
      s.append(
          EventType.KNOBS,
          Map.of(
              "knobs", Map.of("lr", 0.001),
              "specs", List.of(Map.of("name", "lr", "value", 0.001, "min", 0.0, "max", 10.0))));
      s.append(
          EventType.COMMAND_RESULT,
          Map.of(
              "command_id",
              "c1",
              "type",
              "scale_knob",
              "status",
              "rejected",
              "step",
              3,
              "reason",
              "no",
              "detail",
              Map.of("lr", Map.of("from", 0.001, "to", 9.0))));
      assertEquals(0.001, ((Number) s.read(StateViews::knobs).get(0).get("value")).doubleValue());
      s.append(
          EventType.COMMAND_RESULT,
          Map.of(
              "command_id",
              "c2",
              "type",
              "scale_knob",
              "status",
              "applied",
              "step",
              4,
              "detail",
              Map.of("lr", Map.of("from", 0.001, "to", 0.0005))));
      assertEquals(0.0005, ((Number) s.read(StateViews::knobs).get(0).get("value")).doubleValue());
    }
  }

  /** A log of five notes, with its lines as a list to damage. */
  private List<String> fiveNotes(Path runDir) throws Exception {
    try (RunStore s = RunStore.create(runDir, Map.of("run_id", "d"))) {
      for (int i = 1; i <= 5; i++) {
        s.append(EventType.NOTE, Map.of("text", "note " + i));
      }
    }
    return new java.util.ArrayList<>(
        java.nio.file.Files.readAllLines(runDir.resolve(RunStore.LOG)));
  }

  @Test
  void aGapAndANumberTwiceAreReportedWithTheirLinesAndTheRepeatIsSkipped() throws Exception {
    Path runDir = dir.resolve("d");
    List<String> lines = fiveNotes(runDir);
    lines.remove(2); // seq 3 missing: line 3 now holds seq 4
    lines.add(lines.get(1)); // seq 2 again at the end (line 5)
    java.nio.file.Files.write(runDir.resolve(RunStore.LOG), lines);
    try (RunStore s = RunStore.open(runDir)) {
      assertEquals(
          List.of(
              "events.jsonl line 3: seq 4 after 2: 1 event missing",
              "events.jsonl line 5: seq 2 again after 5 (two writers?): skipped"),
          s.damage());
      assertEquals(5, s.lastSeq());
      assertEquals(
          "note 5", s.since(4, 10).get(0).payload().get("text"), "the first writer's stands");
    }
    // a sound log has nothing to say
    Path sound = dir.resolve("s");
    fiveNotes(sound);
    try (RunStore s = RunStore.open(sound)) {
      assertEquals(List.of(), s.damage());
    }
  }

  @Test
  void anUnreadableLineMidLogIsNamedByItsLineAndAReaderCanSkipIt() throws Exception {
    Path runDir = dir.resolve("g");
    List<String> lines = fiveNotes(runDir);
    lines.set(2, "{\"seq\": 3, garbage");
    java.nio.file.Files.write(runDir.resolve(RunStore.LOG), lines);
    java.io.IOException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class, () -> RunStore.open(runDir));
    org.junit.jupiter.api.Assertions.assertTrue(
        refused.getMessage().contains("events.jsonl line 3:"), refused.getMessage());
    List<Long> seqs = new java.util.ArrayList<>();
    List<String> damage = new java.util.ArrayList<>();
    LogReader.read(runDir, RunStore.LOG, e -> seqs.add(e.seq()), damage::add);
    assertEquals(List.of(1L, 2L, 4L, 5L), seqs);
    assertEquals(2, damage.size(), damage.toString());
    org.junit.jupiter.api.Assertions.assertTrue(
        damage.get(0).startsWith("events.jsonl line 3: unreadable"), damage.toString());
    assertEquals("events.jsonl line 4: seq 4 after 2: 1 event missing", damage.get(1));
  }

  @Test
  void aReplicaRefusesAndReportsAnotherEventUnderASeqItHolds() throws Exception {
    Path runDir = dir.resolve("rep");
    try (RunStore r = RunStore.replica(runDir, Map.of("run_id", "rep"))) {
      Event one =
          new Event(
              1, "rep", "main", 1, EventType.NOTE, java.time.Instant.now(), Map.of("text", "a"));
      assertEquals(true, r.replicate(one, dev.coxswain.protocol.Json.write(one)));
      // the same event again (a catch-up overlapping the live stream): ignored, nothing to say
      assertEquals(false, r.replicate(one, dev.coxswain.protocol.Json.write(one)));
      assertEquals(List.of(), r.damage());
      Event other =
          new Event(
              1, "rep", "main", 7, EventType.NOTE, java.time.Instant.now(), Map.of("text", "b"));
      assertEquals(false, r.replicate(other, dev.coxswain.protocol.Json.write(other)));
      assertEquals("a", r.since(0, 10).get(0).payload().get("text"), "it keeps what it holds");
      assertEquals(1, r.damage().size());
      org.junit.jupiter.api.Assertions.assertTrue(
          r.damage().get(0).contains("another event under seq 1"), r.damage().toString());
    }
  }
}
