package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The commands a run understands, by their wire names. */
public enum CommandType {
  SET_KNOBS,
  SCALE_KNOB,
  SAVE_CHECKPOINT,
  LOAD_CHECKPOINT,
  PAUSE,
  RESUME,
  STOP,
  EVALUATE,
  NOTE,
  LOCK_KNOB,
  UNLOCK_KNOB,
  AGENT,
  TELL_AGENT,
  SET_GOAL,
  SET_DATA_MIXTURE,
  RELOAD_DATA,
  RESET_MODULE,
  SET_MODULE_PARAM,
  /** An action the run registered for itself ({@link ActionSpec}). */
  RUN_ACTION;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The type with this wire name, if there is one. */
  public static Optional<CommandType> fromWire(String wire) {
    return Arrays.stream(values()).filter(t -> t.wire().equals(wire)).findFirst();
  }

  /** All wire names, comma-separated, for error messages. */
  public static String known() {
    return Arrays.stream(values()).map(CommandType::wire).collect(Collectors.joining(", "));
  }
}
