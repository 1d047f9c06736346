package dev.coxswain.run;

import dev.coxswain.protocol.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** The most recent events of a run, at most {@link #capacity}, oldest first. Not thread-safe. */
final class EventRing {
  private final int capacity;
  private final ArrayDeque<Event> events = new ArrayDeque<>();

  EventRing(int capacity) {
    this.capacity = capacity;
  }

  void add(Event e) {
    events.addLast(e);
    if (events.size() > capacity) {
      events.removeFirst();
    }
  }

  /** Whether the events after {@code since} are all here (none has left the ring yet). */
  boolean holdsAfter(long since) {
    return !events.isEmpty() && since >= events.peekFirst().seq() - 1;
  }

  /** The events after {@code since}, oldest first, at most {@code limit}. */
  List<Event> after(long since, int limit) {
    List<Event> out = new ArrayList<>();
    for (Event e : events) {
      if (e.seq() > since) {
        out.add(e);
        if (out.size() == limit) {
          break;
        }
      }
    }
    return out;
  }

  /** The event held under {@code seq}, or null when it is not in the ring. */
  Event held(long seq) {
    if (events.isEmpty() || seq < events.peekFirst().seq()) {
      return null; // older than the ring: not compared
    }
    // from the newest: an overlap with what the trainer sends is recent
    for (Iterator<Event> it = events.descendingIterator(); it.hasNext(); ) {
      Event h = it.next();
      if (h.seq() <= seq) {
        return h.seq() == seq ? h : null;
      }
    }
    return null;
  }
}
