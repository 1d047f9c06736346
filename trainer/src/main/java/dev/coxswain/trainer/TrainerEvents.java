package dev.coxswain.trainer;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.trainer.events.EventSink;
import java.time.Instant;

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

  // the one place a payload becomes an event
  void emit(Payload payload) {
    sink.accept(
        new Event(
            0,
            runId,
            position.branch(),
            position.step(),
            payload.type(),
            Instant.now(),
            Payloads.encode(payload)));
  }
}
