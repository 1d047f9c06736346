package dev.coxswain.agent;

import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.ResultDetails;
import java.util.Map;
import java.util.Optional;

/**
 * What commands have set of a run's agent: on or off, its cadence, its policy and a person's words.
 * Folded from the run's applied {@code agent} and {@code tell_agent} results, in log order, so that
 * an agent started again for the run (a resume) and the run's API say what the log says rather than
 * what the run was started with.
 *
 * <p>Not {@code RunState.agent()}: that fold reads the command and needs its {@code command} event
 * before the result; this one reads the result alone (its detail says what was applied).
 *
 * @param enabled null: never set (on)
 * @param every decide every this many steps; null: never set (the configured cadence)
 * @param policy "rule" or "openai"; null: never set (the configured one)
 * @param words a person's words to the agent; null: never said, empty: withdrawn
 */
public record AgentControls(Boolean enabled, Integer every, String policy, String words) {
  /** Nothing set: the run's configuration holds. */
  public static final AgentControls NONE = new AgentControls(null, null, null, null);

  /** An applied {@code agent} command's detail: the settings it changed. */

  /**
   * These controls with one command result folded in. Only an applied {@code agent} or {@code
   * tell_agent} result changes them; for any other result (or a detail of another shape) this very
   * instance is returned.
   */
  public AgentControls with(CommandResult result) {
    Optional<ResultDetails.AgentSettings> settings = ResultDetails.agentSettings(result);
    if (settings.isPresent()) {
      ResultDetails.AgentSettings s = settings.get();
      return new AgentControls(
          s.enabled() != null ? s.enabled() : enabled,
          s.every() != null ? Integer.valueOf(Math.max(1, s.every())) : every,
          s.policy() != null ? s.policy() : policy,
          words);
    }
    Optional<ResultDetails.Words> said = ResultDetails.words(result);
    if (said.isPresent() && Boolean.TRUE.equals(said.get().withdrawn())) {
      return new AgentControls(enabled, every, policy, "");
    }
    if (said.isPresent() && said.get().text() != null) {
      return new AgentControls(enabled, every, policy, said.get().text());
    }
    return this; // another command, or a detail of a shape this reader does not know
  }

  /**
   * These controls with one {@code command_result} payload folded in, as a map ({@link
   * #with(CommandResult)}); a payload that is not a command result changes nothing.
   */
  public AgentControls with(Map<String, Object> result) {
    try {
      return with(Json.fromMap(result, CommandResult.class));
    } catch (IllegalArgumentException notAResult) {
      return this;
    }
  }
}
