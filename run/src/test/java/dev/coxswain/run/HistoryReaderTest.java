package dev.coxswain.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fast reader of a log gives the same history as every event fed to {@link RunHistory}. */
class HistoryReaderTest {
  @TempDir Path dir;

  private static RunStore run(Path dir) throws IOException {
    RunStore s = RunStore.create(dir, Map.of("run_id", "r"));
    s.append(EventType.STATUS, Map.of("status", "running"));
    // over 1 MB: the reader's buffer is refilled many times, lines cut across its refills
    for (long step = 1; step <= 8000; step++) {
      String branch = step <= 5000 ? "main" : "b1";
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("loss", 2.0 + Math.sin(step));
      p.put("lr", 1e-3);
      p.put("tokens_per_s", 44_000 + step); // an integer in the JSON
      p.put("skipped", step % 7 == 0);
      p.put("note", "not a number");
      s.append(new Event(0, "r", branch, step, EventType.METRICS, Instant.now(), p));
      if (step % 50 == 0) {
        s.append(
            new Event(
                0, "r", branch, step, EventType.EVAL, Instant.now(), Map.of("eval_loss", 2.1)));
      }
      if (step == 7950) {
        s.append(
            new Event(
                0,
                "r",
                "b1",
                step,
                EventType.STATUS,
                Instant.now(),
                Map.of("status", "resuming", "from_step", 7900, "branch", "b1")));
      }
    }
    return s;
  }

  @Test
  void theSameHistoryAsEveryEventFedWhole() throws Exception {
    try (RunStore s = run(dir.resolve("r"))) {
      assertTrue(Files.size(s.log()) > 1 << 20, "a log of " + Files.size(s.log()) + " bytes");
      for (boolean all : new boolean[] {true, false}) {
        RunHistory slow = new RunHistory(all ? m -> true : "loss"::equals);
        s.forEach(slow);
        byte[] fast = HistoryReader.read(s, all ? m -> true : "loss"::equals).toJson("r");
        assertArrayEquals(slow.toJson("r"), fast, new String(fast, StandardCharsets.UTF_8));
      }
      assertEquals(s.lastSeq(), HistoryReader.read(s, m -> true).lastSeq());
    }
  }

  @Test
  void stopsAtTheLastSeqItStartedWithAndIgnoresALineBeingWritten() throws Exception {
    try (RunStore s = run(dir.resolve("r"))) {
      long seq = s.lastSeq();
      // what a writer has half written when the read reaches the end of the file
      Files.writeString(
          s.log(), "{\"seq\":" + (seq + 1) + ",\"run\":\"r\",\"bra", StandardOpenOption.APPEND);
      assertEquals(seq, HistoryReader.read(s, m -> true).lastSeq());
    }
  }

  @Test
  void aCorruptLineInTheMiddleIsAnErrorThatSaysSo() throws Exception {
    Path r = dir.resolve("r");
    try (RunStore s = run(r)) {
      String log = Files.readString(s.log());
      int at = log.indexOf('\n', log.length() / 2);
      Files.writeString(
          s.log(), log.substring(0, at + 1) + "{\"seq\": oops}\n" + log.substring(at + 1));
      IOException e = assertThrows(IOException.class, () -> HistoryReader.read(s, m -> true));
      assertTrue(e.getMessage().startsWith("corrupt event log line"), e.getMessage());
    }
  }

  @Test
  void anEventOfATypeThisVersionDoesNotKnowIsSkippedWithOneWarningAndTheRestLoads()
      throws Exception {
    Path r = dir.resolve("r");
    run(r).close();
    Path log = r.resolve(RunStore.LOG);
    List<String> lines = new ArrayList<>(Files.readAllLines(log));
    // line 10: a metrics event at step 9 that a newer version wrote as a type of its own
    assertTrue(lines.get(9).contains("\"type\":\"metrics\""), lines.get(9));
    lines.set(9, lines.get(9).replace("\"type\":\"metrics\"", "\"type\":\"telemetry\""));
    Files.write(log, lines);
    try (RunStore s = RunStore.open(r)) {
      List<String> warnings = new ArrayList<>();
      RunHistory fast = HistoryReader.read(s, m -> true, warnings::add);
      assertEquals(
          List.of(
              "events.jsonl line 10: skipped (seq 10): event type 'telemetry' is unknown to this"
                  + " version"),
          warnings);
      assertEquals(s.lastSeq(), fast.lastSeq(), "every event after it loaded");
      RunHistory slow = new RunHistory(m -> true);
      s.forEach(slow);
      assertArrayEquals(slow.toJson("r"), fast.toJson("r"), "the events the store reads");
      String json = new String(fast.toJson("r"), StandardCharsets.UTF_8);
      assertFalse(json.contains("telemetry"), "left out");
    }
  }

  @Test
  void aTruncatedLastLineIsStillRepairedAndTheHistoryEndsBeforeIt() throws Exception {
    Path r = dir.resolve("r");
    long whole;
    try (RunStore s = run(r)) {
      whole = s.lastSeq();
    }
    // a crash in the middle of the last line
    Files.writeString(
        r.resolve(RunStore.LOG),
        "{\"seq\":" + (whole + 1) + ",\"run\":\"r\",\"bra",
        StandardOpenOption.APPEND);
    try (RunStore s = RunStore.open(r)) {
      assertEquals(whole, s.lastSeq(), "the torn line is not an event");
      assertTrue(Files.readString(s.log()).endsWith("\n"), "the torn line is cut off the file");
      List<String> warnings = new ArrayList<>();
      RunHistory h = HistoryReader.read(s, m -> true, warnings::add);
      assertEquals(whole, h.lastSeq());
      assertEquals(List.of(), warnings, "a repaired line is no unknown event");
    }
  }
}
