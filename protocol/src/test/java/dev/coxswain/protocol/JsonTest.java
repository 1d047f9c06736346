package dev.coxswain.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void commandsRoundTripWithWireNames() throws Exception {
    Command c =
        new Command(
            "c-1",
            "set_knobs",
            Source.HUMAN,
            Map.of("lr", 0.001),
            "too noisy",
            Instant.parse("2026-01-02T03:04:05Z"));
    String json = Json.write(c);
    assertTrue(json.contains("\"source\":\"human\""), json);
    assertTrue(json.contains("\"time\":\"2026-01-02T03:04:05Z\""), json);
    assertEquals(c, Json.read(json, Command.class));
  }

  @Test
  void aCommandWithoutIdSourceOrTimeGetsThem() throws Exception {
    Command c = Json.read("{\"type\":\"pause\"}", Command.class);
    assertTrue(c.id().startsWith("c-"));
    assertEquals(Source.API, c.source());
    assertEquals(Map.of(), c.args());
  }

  @Test
  void resultsAndEventsRoundTrip() throws Exception {
    Command c = Command.of("stop", Source.AGENT, Map.of());
    CommandResult r = CommandResult.rejected(c, 7, "already stopping");
    String json = Json.write(r);
    assertTrue(json.contains("\"status\":\"rejected\""), json);
    assertEquals(r, Json.read(json, CommandResult.class));
    Event e =
        new Event(
            3,
            "run-1",
            "main",
            7,
            EventType.COMMAND_RESULT,
            Instant.parse("2026-01-02T03:04:05Z"),
            Json.toMap(r));
    String ej = Json.write(e);
    assertTrue(ej.contains("\"type\":\"command_result\""), ej);
    Event back = Json.read(ej, Event.class);
    assertEquals(e.seq(), back.seq());
    assertEquals(EventType.COMMAND_RESULT, back.type());
    assertEquals(r, Json.fromMap(back.payload(), CommandResult.class));
  }

  @Test
  void badSourceAndMalformedJsonAreErrors() {
    assertThrows(
        JsonProcessingException.class,
        () -> Json.read("{\"type\":\"pause\",\"source\":\"god\"}", Command.class));
    assertThrows(JsonProcessingException.class, () -> Json.read("{\"type\":", Command.class));
  }

  @Test
  void knobsSerializeWithTypeAndBounds() throws Exception {
    Knob k = new Knob("lr", KnobType.DOUBLE, 0.1, 0, 1, "learning rate");
    String json = Json.write(k);
    assertTrue(json.contains("\"type\":\"double\""), json);
    assertEquals(k, Json.read(json, Knob.class));
  }
}
