package dev.coxswain.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.io.IOException;

/**
 * One line of an event log, read: its event, or, for an event of a type this version does not know
 * (written by a newer one), its sequence number and why it is left out.
 *
 * @param event the event; null when its type is unknown
 * @param seq the event's sequence number
 * @param why for an unknown type, what a person reads in the warning
 */
record LogLine(Event event, long seq, String why) {

  /**
   * Reads a line.
   *
   * @throws IOException when the line is not an event at all (not JSON, no sequence number)
   */
  static LogLine parse(String line) throws IOException {
    try {
      Event e = Json.read(line, Event.class);
      return new LogLine(e, e.seq(), null);
    } catch (JsonProcessingException e) {
      // a well-formed event of a type this version does not know is skipped, not a corrupt log
      JsonNode n;
      try {
        n = Json.mapper().readTree(line);
      } catch (JsonProcessingException notJson) {
        throw new IOException("corrupt event log line: " + e.getOriginalMessage(), e);
      }
      JsonNode seq = n == null ? null : n.get("seq");
      JsonNode type = n == null ? null : n.get("type");
      if (seq != null && seq.canConvertToLong() && type != null && type.isTextual()) {
        String t = type.asText();
        if (!known(t)) {
          return new LogLine(
              null, seq.asLong(), "event type '" + t + "' is unknown to this version");
        }
      }
      throw new IOException("corrupt event log line: " + e.getOriginalMessage(), e);
    }
  }

  private static boolean known(String type) {
    try {
      EventType.fromWire(type);
      return true;
    } catch (IllegalArgumentException unknown) {
      return false;
    }
  }
}
