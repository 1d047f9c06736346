package dev.coxswain.agent.policy;

/** Tokens one call used, as the provider reported them (reasoning tokens are part of output). */
public record Usage(long inputTokens, long outputTokens, long reasoningTokens) {
  public static final Usage NONE = new Usage(0, 0, 0);

  public Usage plus(Usage o) {
    return new Usage(
        inputTokens + o.inputTokens,
        outputTokens + o.outputTokens,
        reasoningTokens + o.reasoningTokens);
  }

  public long total() {
    return inputTokens + outputTokens;
  }
}
