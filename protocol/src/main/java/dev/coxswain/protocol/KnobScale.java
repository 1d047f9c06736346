package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a knob's values are spaced. Multiplying (the agent's factor band, the console's x2 and x1/2)
 * only makes sense on a {@link #LOG} knob, whose range must lie above zero.
 */
public enum KnobScale {
  LINEAR,
  LOG;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
