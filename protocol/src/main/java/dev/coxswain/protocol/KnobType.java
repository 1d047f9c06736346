package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The value type of a knob. */
public enum KnobType {
  DOUBLE,
  /** A whole number; stored as a double whose fractional part must be zero. */
  INT;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
