package dev.coxswain.run;

import dev.coxswain.protocol.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a log's numbering line by line as it is read: every event's seq must be the one after the
 * last. A gap is reported (the events are missing; what follows is kept), a number seen again is
 * reported and skipped (the first writer's event stands), and an unreadable line is reported with
 * its line number. Readers say what is wrong with a log instead of accepting it silently.
 */
final class LogCheck {
  private final String log;
  private final List<String> damage = new ArrayList<>();
  private long last;

  LogCheck(String log) {
    this.log = log;
  }

  /** Whether to keep the event read at {@code line} (1-based); records what is wrong. */
  boolean accept(long line, Event e) {
    if (e.seq() <= last) {
      damage.add(
          log
              + " line "
              + line
              + ": seq "
              + e.seq()
              + " again after "
              + last
              + " (two writers?): skipped");
      return false;
    }
    if (e.seq() != last + 1) {
      long missing = e.seq() - last - 1;
      damage.add(
          log
              + " line "
              + line
              + ": seq "
              + e.seq()
              + " after "
              + last
              + ": "
              + missing
              + (missing == 1 ? " event" : " events")
              + " missing");
    }
    last = e.seq();
    return true;
  }

  /**
   * An event left out because this version cannot read it (a newer version's): its number still
   * counts, so the one after it is no gap.
   */
  void skip(long seq) {
    if (seq == last + 1) {
      last = seq;
    }
  }

  /** Records an unreadable line, skipped. */
  void unreadable(long line, String why) {
    damage.add(log + " line " + line + ": unreadable (" + why + "): skipped");
  }

  /** What is wrong with the log so far, in line order; empty for a sound log. */
  List<String> damage() {
    return List.copyOf(damage);
  }
}
