package dev.coxswain.run;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
import java.util.Optional;

/**
 * A resume, as its {@code status} event says: the branch and the step it continues from. The steps
 * of that branch after it are trained again, and histories drop the lost ones.
 */
record Resuming(String branch, long fromStep) {

  /** The resume an event announces; empty for any other event, or a resume that names neither. */
  static Optional<Resuming> of(Event e) {
    if (e.type() != EventType.STATUS) {
      return Optional.empty();
    }
    Payload.Status s;
    try {
      s = (Payload.Status) e.body();
    } catch (MalformedPayloadException unreadable) {
      return Optional.empty(); // the log's reader has said so; a history shows the rest
    }
    if (!"resuming".equals(s.status()) || s.branch() == null || s.fromStep() == null) {
      return Optional.empty();
    }
    return Optional.of(new Resuming(s.branch(), s.fromStep()));
  }
}
