package dev.coxswain.protocol;

/**
 * Bounds on step counts: every step, deadline, lock length and run length that enters Coxswain is
 * at most {@link #MAX}, so that sums of them (a lock's last step, a deadline's distance) never
 * overflow a {@code long}. A trillion steps is far beyond any run.
 */
public final class Steps {
  /** The largest step count accepted anywhere: 10^12. */
  public static final long MAX = 1_000_000_000_000L;

  private Steps() {}

  /** {@code a + b} for non-negative step counts, saturating at {@link Long#MAX_VALUE}. */
  public static long add(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
