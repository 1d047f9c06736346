package dev.coxswain.agent;

import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The part of JSON Schema that OpenAI's strict structured output uses (type, enum, properties,
 * required, additionalProperties, minimum, maximum, anyOf), for {@link FakeOpenAi} to judge a
 * scripted answer by the schema a request carried.
 */
final class FakeSchema {
  private FakeSchema() {}

  /** Whether a request asks for a schema: {@code response_format: json_schema} or strict tools. */
  static boolean structured(Map<?, ?> req) {
    if (req.get("response_format") instanceof Map<?, ?> rf
        && "json_schema".equals(rf.get("type"))) {
      return true;
    }
    if (req.get("tools") instanceof List<?> tools) {
      for (Object t : tools) {
        if (t instanceof Map<?, ?> tm
            && tm.get("function") instanceof Map<?, ?> f
            && Boolean.TRUE.equals(f.get("strict"))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether a provider honouring the request's schema could produce this reply. Faults (HTTP
   * errors, hangs, broken bodies) are not answers and always pass; without a schema anything goes.
   */
  static boolean allows(Map<?, ?> req, FakeOpenAi.Reply r) {
    if (!(r instanceof FakeOpenAi.Text) && !(r instanceof FakeOpenAi.Tool)) {
      return true;
    }
    if (req.get("response_format") instanceof Map<?, ?> rf
        && "json_schema".equals(rf.get("type"))
        && rf.get("json_schema") instanceof Map<?, ?> js
        && Boolean.TRUE.equals(js.get("strict"))) {
      return r instanceof FakeOpenAi.Text t && valid(js.get("schema"), parse(t.content()));
    }
    List<?> tools = req.get("tools") instanceof List<?> l ? l : List.of();
    boolean strict = structured(req);
    if (!strict) {
      return true;
    }
    if (r instanceof FakeOpenAi.Text) {
      return !"required".equals(req.get("tool_choice")); // text only where no tool call is forced
    }
    FakeOpenAi.Tool call = (FakeOpenAi.Tool) r;
    for (Object t : tools) {
      Map<?, ?> f = (Map<?, ?>) ((Map<?, ?>) t).get("function");
      if (call.name().equals(f.get("name"))) {
        return !Boolean.TRUE.equals(f.get("strict"))
            || valid(f.get("parameters"), parse(call.argumentsJson()));
      }
    }
    return false; // no such tool
  }

  private static final Object INVALID = new Object();

  private static Object parse(String json) {
    try {
      return json == null ? INVALID : Json.read(json, Object.class);
    } catch (IOException e) {
      return INVALID;
    }
  }

  static boolean valid(Object schema, Object v) {
    if (v == INVALID || !(schema instanceof Map<?, ?> s)) {
      return false;
    }
    if (s.get("anyOf") instanceof List<?> any) {
      return any.stream().anyMatch(x -> valid(x, v));
    }
    if (s.get("enum") instanceof List<?> e && !e.contains(v)) {
      return false;
    }
    Object type = s.get("type");
    List<?> types = type instanceof List<?> l ? l : type == null ? List.of() : List.of(type);
    if (!types.isEmpty() && types.stream().noneMatch(t -> is(String.valueOf(t), v))) {
      return false;
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (s.get("minimum") instanceof Number min && d < min.doubleValue()) {
        return false;
      }
      if (s.get("maximum") instanceof Number max && d > max.doubleValue()) {
        return false;
      }
    }
    if (v instanceof Map<?, ?> obj) {
      Map<?, ?> props = s.get("properties") instanceof Map<?, ?> p ? p : Map.of();
      if (s.get("required") instanceof List<?> req && !obj.keySet().containsAll(req)) {
        return false;
      }
      for (Map.Entry<?, ?> e : obj.entrySet()) {
        Object ps = props.get(e.getKey());
        if (ps == null
            ? Boolean.FALSE.equals(s.get("additionalProperties"))
            : !valid(ps, e.getValue())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean is(String type, Object v) {
    return switch (type) {
      case "object" -> v instanceof Map;
      case "array" -> v instanceof List;
      case "string" -> v instanceof String;
      case "number" -> v instanceof Number;
      case "integer" -> v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue());
      case "boolean" -> v instanceof Boolean;
      case "null" -> v == null;
      default -> false;
    };
  }
}
