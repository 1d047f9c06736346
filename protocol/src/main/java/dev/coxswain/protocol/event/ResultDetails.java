package dev.coxswain.protocol.event;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Goal;
import dev.coxswain.protocol.Json;
import java.util.Map;
import java.util.Optional;

/**
 * The one place an applied command's {@code detail} is read, by command type, into a small record.
 * The detail keeps its JSON shape on the wire and in {@code events.jsonl}; a detail of another
 * shape (a trainer that knew other settings) reads as empty, never as an error.
 */
public final class ResultDetails {
  private static final TypeReference<Map<String, Payload.Change>> CHANGES =
      new TypeReference<>() {};

  private ResultDetails() {}

  /** An applied {@code agent} command's settings; null for those it left alone. */
  public record AgentSettings(Boolean enabled, Integer every, String policy) {}

  /** An applied {@code tell_agent} command's words, or that they were withdrawn. */
  public record Words(String text, Boolean withdrawn) {}

  /** An applied {@code set_goal} command's goal, or that it was cleared. */
  public record GoalSet(Goal goal, Boolean cleared) {}

  /** An applied {@code set_knobs} or {@code scale_knob}: each knob's old and new value. */
  public static Optional<Map<String, Payload.Change>> knobChanges(CommandResult r) {
    if (!r.isApplied() || !("set_knobs".equals(r.type()) || "scale_knob".equals(r.type()))) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.mapper().convertValue(r.detail(), CHANGES));
    } catch (IllegalArgumentException otherShape) {
      return Optional.empty();
    }
  }

  public static Optional<AgentSettings> agentSettings(CommandResult r) {
    return read(r, "agent", AgentSettings.class);
  }

  public static Optional<Words> words(CommandResult r) {
    return read(r, "tell_agent", Words.class);
  }

  public static Optional<GoalSet> goal(CommandResult r) {
    return read(r, "set_goal", GoalSet.class);
  }

  /** An applied {@code load_checkpoint}: the branch it made. */
  public static Optional<Payload.Branch> branch(CommandResult r) {
    return read(r, "load_checkpoint", Payload.Branch.class);
  }

  private static <T> Optional<T> read(CommandResult r, String type, Class<T> as) {
    if (!r.isApplied() || !type.equals(r.type())) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.fromMap(r.detail(), as));
    } catch (IllegalArgumentException otherShape) {
      return Optional.empty();
    }
  }
}
