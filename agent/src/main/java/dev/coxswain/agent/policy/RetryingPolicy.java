package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongConsumer;

/**
 * Retries a policy on rate limits, server errors and timeouts: up to {@code attempts} calls per
 * decision, waiting the server's Retry-After when it gave one, else {@code backoffMillis} doubled
 * each time, with up to 20% jitter. An unusable answer (the endpoint answered) and a fatal error
 * (wrong key, bad request) are not retried. The answer's note and attempts say what it took; a
 * decision that failed throws the last failure with the earlier attempts in its trail.
 */
public final class RetryingPolicy implements Policy {
  private final Policy inner;
  private final int attempts;
  private final long backoffMillis;
  private final LongConsumer sleeper;
  private final Random jitter;

  /**
   * @param sleeper waits this many milliseconds (tests pass one that records instead)
   */
  public RetryingPolicy(
      Policy inner, int attempts, long backoffMillis, LongConsumer sleeper, Random jitter) {
    if (attempts < 1 || backoffMillis < 0) {
      throw new IllegalArgumentException("attempts must be >= 1 and the backoff >= 0");
    }
    this.inner = inner;
    this.attempts = attempts;
    this.backoffMillis = backoffMillis;
    this.sleeper = sleeper;
    this.jitter = jitter;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public Answer decide(Summary s) throws PolicyException {
    List<String> notes = new ArrayList<>();
    Usage spent = Usage.NONE;
    PolicyException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        return inner.decide(s).withEarlierNote(String.join("; ", notes), attempt - 1, spent);
      } catch (PolicyException e) {
        if (e.kind() == PolicyException.Kind.UNPARSEABLE) {
          throw notes.isEmpty() ? e : e.withTrail(String.join("; ", notes));
        }
        last = e;
        spent = spent.plus(e.usage());
        notes.add("attempt " + attempt + ": " + e.kind() + " " + e.getMessage());
        if (!e.retriable() || attempt == attempts) {
          break;
        }
        sleeper.accept(waitMillis(e, attempt));
      }
    }
    throw new PolicyException(
        last.kind(), last.getMessage(), last.retryAfterMillis(), spent, String.join("; ", notes));
  }

  /** Retry-After when the server sent one, else the doubled backoff; plus up to 20% jitter. */
  long waitMillis(PolicyException e, int attempt) {
    long wait = e.retryAfterMillis() >= 0 ? e.retryAfterMillis() : backoffMillis << (attempt - 1);
    return wait + (long) (jitter.nextDouble() * 0.2 * Math.max(1, wait));
  }
}
