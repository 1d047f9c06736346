package dev.coxswain.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The kinds of event a run emits. */
public enum EventType {
  METRICS,
  EVAL,
  COMMAND,
  COMMAND_RESULT,
  KNOBS,
  STATUS,
  CHECKPOINT,
  BRANCH,
  HEALTH,
  NOTE,
  /** The data changed: a mixture's weights, or sources reloaded (files and their hashes). */
  DATA,
  AGENT_DECISION,
  /** What followed an agent's decision over the next window: helped, hurt or neutral. */
  AGENT_OUTCOME,
  /**
   * An evaluation a command asked for has started ({@code command_id}, {@code paused}): it runs at
   * the control point, a paused run's too, and its result follows when it is done.
   */
  EVALUATING,
  HEARTBEAT;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static EventType fromWire(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }
}
