package dev.coxswain.protocol;

import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import java.time.Instant;
import java.util.Map;

/**
 * One thing that happened in a run. Events are append-only; {@code seq} is run-wide and gap-free so
 * a client can resume with {@code since=seq} and miss nothing.
 *
 * @param seq run-wide sequence number, assigned by the sequencer (0 until then)
 * @param run run id
 * @param branch the branch the run was on
 * @param step the step it concerns (for metrics: the step just finished)
 * @param type what kind of event
 * @param time wall-clock time
 * @param payload type-specific content, JSON-shaped
 */
public record Event(
    long seq,
    String run,
    String branch,
    long step,
    EventType type,
    Instant time,
    Map<String, Object> payload) {

  public Event {
    payload = payload == null ? Map.of() : payload;
  }

  /** An event about to be sequenced (seq 0), now, with a typed payload. */
  public static Event of(String run, String branch, long step, Payload payload) {
    return new Event(0, run, branch, step, payload.type(), Instant.now(), Payloads.encode(payload));
  }

  /**
   * What this event says, typed. Decoded from the JSON-shaped payload on each call: keep the result
   * rather than calling it again.
   *
   * @throws dev.coxswain.protocol.event.MalformedPayloadException naming the field, when the
   *     payload does not have its type's shape
   */
  public Payload body() {
    return Payloads.decode(type, payload);
  }

  /** The same event with its sequence number assigned. */
  public Event withSeq(long newSeq) {
    return new Event(newSeq, run, branch, step, type, time, payload);
  }
}
