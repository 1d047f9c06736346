package dev.coxswain.server.reference;

import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The reference's message envelope, for commands and events alike: {@code {command, args, time,
 * uuid, status}}, where {@code args} is a JSON document in a string. What is ambiguous in their
 * protocol is accepted both ways: {@code time} in seconds or milliseconds since the epoch, {@code
 * args} as a string or as the object itself.
 *
 * @param time seconds since the epoch, as the client sent it (milliseconds are converted)
 */
public record ReferenceEnvelope(
    String command, Map<String, Object> args, String rawArgs, double time, String uuid) {
  private static final Pattern NAME = Pattern.compile("[a-z_]{1,64}");
  private static final int MAX_UUID = 128;
  // after 2001-09-09 in milliseconds, before 5138 in seconds: a time above this is milliseconds
  private static final double MILLIS_ABOVE = 1e11;

  /**
   * Reads a command envelope.
   *
   * @throws InvalidCommandException naming the field at fault (body, command, args, time, uuid)
   */
  @SuppressWarnings("unchecked")
  public static ReferenceEnvelope parse(String body) throws InvalidCommandException {
    Object parsed;
    try {
      parsed = body == null || body.isBlank() ? null : Json.mapper().readValue(body, Object.class);
    } catch (Exception e) {
      throw new InvalidCommandException("body", "the body is not valid JSON");
    }
    if (!(parsed instanceof Map<?, ?> raw)) {
      throw new InvalidCommandException(
          "body", "the body must be a JSON object {command, args, time, uuid, status}");
    }
    Map<String, Object> m = (Map<String, Object>) raw;
    if (!(m.get("command") instanceof String command) || !NAME.matcher(command).matches()) {
      throw new InvalidCommandException(
          "command", "'command' is required: a name such as update_optimizer or pause_training");
    }
    Object u = m.get("uuid");
    if (u != null && (!(u instanceof String s) || s.length() > MAX_UUID)) {
      throw new InvalidCommandException(
          "uuid", "'uuid' must be a string of at most " + MAX_UUID + " characters");
    }
    Object t = m.get("time");
    double time;
    if (t == null) {
      time = System.currentTimeMillis() / 1000.0;
    } else if (t instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() >= 0) {
      time = n.doubleValue() > MILLIS_ABOVE ? n.doubleValue() / 1000.0 : n.doubleValue();
    } else {
      throw new InvalidCommandException(
          "time", "'time' must be a non-negative number (seconds or milliseconds since 1970)");
    }
    Object a = m.get("args");
    Map<String, Object> args;
    String rawArgs;
    if (a == null || (a instanceof String s && s.isBlank())) {
      args = Map.of();
      rawArgs = "";
    } else if (a instanceof String s) {
      Object inner;
      try {
        inner = Json.mapper().readValue(s, Object.class);
      } catch (Exception e) {
        throw new InvalidCommandException("args", "'args' is not valid JSON: " + shorten(s));
      }
      if (!(inner instanceof Map<?, ?> im)) {
        throw new InvalidCommandException("args", "'args' must hold a JSON object");
      }
      args = (Map<String, Object>) im;
      rawArgs = s;
    } else if (a instanceof Map<?, ?> am) {
      args = (Map<String, Object>) am;
      rawArgs = Json.write(am);
    } else {
      throw new InvalidCommandException("args", "'args' must be a JSON object in a string");
    }
    return new ReferenceEnvelope(command, args, rawArgs, time, u == null ? "" : (String) u);
  }

  private static String shorten(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  /** This command's envelope again, with a status (pending, running, success, failed). */
  public Map<String, Object> echo(String status) {
    return envelope(status, command, rawArgs, uuid, time);
  }

  /** An envelope in the reference's field order. */
  public static Map<String, Object> envelope(
      String status, String command, String args, String uuid, double time) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", status);
    m.put("command", command);
    m.put("args", args);
    m.put("uuid", uuid);
    m.put("time", time);
    return m;
  }
}
