package dev.coxswain.protocol.event;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one place where an event's JSON payload becomes a {@link Payload} and back. The JSON form is
 * the protocol's ({@link Json}: snake_case keys, absent for null), so the wire and logs written
 * before typed payloads existed read the same.
 */
public final class Payloads {
  private static final ObjectMapper READER =
      Json.mapper()
          .copy()
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  private static final Map<EventType, Class<? extends Payload>> CLASSES =
      new EnumMap<>(EventType.class);

  static {
    CLASSES.put(EventType.METRICS, Payload.Metrics.class);
    CLASSES.put(EventType.EVAL, Payload.Eval.class);
    CLASSES.put(EventType.KNOBS, Payload.Knobs.class);
    CLASSES.put(EventType.STATUS, Payload.Status.class);
    CLASSES.put(EventType.CHECKPOINT, Payload.Checkpoint.class);
    CLASSES.put(EventType.BRANCH, Payload.Branch.class);
    CLASSES.put(EventType.HEALTH, Payload.Health.class);
    CLASSES.put(EventType.NOTE, Payload.Note.class);
    CLASSES.put(EventType.DATA, Payload.Data.class);
    CLASSES.put(EventType.AGENT_DECISION, Payload.AgentDecision.class);
    CLASSES.put(EventType.AGENT_OUTCOME, Payload.AgentOutcome.class);
    CLASSES.put(EventType.EVALUATING, Payload.Evaluating.class);
    CLASSES.put(EventType.HEARTBEAT, Payload.Heartbeat.class);
  }

  private Payloads() {}

  /**
   * The typed payload of an event of {@code type}.
   *
   * @throws MalformedPayloadException naming the type and the field, when the map does not have the
   *     type's shape
   */
  public static Payload decode(EventType type, Map<String, ?> map) {
    try {
      return switch (type) {
        case COMMAND -> new Payload.CommandSent(READER.convertValue(map, Command.class));
        case COMMAND_RESULT -> new Payload.Result(READER.convertValue(map, CommandResult.class));
        default -> READER.convertValue(map, CLASSES.get(type));
      };
    } catch (IllegalArgumentException e) {
      throw new MalformedPayloadException(type.wire() + " payload: " + describe(e), e);
    }
  }

  /** The JSON-shaped map of a payload, as the wire and the log carry it. */
  public static Map<String, Object> encode(Payload p) {
    if (p instanceof Payload.CommandSent c) {
      return Json.toMap(c.command());
    }
    if (p instanceof Payload.Result r) {
      return Json.toMap(r.result());
    }
    return Json.toMap(p);
  }

  // Jackson's message names Java types and classes; a reader of a log wants the field
  private static String describe(IllegalArgumentException e) {
    Throwable c = e.getCause() != null ? e.getCause() : e;
    if (c instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      String field =
          m.getPath().stream()
              .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(Collectors.joining("."));
      String why = m.getOriginalMessage();
      int cut = why.indexOf('\n');
      return "'" + field + "': " + (cut < 0 ? why : why.substring(0, cut));
    }
    String why = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    int cut = why.indexOf('\n');
    return cut < 0 ? why : why.substring(0, cut);
  }
}
