package dev.coxswain.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.LinkedHashMap;
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
}
