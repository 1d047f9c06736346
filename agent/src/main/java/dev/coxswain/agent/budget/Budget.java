package dev.coxswain.agent.budget;

import dev.coxswain.agent.policy.Usage;

/**
 * Hard caps on what the LLM may spend in one run, in tokens and in dollars. Thread-safe.
 *
 * @see #o4MiniDefaults
 */
public final class Budget {
  private final long maxTokens;
  private final double maxUsd;
  private final double usdPerMillionInput;
  private final double usdPerMillionOutput;
  private long tokens;
  private double usd;

  public Budget(
      long maxTokens, double maxUsd, double usdPerMillionInput, double usdPerMillionOutput) {
    if (maxTokens < 0 || maxUsd < 0 || usdPerMillionInput < 0 || usdPerMillionOutput < 0) {
      throw new IllegalArgumentException("budget caps and prices must be >= 0");
    }
    this.maxTokens = maxTokens;
    this.maxUsd = maxUsd;
    this.usdPerMillionInput = usdPerMillionInput;
    this.usdPerMillionOutput = usdPerMillionOutput;
  }

  /** o4-mini prices ($1.10 / $4.40 per million input / output tokens) with the given caps. */
  public static Budget o4MiniDefaults(long maxTokens, double maxUsd) {
    return new Budget(maxTokens, maxUsd, 1.10, 4.40);
  }

  /** What a call with this usage costs (reasoning tokens are billed as output). */
  public double cost(Usage u) {
    return u.inputTokens() * usdPerMillionInput / 1e6
        + u.outputTokens() * usdPerMillionOutput / 1e6;
  }

  /** Records spending; returns its cost. */
  public synchronized double charge(Usage u) {
    double c = cost(u);
    tokens += u.total();
    usd += c;
    return c;
  }

  /**
   * Continues from what was already spent (a resumed run's journal, see {@code Journal#spent}), so
   * a restart cannot reset the caps.
   */
  public synchronized void restore(long spentTokens, double spentUsd) {
    if (spentTokens < 0 || spentUsd < 0 || !Double.isFinite(spentUsd)) {
      throw new IllegalArgumentException("spent tokens and dollars must be finite and >= 0");
    }
    tokens = spentTokens;
    usd = spentUsd;
  }

  public synchronized boolean exhausted() {
    return tokens >= maxTokens || usd >= maxUsd;
  }

  public synchronized long tokens() {
    return tokens;
  }

  public synchronized double usd() {
    return usd;
  }

  public long maxTokens() {
    return maxTokens;
  }

  public double maxUsd() {
    return maxUsd;
  }
}
