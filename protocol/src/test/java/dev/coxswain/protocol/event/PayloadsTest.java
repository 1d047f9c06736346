package dev.coxswain.protocol.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PayloadsTest {

  @Test
  void everyTypeDecodesToItsRecordAndEncodesBackToTheSameJson() throws Exception {
    Set<EventType> seen = EnumSet.noneOf(EventType.class);
    for (Event e : Fixtures.events(Fixtures.EVENTS.resolve("every-type.jsonl"))) {
      Payload p = e.body();
      assertEquals(e.type(), p.type(), "seq " + e.seq());
      assertEquals(
          Fixtures.normal(e.payload()), Fixtures.normal(Payloads.encode(p)), "seq " + e.seq());
      seen.add(e.type());
    }
    assertEquals(EnumSet.allOf(EventType.class), seen, "the fixture has every event type");
  }

  @Test
  void aRunWrittenByTheCodeOfDecember2ReadsAndWritesUnchanged() throws Exception {
    List<Event> events = Fixtures.events(Fixtures.RUN.resolve("events.jsonl"));
    assertTrue(events.size() > 1000, "the fixture run: " + events.size());
    for (Event e : events) {
      Map<String, Object> again = Payloads.encode(e.body());
      assertEquals(Fixtures.normal(e.payload()), Fixtures.normal(again), "seq " + e.seq());
    }
  }

  @Test
  void typedFieldsReadWhatTheWireSays() throws Exception {
    List<Event> events = Fixtures.events(Fixtures.EVENTS.resolve("fork-resume-rollback.jsonl"));
    Payload.Health h =
        events.stream()
            .filter(e -> e.type() == EventType.HEALTH)
            .map(e -> (Payload.Health) e.body())
            .findFirst()
            .orElseThrow();
    assertTrue(h.loss().isNaN(), "a non-finite loss travels as \"NaN\": " + h.loss());
    Payload.Eval ev =
        (Payload.Eval)
            events.stream().filter(e -> e.type() == EventType.EVAL).toList().get(1).body();
    assertEquals(1.9, ev.evalLoss());
    assertEquals("eval_loss", ev.goal().goal().metric());
    assertEquals(1.9, ev.value("eval_loss"));
    Payload.Status resuming =
        (Payload.Status)
            events.stream()
                .filter(e -> e.type() == EventType.STATUS)
                .map(Event::body)
                .filter(p -> "resuming".equals(((Payload.Status) p).status()))
                .findFirst()
                .orElseThrow();
    assertEquals(3L, resuming.fromStep());
    assertEquals("retry", resuming.branch());
  }

  @Test
  void aPayloadOfTheWrongShapeIsRefusedNamingTypeAndField() {
    Map<String, Object> noLoss = new LinkedHashMap<>(Map.of("perplexity", 2.0, "batches", 1));
    MalformedPayloadException e =
        assertThrows(
            MalformedPayloadException.class, () -> Payloads.decode(EventType.EVAL, noLoss));
    assertTrue(e.getMessage().startsWith("eval payload:"), e.getMessage());
    assertTrue(e.getMessage().contains("eval_loss"), e.getMessage());

    Map<String, Object> wrongType = Map.of("eval_loss", "low");
    e =
        assertThrows(
            MalformedPayloadException.class, () -> Payloads.decode(EventType.EVAL, wrongType));
    assertTrue(e.getMessage().contains("'eval_loss'"), e.getMessage());

    Map<String, Object> nullPrimitive = new LinkedHashMap<>();
    nullPrimitive.put("eval_loss", null); // metrics' lr is optional now: eval_loss is not
    e =
        assertThrows(
            MalformedPayloadException.class, () -> Payloads.decode(EventType.EVAL, nullPrimitive));
    assertTrue(e.getMessage().contains("eval_loss"), e.getMessage());

    Map<String, Object> badList = Map.of("id", "main/2", "pruned", "main/1");
    assertThrows(
        MalformedPayloadException.class, () -> Payloads.decode(EventType.CHECKPOINT, badList));

    Map<String, Object> badStatus =
        Map.of("command_id", "c-1", "type", "pause", "status", "maybe", "step", 3);
    e =
        assertThrows(
            MalformedPayloadException.class,
            () -> Payloads.decode(EventType.COMMAND_RESULT, badStatus));
    assertTrue(e.getMessage().startsWith("command_result payload:"), e.getMessage());
  }

  @Test
  void fieldsANewerVersionAddedAreIgnored() {
    Payload p =
        Payloads.decode(EventType.NOTE, Map.of("text", "hi", "source", "human", "mood", "calm"));
    assertEquals(new Payload.Note("hi", "human"), assertInstanceOf(Payload.Note.class, p));
  }

  @Test
  void anEventMadeFromARecordCarriesItsJsonForm() {
    Event e = Event.of("r", "main", 5, Payload.Status.of("paused"));
    assertEquals(EventType.STATUS, e.type());
    assertEquals(Map.of("status", "paused"), e.payload(), "null fields are absent on the wire");
    assertEquals(Payload.Status.of("paused"), e.body());
  }
}
