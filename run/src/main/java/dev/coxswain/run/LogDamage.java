package dev.coxswain.run;

import dev.coxswain.protocol.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What is wrong with a run's log, in the order found, for {@link RunStore#damage}: what its check
 * found on opening, each line left out (a type or shape this version cannot read), each event a
 * replica refused. Each is also one warning. Not thread-safe: its store's lock guards it.
 */
final class LogDamage {
  private static final org.slf4j.Logger WARN = org.slf4j.LoggerFactory.getLogger(RunStore.class);

  private final String runId;
  private final String logName;
  private List<String> found = List.of();

  LogDamage(String runId, String logName) {
    this.runId = runId;
    this.logName = logName;
  }

  /** An event left out: a line of the log when read from it ({@code line} > 0), else its seq. */
  void skipped(long line, long seq, String why) {
    String where = line > 0 ? logName + " line " + line : "event " + seq;
    add(where + ": skipped (seq " + seq + "): " + why);
  }

  /** A replica was sent another event under a seq it holds: it keeps the one it holds. */
  void refused(Event sent, Event held) {
    add(
        String.format(
            Locale.ROOT,
            "the trainer sent another event under seq %d (%s at step %d; held: %s at step %d):"
                + " refused",
            sent.seq(),
            sent.type().wire(),
            sent.step(),
            held.type().wire(),
            held.step()));
  }

  /** What the log's check found on opening (gaps, numbers seen twice): it goes first. */
  void checked(List<String> check) {
    List<String> out = new ArrayList<>(check);
    out.addAll(found);
    found = List.copyOf(out);
  }

  private void add(String text) {
    WARN.warn("run {}: {}", runId, text);
    List<String> out = new ArrayList<>(found);
    out.add(text);
    found = List.copyOf(out);
  }

  /** Everything found so far; empty when the log is sound. */
  List<String> list() {
    return found;
  }
}
