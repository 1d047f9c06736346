package dev.coxswain.trainer.events;

import dev.coxswain.protocol.Event;

/** Assigns run-wide, gap-free sequence numbers, then forwards the event. */
public final class SequencingSink implements EventSink {
  private final EventSink next;
  private long last;

  /**
   * @param lastSeq the last sequence number already used (0 for a new run; the log's last seq when
   *     a run resumes)
   */
  public SequencingSink(EventSink next, long lastSeq) {
    this.next = next;
    this.last = lastSeq;
  }

  @Override
  public synchronized void accept(Event event) {
    // Synchronized so that sequence order and delivery order are the same.
    // a number counts once its event is written: a failed write leaves no gap behind it
    next.accept(event.withSeq(last + 1));
    last++;
  }

  public synchronized long lastSeq() {
    return last;
  }

  @Override
  public void close() {
    next.close();
  }
}
