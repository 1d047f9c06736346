package dev.coxswain.experiment;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.SupervisorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The agents the studies and the benchmark supervise with, alike in both: the rule policy, an LLM
 * at an OpenAI-compatible endpoint, or an earlier run's decisions replayed. Priced at o4-mini's
 * $1.10 / $4.40 per million tokens in / out.
 */
final class ExperimentAgents {
  private ExperimentAgents() {}

  /** What an LLM arm may spend per run: tokens and dollars. */
  static final long MAX_TOKENS = 5_000_000;

  static final double MAX_USD = 5.0;
  private static final double USD_IN = 1.10;
  private static final double USD_OUT = 4.40;

  static AgentSettings rule(String prompt, SupervisorConfig loop) {
    return new AgentSettings("rule", prompt, null, loop, 0, 0, USD_IN, USD_OUT, null, null);
  }

  /**
   * The LLM at {@code OPENAI_BASE_URL} (OpenAI's by default) with {@code OPENAI_API_KEY}, the model
   * {@code COXSWAIN_AGENT_MODEL} names (o4-mini by default).
   */
  static AgentSettings openAi(Map<String, String> env, String prompt, SupervisorConfig loop) {
    return new AgentSettings(
        "openai",
        prompt,
        AgentSettings.openAiDefaults(
            env.getOrDefault("OPENAI_BASE_URL", "https://api.openai.com/v1"),
            env.get("OPENAI_API_KEY"),
            env.getOrDefault("COXSWAIN_AGENT_MODEL", "o4-mini"),
            Duration.ofSeconds(60)),
        loop,
        MAX_TOKENS,
        MAX_USD,
        USD_IN,
        USD_OUT,
        null,
        null);
  }

  /**
   * The decisions of {@code journal} (an earlier run's agent.jsonl) in order. It spends nothing,
   * but its budget is the LLM's: an exhausted budget (0) would hand the decisions to the rule
   * policy.
   */
  static AgentSettings replay(Path journal, String prompt, SupervisorConfig loop) {
    return new AgentSettings(
        "replay", prompt, null, loop, MAX_TOKENS, MAX_USD, USD_IN, USD_OUT, null, journal);
  }
}
