package dev.coxswain.agent;

/**
 * How the supervisor runs: its cadence, retries, breaker and recovery thresholds.
 *
 * @param every decide every this many steps
 * @param blocking pause training while deciding (the reference's behaviour)
 * @param attempts calls per decision before it counts as failed
 * @param backoffMillis first retry wait, doubled each time, with jitter
 * @param breakerThreshold consecutive failed decisions that switch to the fallback policy
 * @param nonFiniteLimit consecutive skipped steps that trigger a rollback
 * @param spikePatience steps a spike may last before it triggers a rollback
 * @param maxRecoveries rollbacks in a row before pausing for a person
 */
public record SupervisorConfig(
    int every,
    boolean blocking,
    int attempts,
    long backoffMillis,
    int breakerThreshold,
    int nonFiniteLimit,
    int spikePatience,
    int maxRecoveries) {
  public SupervisorConfig {
    if (every < 1
        || attempts < 1
        || backoffMillis < 0
        || breakerThreshold < 1
        || nonFiniteLimit < 1
        || spikePatience < 1
        || maxRecoveries < 0) {
      throw new IllegalArgumentException("agent settings must be positive: " + this);
    }
  }

  public static SupervisorConfig defaults() {
    return new SupervisorConfig(100, false, 3, 500, 3, 3, 20, 3);
  }

  public SupervisorConfig withEvery(int n) {
    return new SupervisorConfig(
        n,
        blocking,
        attempts,
        backoffMillis,
        breakerThreshold,
        nonFiniteLimit,
        spikePatience,
        maxRecoveries);
  }

  public SupervisorConfig withBlocking(boolean b) {
    return new SupervisorConfig(
        every,
        b,
        attempts,
        backoffMillis,
        breakerThreshold,
        nonFiniteLimit,
        spikePatience,
        maxRecoveries);
  }

  public SupervisorConfig withBackoff(long ms) {
    return new SupervisorConfig(
        every,
        blocking,
        attempts,
        ms,
        breakerThreshold,
        nonFiniteLimit,
        spikePatience,
        maxRecoveries);
  }
}
