package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The three outcomes a command can have; every command gets exactly one. */
public enum CommandStatus {
  /** Took effect from {@link CommandResult#step()} on. */
  APPLIED,
  /** Refused before anything changed; the reason says why. */
  REJECTED,
  /** Accepted but went wrong while applying; the reason carries the error. */
  FAILED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
