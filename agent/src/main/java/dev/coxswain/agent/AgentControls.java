package dev.coxswain.agent;

import java.util.Map;

/**
 * What commands have set of a run's agent: on or off, its cadence, its policy and a person's words.
 * Folded from the run's applied {@code agent} and {@code tell_agent} results, in log order, so that
 * an agent started again for the run (a resume) and the run's API say what the log says rather than
 * what the run was started with.
 *
 * @param enabled null: never set (on)
 * @param every decide every this many steps; null: never set (the configured cadence)
 * @param policy "rule" or "openai"; null: never set (the configured one)
 * @param words a person's words to the agent; null: never said, empty: withdrawn
 */
public record AgentControls(Boolean enabled, Integer every, String policy, String words) {
  /** Nothing set: the run's configuration holds. */
  public static final AgentControls NONE = new AgentControls(null, null, null, null);

  /**
   * These controls with one command result's payload folded in. Only an applied {@code agent} or
   * {@code tell_agent} result changes them; for any other payload this very instance is returned.
   */
  public AgentControls with(Map<String, Object> result) {
    if (!"applied".equals(result.get("status")) || !(result.get("detail") instanceof Map<?, ?> d)) {
      return this;
    }
    if ("agent".equals(result.get("type"))) {
      return new AgentControls(
          d.get("enabled") instanceof Boolean b ? b : enabled,
          d.get("every") instanceof Number n ? Integer.valueOf(Math.max(1, n.intValue())) : every,
          d.get("policy") instanceof String p ? p : policy,
          words);
    }
    if ("tell_agent".equals(result.get("type"))) {
      if (Boolean.TRUE.equals(d.get("withdrawn"))) {
        return new AgentControls(enabled, every, policy, "");
      }
      if (d.get("text") instanceof String text) {
        return new AgentControls(enabled, every, policy, text);
      }
    }
    return this;
  }
}
