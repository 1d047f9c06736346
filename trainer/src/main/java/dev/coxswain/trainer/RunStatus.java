package dev.coxswain.trainer;

import dev.coxswain.protocol.event.Payload;

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
    events.emit(Payload.Status.of(s));
  }

  /** The run failed: says why, if the log can still be written. */
  void failed(Throwable e) {
    String error = e.getClass().getSimpleName() + ": " + e.getMessage();
    value = "failed";
    try {
      events.emit(new Payload.Status("failed", error, null, null, null, null));
    } catch (RuntimeException unwritable) {
      e.addSuppressed(unwritable); // a log that cannot be written: the first error is the story
    }
  }
}
