package dev.coxswain.trainer.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  @Test
  void aFullDiskLeavesNoTornLineAndNoSequenceNumberTwice() throws Exception {
    Path log = dir.resolve("events.jsonl");
    FullDisk[] disk = new FullDisk[1];
    JsonlEventSink sink = new JsonlEventSink(log, true, FullDisk.withRoom(1_000_000, disk));
    SequencingSink numbered = new SequencingSink(sink, 0);
    numbered.accept(e(EventType.METRICS));
    numbered.accept(e(EventType.COMMAND));
    long whole = Files.size(log);
    disk[0].makeRoom(10); // the next line gets 10 bytes in, then the disk is full
    UncheckedIOException full =
        assertThrows(UncheckedIOException.class, () -> numbered.accept(e(EventType.METRICS)));
    assertTrue(full.getMessage().contains("No space left on device"), full.getMessage());
    assertEquals(whole, Files.size(log), "cut back to the last whole line");
    assertTrue(Files.readString(log).endsWith("}\n"));
    assertTrue(sink.failure().isPresent());

    // space comes back: this log still takes nothing, so no number is written twice
    disk[0].makeRoom(1_000_000);
    UncheckedIOException closed =
        assertThrows(UncheckedIOException.class, () -> numbered.accept(e(EventType.COMMAND)));
    assertTrue(closed.getMessage().contains("takes no more events"), closed.getMessage());
    assertEquals(whole, Files.size(log));
    sink.close();

    // the next writer (a resume) continues the numbers after the last whole line
    List<Event> before = read(log);
    try (JsonlEventSink again = new JsonlEventSink(log)) {
      new SequencingSink(again, before.get(before.size() - 1).seq()).accept(e(EventType.STATUS));
    }
    List<Event> all = read(log);
    assertEquals(List.of(1L, 2L, 3L), all.stream().map(Event::seq).toList());
  }

  private static List<Event> read(Path log) throws Exception {
    List<Event> out = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      out.add(Json.read(line, Event.class)); // every line whole
    }
    return out;
  }
}
