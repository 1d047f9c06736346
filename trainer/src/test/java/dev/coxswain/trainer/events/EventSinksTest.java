package dev.coxswain.trainer.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventSinksTest {
  @TempDir Path dir;

  private static Event e(EventType t) {
    return new Event(0, "r", "main", 1, t, Instant.now(), Map.of("k", 1));
  }

  @Test
  void sequencesAreGapFreeAcrossThreadsAndContinueAfterResume() throws Exception {
    List<Long> seen = new ArrayList<>();
    SequencingSink s = new SequencingSink(ev -> seen.add(ev.seq()), 41);
    Thread[] ts = new Thread[4];
    for (int i = 0; i < ts.length; i++) {
      ts[i] =
          new Thread(
              () -> {
                for (int j = 0; j < 250; j++) {
                  s.accept(e(EventType.HEARTBEAT));
                }
              });
      ts[i].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    assertEquals(1000, seen.size());
    for (int i = 0; i < seen.size(); i++) {
      assertEquals(42 + i, seen.get(i), "delivered in sequence order");
    }
    assertEquals(1041, s.lastSeq());
  }

  @Test
  void fileSinkAppendsOneJsonLinePerEventAndKeepsOldLines() throws Exception {
    Path f = dir.resolve("run/events.jsonl");
    try (JsonlEventSink sink = new JsonlEventSink(f)) {
      sink.accept(e(EventType.METRICS).withSeq(1));
      sink.accept(e(EventType.COMMAND).withSeq(2));
    }
    try (JsonlEventSink sink = new JsonlEventSink(f)) {
      sink.accept(e(EventType.STATUS).withSeq(3));
    }
    List<String> lines = Files.readAllLines(f);
    assertEquals(3, lines.size());
    assertEquals(EventType.COMMAND, Json.read(lines.get(1), Event.class).type());
    assertEquals(3, Json.read(lines.get(2), Event.class).seq());
  }

  @Test
  void writingAfterCloseIsALoudError() throws Exception {
    JsonlEventSink sink = new JsonlEventSink(dir.resolve("events.jsonl"));
    sink.close();
    assertThrows(UncheckedIOException.class, () -> sink.accept(e(EventType.METRICS)));
  }
}
