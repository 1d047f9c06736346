package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An action a run registered for itself (re-initialise a layer, freeze a critic for N steps...):
 * its name, what it does, whether the agent may call it, and the typed fields of its arguments. A
 * {@code run_action} command names it and gives its fields: {@code {"action": "freeze_d", "steps":
 * 20}}. {@link #check} refuses arguments that do not fit, naming the field, before anything is
 * recorded.
 *
 * @param name e.g. {@code reinit_d_head}; not a built-in command's name
 * @param description what it does, for people and for the agent's tool
 * @param agent whether the supervising agent may call it (a person always may)
 * @param fields its arguments, in order
 */
public record ActionSpec(String name, String description, boolean agent, List<Field> fields) {

  /** Action and field names. */
  public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,47}");

  public ActionSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("action name must match [a-z][a-z0-9_]{0,47}: " + name);
    }
    if (CommandType.fromWire(name).isPresent()) {
      throw new IllegalArgumentException(
          "action '" + name + "' has the name of a built-in command");
    }
    description = description == null ? "" : description;
    fields = fields == null ? List.of() : List.copyOf(fields);
    Set<String> seen = new HashSet<>();
    for (Field f : fields) {
      if (!seen.add(f.name())) {
        throw new IllegalArgumentException(
            "action '" + name + "' has two fields named '" + f.name() + "'");
      }
      if (f.name().equals("action")) {
        throw new IllegalArgumentException(
            "action '" + name + "': a field may not be named 'action' (it names the action)");
      }
    }
  }

  /** The type of one argument. */
  public enum FieldType {
    REAL,
    INTEGER,
    BOOLEAN,
    CHOICE,
    TEXT;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static FieldType fromWire(String wire) {
      return FieldType.valueOf(wire.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * One argument of an action.
   *
   * @param min inclusive lower bound of a number, or null
   * @param max inclusive upper bound of a number (the longest text for text), or null
   * @param choices the options of a choice field
   */
  public record Field(
      String name,
      FieldType type,
      boolean required,
      Double min,
      Double max,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> choices,
      String description) {
    public Field {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("field name must match [a-z][a-z0-9_]{0,47}: " + name);
      }
      if (type == null) {
        throw new IllegalArgumentException("field '" + name + "' needs a type");
      }
      choices = choices == null ? List.of() : List.copyOf(choices);
      if ((type == FieldType.CHOICE) == choices.isEmpty()) {
        throw new IllegalArgumentException(
            "field '" + name + "': a choice field, and only it, lists options");
      }
      if (min != null && max != null && !(min <= max)) {
        throw new IllegalArgumentException(
            "field '" + name + "': bounds reversed, min " + min + " > max " + max);
      }
      description = description == null ? "" : description;
    }

    /** A required real number in [min, max]. */
    public static Field real(String name, double min, double max, String description) {
      return new Field(name, FieldType.REAL, true, min, max, List.of(), description);
    }

    /** A required whole number in [min, max]. */
    public static Field integer(String name, long min, long max, String description) {
      return new Field(
          name, FieldType.INTEGER, true, (double) min, (double) max, List.of(), description);
    }

    /** A required true or false. */
    public static Field bool(String name, String description) {
      return new Field(name, FieldType.BOOLEAN, true, null, null, List.of(), description);
    }

    /** A required option out of {@code options}. */
    public static Field choice(String name, List<String> options, String description) {
      return new Field(name, FieldType.CHOICE, true, null, null, options, description);
    }

    /** A required text of at most {@code maxLength} characters. */
    public static Field text(String name, int maxLength, String description) {
      return new Field(
          name, FieldType.TEXT, true, null, (double) maxLength, List.of(), description);
    }

    /** The same field, but one a command may leave out. */
    public Field optional() {
      return new Field(name, type, false, min, max, choices, description);
    }
  }

  /**
   * Checks a {@code run_action} command's arguments (its fields, without {@code action}) against
   * this action's fields.
   *
   * @return the arguments in their types: Long for integers, Double for reals, Boolean, String
   * @throws InvalidCommandException naming the field: unknown, missing, of the wrong type, out of
   *     bounds, not an option
   */
  public Map<String, Object> check(Map<String, Object> args) throws InvalidCommandException {
    Map<String, Field> byName = new LinkedHashMap<>();
    fields.forEach(f -> byName.put(f.name(), f));
    for (String k : args.keySet()) {
      if (!byName.containsKey(k)) {
        throw new InvalidCommandException(
            "args." + k,
            "action '"
                + name
                + "' has no argument '"
                + k
                + "'"
                + (fields.isEmpty() ? "; it takes none" : "; it takes: " + names()));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Field f : fields) {
      Object v = args.get(f.name());
      if (v == null) {
        if (f.required()) {
          throw new InvalidCommandException(
              "args." + f.name(), "action '" + name + "' needs '" + f.name() + "'");
        }
        continue;
      }
      out.put(f.name(), value(f, v));
    }
    return Collections.unmodifiableMap(out);
  }

  private Object value(Field f, Object v) throws InvalidCommandException {
    String at = "args." + f.name();
    String what = "'" + f.name() + "' of action '" + name + "'";
    switch (f.type()) {
      case BOOLEAN:
        if (!(v instanceof Boolean b)) {
          throw new InvalidCommandException(at, what + " must be true or false, got " + v);
        }
        return b;
      case TEXT:
        if (!(v instanceof String s)) {
          throw new InvalidCommandException(at, what + " must be a string, got " + v);
        }
        if (f.max() != null && s.length() > f.max()) {
          throw new InvalidCommandException(
              at, what + " is " + s.length() + " characters; at most " + f.max().longValue());
        }
        return s;
      case CHOICE:
        if (!(v instanceof String s) || !f.choices().contains(s)) {
          throw new InvalidCommandException(
              at, what + " must be one of " + f.choices() + ", got " + v);
        }
        return s;
      default:
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
          throw new InvalidCommandException(at, what + " must be a finite number, got " + v);
        }
        double d = n.doubleValue();
        if (f.type() == FieldType.INTEGER && d != Math.rint(d)) {
          throw new InvalidCommandException(at, what + " must be a whole number, got " + v);
        }
        if ((f.min() != null && d < f.min()) || (f.max() != null && d > f.max())) {
          throw new InvalidCommandException(
              at,
              what
                  + " = "
                  + v
                  + " is out of bounds ["
                  + bound(f, f.min())
                  + ", "
                  + bound(f, f.max())
                  + "]");
        }
        return f.type() == FieldType.INTEGER ? (Object) (long) d : (Object) d;
    }
  }

  private static String bound(Field f, Double b) {
    if (b == null) {
      return "-";
    }
    return f.type() == FieldType.INTEGER ? String.valueOf(b.longValue()) : String.valueOf(b);
  }

  private String names() {
    List<String> n = new ArrayList<>();
    fields.forEach(f -> n.add(f.name() + (f.required() ? "" : "?")));
    return String.join(", ", n);
  }
}
