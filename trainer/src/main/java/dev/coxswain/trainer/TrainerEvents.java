package dev.coxswain.trainer;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.trainer.events.EventSink;
import java.time.Instant;
import java.util.Map;

/**
 * The trainer's one way out for events: stamps each with the run, its branch and step, and time.
 */
final class TrainerEvents {
  private final EventSink sink;
  private final String runId;
  private final RunPosition position;

  TrainerEvents(EventSink sink, String runId, RunPosition position) {
    this.sink = sink;
    this.runId = runId;
    this.position = position;
  }

  // the one place a payload becomes an event: where typed payloads will plug in
  void emit(EventType type, Map<String, Object> payload) {
    sink.accept(
        new Event(0, runId, position.branch(), position.step(), type, Instant.now(), payload));
  }
}
