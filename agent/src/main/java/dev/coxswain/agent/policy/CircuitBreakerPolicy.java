package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;

/**
 * Stops asking a failing endpoint. After {@code threshold} failed decisions in a row it opens (a
 * {@code health} event {@code agent_fallback}) and fails every decision at once, except for one try
 * at the endpoint ({@code probe}, without retries) per decision; the first probe that answers
 * closes it again ({@code agent_recovered}). An unusable answer counts as the endpoint answering.
 * Not thread-safe: one decision at a time, as the supervisor makes them.
 */
public final class CircuitBreakerPolicy implements Policy {
  private final Policy normal;
  private final Policy probe;
  private final int threshold;
  private final HealthSink health;
  private int failuresInARow;
  private volatile boolean open;

  /**
   * @param normal the policy to ask while closed (usually with retries)
   * @param probe the policy to try once per decision while open (the bare endpoint)
   */
  public CircuitBreakerPolicy(Policy normal, Policy probe, int threshold, HealthSink health) {
    if (threshold < 1) {
      throw new IllegalArgumentException("the breaker's threshold must be >= 1");
    }
    this.normal = normal;
    this.probe = probe;
    this.threshold = threshold;
    this.health = health;
  }

  @Override
  public String name() {
    return normal.name();
  }

  public boolean open() {
    return open;
  }

  @Override
  public Answer decide(Summary s) throws PolicyException {
    return open ? probe(s) : closed(s);
  }

  private Answer closed(Summary s) throws PolicyException {
    try {
      Answer a = normal.decide(s);
      failuresInARow = 0;
      return a;
    } catch (PolicyException e) {
      if (e.kind() == PolicyException.Kind.UNPARSEABLE) {
        failuresInARow = 0; // the endpoint answered
        throw e;
      }
      failuresInARow++;
      if (failuresInARow >= threshold) {
        open = true;
        health.health(
            "agent_fallback",
            "the LLM failed "
                + failuresInARow
                + " decisions in a row ("
                + e.getMessage()
                + "); the rule policy takes over until it answers again");
      }
      throw e;
    }
  }

  private Answer probe(Summary s) throws PolicyException {
    try {
      Answer a = probe.decide(s);
      close();
      return a;
    } catch (PolicyException e) {
      if (e.kind() == PolicyException.Kind.UNPARSEABLE) {
        close();
        throw e;
      }
      throw e.withTrail("breaker open; probe failed: " + e.getMessage());
    }
  }

  private void close() {
    open = false;
    failuresInARow = 0;
    health.health("agent_recovered", "the LLM answers again; it decides from now on");
  }
}
