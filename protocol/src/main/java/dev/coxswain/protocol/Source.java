package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Who issued a command. A human command always wins over the agent. */
public enum Source {
  HUMAN,
  AGENT,
  RULE,
  API;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Source fromWire(String wire) {
    for (Source s : values()) {
      if (s.wire().equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown source '" + wire + "'; expected one of human, agent, rule, api");
  }
}
