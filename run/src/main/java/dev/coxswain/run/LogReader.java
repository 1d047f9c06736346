package dev.coxswain.run;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.event.MalformedPayloadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads a run's log without opening it for writing, for readers outside the process that owns the
 * run, which may still be appending: nothing is repaired or truncated, a torn last line is left out
 * (not an error), and what is wrong with the log is reported, not repaired.
 */
public final class LogReader {
  private static final org.slf4j.Logger WARN = org.slf4j.LoggerFactory.getLogger(RunStore.class);

  private final Path events;
  private final String logName;
  private final Consumer<String> damage;
  private final LogCheck check;

  private LogReader(Path events, String logName, Consumer<String> damage) {
    this.events = events;
    this.logName = logName;
    this.damage = damage;
    this.check = new LogCheck(logName);
  }

  /**
   * Hands every event of the log {@code logName} in {@code dir} to {@code to}, in sequence order.
   *
   * @param logName {@link RunStore#LOG} or {@link RunStore#REPLICA}; a missing file has no events
   */
  public static void read(Path dir, String logName, Consumer<Event> to) throws IOException {
    read(dir, logName, to, null);
  }

  /**
   * The same, telling {@code damage} what is wrong with the log (a gap, a number seen twice, an
   * unreadable line, each with its line number); unreadable lines and repeated numbers are skipped.
   * With {@code damage} null an unreadable line is an error naming its line.
   */
  public static void read(Path dir, String logName, Consumer<Event> to, Consumer<String> damage)
      throws IOException {
    Path events = dir.resolve(logName);
    if (!Files.exists(events)) {
      return;
    }
    LogReader reader = new LogReader(events, logName, damage);
    try (BufferedReader r = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
      String line = r.readLine();
      long n = 0;
      while (line != null) {
        n++;
        String next = r.readLine();
        if (!line.isBlank() && !reader.line(line, n, next == null, to)) {
          break; // the writer is in the middle of its last line
        }
        line = next;
      }
    }
    if (damage != null) {
      reader.check.damage().forEach(damage);
    }
  }

  /** One line; false when it is an unreadable last line (being written). */
  private boolean line(String line, long n, boolean last, Consumer<Event> to) throws IOException {
    Event e = null;
    try {
      LogLine parsed = LogLine.parse(line);
      e = parsed.event();
      if (e == null) {
        check.skip(parsed.seq());
        skipped(n, parsed.why());
      } else {
        e.body(); // a payload of a shape this version cannot read is skipped the same way
      }
    } catch (MalformedPayloadException unreadable) {
      check.skip(e.seq());
      skipped(n, unreadable.getMessage());
      e = null;
    } catch (IOException bad) {
      if (last) {
        return false;
      }
      if (damage == null) {
        throw new IOException(events + " line " + n + ": " + bad.getMessage(), bad);
      }
      check.unreadable(n, bad.getMessage());
    }
    if (e != null && check.accept(n, e)) {
      to.accept(e);
    }
    return true;
  }

  private void skipped(long n, String why) {
    WARN.warn("{} line {}: skipped: {}", events, n, why);
    if (damage != null) {
      damage.accept(logName + " line " + n + ": skipped: " + why);
    }
  }
}
