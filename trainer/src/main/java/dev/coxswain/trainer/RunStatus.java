package dev.coxswain.trainer;

import dev.coxswain.protocol.EventType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run's status (created, running, paused, finished, stopped, failed), announced as it moves.
 */
final class RunStatus {
  private final TrainerEvents events;
  private volatile String value = "created";

  RunStatus(TrainerEvents events) {
    this.events = events;
  }

  String get() {
    return value;
  }

  /** Sets it and says so in a {@code status} event. */
  void set(String s) {
    value = s;
    events.emit(EventType.STATUS, Map.of("status", s));
  }

  /** The run failed: says why, if the log can still be written. */
  void failed(Throwable e) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("status", "failed");
    p.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
    value = "failed";
    try {
      events.emit(EventType.STATUS, p);
    } catch (RuntimeException unwritable) {
      e.addSuppressed(unwritable); // a log that cannot be written: the first error is the story
    }
  }
}
