package dev.coxswain.server.bus;

import dev.coxswain.protocol.Json;
import java.util.List;
import java.util.Map;

/**
 * The fields of one wire message as it arrived, read by name and type: every refusal names the
 * message and the field, so a peer of another version is told what it got wrong.
 */
final class Fields {
  private final String what;
  private final Map<?, ?> map;

  private Fields(String what, Map<?, ?> map) {
    this.what = what;
    this.map = map;
  }

  /**
   * Parses {@code body} as a JSON object.
   *
   * @param what the message, with its article ("a join"), for refusals
   */
  static Fields parse(String body, String what) {
    Object parsed;
    try {
      parsed = body == null ? null : Json.read(body, Object.class);
    } catch (Exception e) {
      throw Wire.Refusal.badRequest("not " + what + ": the body is not JSON");
    }
    if (!(parsed instanceof Map<?, ?> m)) {
      throw Wire.Refusal.badRequest("not " + what + ": the body is not a JSON object");
    }
    return new Fields(what, m);
  }

  /** The field as it came, or null when it is absent. */
  Object raw(String key) {
    return map.get(key);
  }

  String string(String key) {
    if (require(key) instanceof String s) {
      return s;
    }
    throw wrong(key, "a string");
  }

  /** A string, or null when absent or null. */
  String optionalString(String key) {
    Object v = map.get(key);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw wrong(key, "a string");
  }

  long whole(String key) {
    // Jackson reads integers as Integer, Long or BigInteger (beyond a long: refused)
    if (require(key) instanceof Number n && (n instanceof Integer || n instanceof Long)) {
      return n.longValue();
    }
    throw wrong(key, "a whole number");
  }

  /** A whole number of at least {@code min}. */
  long whole(String key, long min) {
    long v = whole(key);
    if (v < min) {
      throw wrong(key, "a whole number of at least " + min);
    }
    return v;
  }

  boolean bool(String key) {
    if (require(key) instanceof Boolean b) {
      return b;
    }
    throw wrong(key, "true or false");
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> object(String key) {
    if (require(key) instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw wrong(key, "a JSON object");
  }

  List<?> list(String key) {
    if (require(key) instanceof List<?> l) {
      return l;
    }
    throw wrong(key, "a JSON array");
  }

  private Object require(String key) {
    Object v = map.get(key);
    if (v == null) {
      throw Wire.Refusal.badRequest(what + " has no '" + key + "'");
    }
    return v;
  }

  /** A refusal naming the field and what it should have been, with (the start of) what it was. */
  Wire.Refusal wrong(String key, String expected) {
    return Wire.Refusal.badRequest(
        what + "'s '" + key + "' must be " + expected + ", got " + shown(map.get(key)));
  }

  private static String shown(Object v) {
    String s = v == null ? "nothing" : Json.write(v);
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
