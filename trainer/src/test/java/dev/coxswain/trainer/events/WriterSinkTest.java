package dev.coxswain.trainer.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriterSinkTest {
  @TempDir Path dir;

  private static Event e(EventType t, long step) {
    return new Event(0, "r", "main", step, t, Instant.now(), Map.of("k", 1));
  }

  @Test
  void keepsOrderAcrossThreadsAndLosesNothingOnClose() throws Exception {
    List<Long> seen = Collections.synchronizedList(new ArrayList<>());
    SequencingSink numbered = new SequencingSink(ev -> seen.add(ev.seq()), 0);
    WriterSink w = new WriterSink(numbered);
    Thread[] ts = new Thread[3];
    for (int i = 0; i < ts.length; i++) {
      ts[i] =
          new Thread(
              () -> {
                for (int j = 0; j < 4000; j++) {
                  w.accept(e(j % 100 == 0 ? EventType.STATUS : EventType.METRICS, j));
                }
              });
      ts[i].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    w.close();
    assertEquals(12_000, seen.size(), "every accepted event, more than the queue holds");
    for (int i = 0; i < seen.size(); i++) {
      assertEquals(i + 1, seen.get(i), "passed on in the order accepted");
    }
  }

  @Test
  void metricsDoNotWaitForTheWriterButDurableEventsDo() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<EventType> written = Collections.synchronizedList(new ArrayList<>());
    WriterSink w =
        new WriterSink(
            ev -> {
              try {
                release.await();
              } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
              }
              written.add(ev.type());
            });
    // the writer is stuck on the first event: metrics are still taken at once
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          for (int i = 0; i < 100; i++) {
            w.accept(e(EventType.METRICS, i));
          }
        });
    assertTrue(written.isEmpty());
    CountDownLatch durableReturned = new CountDownLatch(1);
    Thread t =
        new Thread(
            () -> {
              w.accept(e(EventType.COMMAND_RESULT, 100));
              durableReturned.countDown();
            });
    t.start();
    assertFalse(durableReturned.await(300, java.util.concurrent.TimeUnit.MILLISECONDS));
    release.countDown();
    durableReturned.await();
    // when accept returned, the result and everything before it had been passed on
    assertEquals(101, written.size());
    assertEquals(EventType.COMMAND_RESULT, written.get(100));
    w.close();
  }

  @Test
  void aDurableEventIsInTheFileWhenAcceptReturns() throws Exception {
    Path f = dir.resolve("events.jsonl");
    try (WriterSink w = new WriterSink(new SequencingSink(new JsonlEventSink(f), 0))) {
      w.accept(e(EventType.METRICS, 1));
      w.accept(e(EventType.METRICS, 2));
      w.accept(e(EventType.COMMAND, 2));
      List<String> lines = Files.readAllLines(f);
      assertEquals(3, lines.size());
      assertEquals(EventType.COMMAND, Json.read(lines.get(2), Event.class).type());
      assertEquals(3, Json.read(lines.get(2), Event.class).seq());
    }
  }

  @Test
  void aFailureOfTheNextSinkIsThrownAndNothingMoreIsWritten() throws Exception {
    List<Long> written = Collections.synchronizedList(new ArrayList<>());
    WriterSink w =
        new WriterSink(
            ev -> {
              if (ev.step() == 2) {
                throw new IllegalStateException("disk full");
              }
              written.add(ev.step());
            });
    w.accept(e(EventType.METRICS, 1));
    w.accept(e(EventType.METRICS, 2));
    IllegalStateException x =
        assertThrows(IllegalStateException.class, () -> w.accept(e(EventType.STATUS, 3)));
    assertTrue(x.getMessage().contains("disk full"), x.getMessage());
    assertThrows(IllegalStateException.class, w::close);
    assertEquals(List.of(1L), written);
  }

  @Test
  void acceptAfterCloseIsALoudError() {
    WriterSink w = new WriterSink(EventSink.discard());
    w.close();
    assertThrows(IllegalStateException.class, () -> w.accept(e(EventType.METRICS, 1)));
  }
}
