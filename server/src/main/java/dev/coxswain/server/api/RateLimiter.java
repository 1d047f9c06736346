package dev.coxswain.server.api;

import java.util.LinkedHashMap;
import java.util.Map;

/** A token bucket per client; bounded in the number of clients it remembers. */
final class RateLimiter {
  private static final int MAX_CLIENTS = 10_000;
  private final double perSecond;
  private final double burst;
  private final Map<String, double[]> buckets =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
          return size() > MAX_CLIENTS;
        }
      };

  RateLimiter(double perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /**
   * Takes one token for this client.
   *
   * @return 0 when allowed, otherwise the seconds until a token is available
   */
  synchronized double take(String client, long nowNanos) {
    double[] b = buckets.computeIfAbsent(client, k -> new double[] {burst, nowNanos});
    double refill = (nowNanos - b[1]) / 1e9 * perSecond;
    b[0] = Math.min(burst, b[0] + refill);
    b[1] = nowNanos;
    if (b[0] >= 1) {
      b[0] -= 1;
      return 0;
    }
    return (1 - b[0]) / perSecond;
  }
}
