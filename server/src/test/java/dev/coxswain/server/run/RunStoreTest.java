package dev.coxswain.server.run;

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
      assertEquals(0.001, ((Number) s.knobs().get(0).get("value")).doubleValue());
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
      assertEquals(0.0005, ((Number) s.knobs().get(0).get("value")).doubleValue());
    }
  }
}
