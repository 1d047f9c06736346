package dev.coxswain.server.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our events as the reference's messages, read from their typed payloads. */
class ReferenceEventsTest {
  private final ReferenceEvents events = new ReferenceEvents("/runs/r1", null);

  @Test
  void aCheckpointAndAStepAreTranslatedFromTheirPayloads() {
    List<Map<String, Object>> saved =
        events.translate(
            Event.of("r1", "b1", 200, new Payload.Checkpoint("b1/200", null, true, null)));
    assertEquals(1, saved.size());
    assertEquals("checkpoint_info_update", saved.get(0).get("command"));
    String args = String.valueOf(saved.get(0).get("args"));
    assertTrue(args.contains("\"checkpoint_dir\":\"/runs/r1/checkpoints/b1/200\""), args);
    assertTrue(args.contains("\"uuid\":\"b1/200\""), args);

    Map<String, Object> step =
        events.logArgs(
            Event.of(
                "r1",
                "b1",
                201,
                new Payload.Metrics(2.5, 1e-3, null, 1.0, null, 100.0, 20.0, false)));
    @SuppressWarnings("unchecked")
    Map<String, Object> metrics = (Map<String, Object>) step.get("metrics");
    assertEquals(2.5, metrics.get("loss"));
    assertEquals(1e-3, metrics.get("learning_rate"));
    assertTrue(metrics.containsKey("grad_norm") && metrics.get("grad_norm") == null, "" + metrics);
  }

  @Test
  void anEventOfAShapeItCannotReadHasNoMessageAndTheNextOneStillHas() {
    Event odd =
        new Event(0, "r1", "main", 5, EventType.CHECKPOINT, Instant.now(), Map.of("tag", "x"));
    assertEquals(List.of(), events.translate(odd), "a checkpoint without its id");
    Event paused = Event.of("r1", "main", 6, Payload.Status.of("paused"));
    List<Map<String, Object>> said = events.translate(paused);
    assertEquals(1, said.size());
    assertEquals("pause_training", said.get(0).get("command"));
  }
}
