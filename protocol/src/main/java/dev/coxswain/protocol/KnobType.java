package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The value type of a knob. Every knob's value travels as a number: a whole number for {@link
 * #INT}, 0 or 1 for {@link #BOOL}, the index of the chosen option for {@link #CHOICE}.
 */
public enum KnobType {
  /** A real number. */
  DOUBLE,
  /** A whole number; stored as a double whose fractional part must be zero. */
  INT,
  /** On (1) or off (0); a command may send true or false. */
  BOOL,
  /** One of the knob's {@code choices}, by index; a command may send the option's name. */
  CHOICE;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Reads the wire name; {@code real}, {@code integer} and {@code boolean} are accepted too. */
  @JsonCreator
  public static KnobType fromWire(String wire) {
    if (wire == null) {
      return null;
    }
    switch (wire.toLowerCase(Locale.ROOT)) {
      case "double":
      case "real":
        return DOUBLE;
      case "int":
      case "integer":
        return INT;
      case "bool":
      case "boolean":
        return BOOL;
      case "choice":
        return CHOICE;
      default:
        throw new IllegalArgumentException(
            "unknown knob type '" + wire + "'; known: real, integer, boolean, choice");
    }
  }
}
