package dev.coxswain.protocol;

import java.util.Map;
import java.util.Set;

/**
 * Reading a command's arguments in their types, each refusal naming the field ({@code args.<key>})
 * and what is wrong: the small readers {@link ActionParser} is made of.
 */
final class Args {
  private Args() {}

  static Action.DataSource dataSource(Object o) throws InvalidCommandException {
    if (o instanceof String s) {
      return new Action.DataSource(checkedName(s, "args.sources"), null);
    }
    if (o instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> src = (Map<String, Object>) m;
      onlyKnown(src, Set.of("name", "path"));
      String name = checkedName(string(src, "name", true), "args.sources.name");
      String path = string(src, "path", false);
      if (path != null && (path.isBlank() || path.contains("\0"))) {
        throw new InvalidCommandException("args.sources.path", "'path' must not be empty");
      }
      return new Action.DataSource(name, path);
    }
    throw new InvalidCommandException(
        "args.sources", "each source is a name or {name, path}, got " + describe(o));
  }

  static String checkedName(String s, String field) throws InvalidCommandException {
    if (!Action.NAME.matcher(s).matches()) {
      throw new InvalidCommandException(
          field, "a source name must be 1-64 letters, digits, '.', '-' or '_', got '" + s + "'");
    }
    return s;
  }

  static void onlyKnown(Map<String, Object> a, Set<String> allowed) throws InvalidCommandException {
    if (allowed == null) {
      return;
    }
    for (String k : a.keySet()) {
      if (!allowed.contains(k)) {
        throw new InvalidCommandException(
            "args." + k,
            "unexpected argument '"
                + k
                + "'"
                + (allowed.isEmpty() ? "; this command takes none" : "; allowed: " + allowed));
      }
    }
  }

  static double number(Map<String, Object> a, String key) throws InvalidCommandException {
    Object v = a.get(key);
    if (v == null) {
      throw new InvalidCommandException(
          "args." + key, "'" + key + "' is required and must be a number");
    }
    if (!(v instanceof Number n)) {
      throw new InvalidCommandException(
          "args." + key, "'" + key + "' must be a number, got " + describe(v));
    }
    double d = n.doubleValue();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new InvalidCommandException("args." + key, "'" + key + "' must be finite, got " + d);
    }
    return d;
  }

  static String string(Map<String, Object> a, String key, boolean required)
      throws InvalidCommandException {
    Object v = a.get(key);
    if (v == null) {
      if (required) {
        throw new InvalidCommandException("args." + key, "'" + key + "' is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new InvalidCommandException(
          "args." + key, "'" + key + "' must be a string, got " + describe(v));
    }
    if (required && s.isBlank()) {
      throw new InvalidCommandException("args." + key, "'" + key + "' must not be empty");
    }
    return s;
  }

  static String module(Map<String, Object> a) throws InvalidCommandException {
    String m = string(a, "module", true);
    if (!Action.MODULE.matcher(m).matches()) {
      throw new InvalidCommandException(
          "args.module",
          "'module' must be a path from the model tree like block0.drop, got '"
              + (m.length() > 40 ? m.substring(0, 40) + "..." : m)
              + "'");
    }
    return m;
  }

  static String name(Map<String, Object> a, String key, boolean required)
      throws InvalidCommandException {
    String s = string(a, key, required);
    if (s != null && !Action.NAME.matcher(s).matches()) {
      throw new InvalidCommandException(
          "args." + key,
          "'" + key + "' must be 1-64 letters, digits, '.', '-' or '_', got '" + s + "'");
    }
    return s;
  }

  static String describe(Object v) {
    String kind =
        v instanceof String
            ? "string"
            : v instanceof Boolean
                ? "boolean"
                : v instanceof Map
                    ? "object"
                    : v instanceof java.util.List ? "array" : v.getClass().getSimpleName();
    String text = String.valueOf(v);
    return kind + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
  }
}
