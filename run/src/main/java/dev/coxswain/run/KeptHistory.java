package dev.coxswain.run;

import dev.coxswain.protocol.Event;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's {@link RunHistory} kept current as its store appends events (every metric as a column),
 * so that a console opening the run gets what is in memory instead of a read of the whole log. A
 * store opened from its log feeds it every event of the read that opens it: the same events, in the
 * same order, as a read of the file would give. Bounded: past {@value #MAX_CELLS} column cells
 * (steps times metrics, 8 bytes each: 300,000 steps of a dozen metrics take 3.6 million) or {@value
 * #MAX_EVENTS} events kept whole, it lets go of the history and its store reads the log instead.
 * Thread-safe: fed under its store's lock, in sequence order; read by {@link #snapshot} from any
 * thread.
 */
final class KeptHistory implements Consumer<Event> {
  /** Column cells kept at most: 64 MB of doubles. */
  static final long MAX_CELLS = 8_000_000;

  /** Events other than metrics (and the metrics tail) kept whole at most. */
  static final int MAX_EVENTS = 200_000;

  private static final Logger LOG = LoggerFactory.getLogger(KeptHistory.class);

  private final String runId;
  private final long maxCells;
  private RunHistory history = new RunHistory(m -> true); // null once let go

  KeptHistory(String runId) {
    this(runId, MAX_CELLS);
  }

  /** With another bound on the cells (a test's small one). */
  KeptHistory(String runId, long maxCells) {
    this.runId = runId;
    this.maxCells = maxCells;
  }

  @Override
  public synchronized void accept(Event e) {
    if (history == null) {
      return;
    }
    history.accept(e);
    if (history.cells() > maxCells || history.eventsKept() > MAX_EVENTS) {
      LOG.info(
          "run {}: its history outgrew memory at seq {} ({} cells, {} events): read from its log"
              + " from now on",
          runId,
          e.seq(),
          history.cells(),
          history.eventsKept());
      history = null;
    }
  }

  /**
   * Lets go of the history: its store reads the log from now on ({@code why} null: say nothing).
   */
  synchronized void letGo(String why) {
    if (history != null && why != null) {
      LOG.info("run {}: {}: its history is read from its log", runId, why);
    }
    history = null;
  }

  /** Whether it still holds the history (false once let go). */
  synchronized boolean holds() {
    return history != null;
  }

  /**
   * A copy of the history as it is now, with the metrics {@code wanted} accepts: every event up to
   * its last seq and none after, however the appends go on. Empty once it has been let go.
   */
  synchronized Optional<RunHistory> snapshot(Predicate<String> wanted) {
    return history == null ? Optional.empty() : Optional.of(history.copy(wanted));
  }
}
