package dev.coxswain.agent.policy;

/**
 * What the rule policy remembers of one learning-rate knob across its decisions: the highest value
 * the run trained well at, a ceiling it will not raise the knob to again, and the raise it made
 * last (to be judged by the next window). Used by {@link RulePolicy} only, on its lock.
 */
final class LrMemory {
  /** Relative slack when comparing two learning rates that should be the same value. */
  private static final double SAME = 1e-9;

  /** The highest value seen training well (no trouble, a falling loss near its best), or NaN. */
  double knownGood = Double.NaN;

  /** The first value seen training well: the probes' reference, or NaN. */
  double firstKnownGood = Double.NaN;

  /**
   * The lowest value that caused trouble, whose raise did not lower the loss, or at which the
   * goal's metric stalled: the knob is never raised to it again.
   */
  double ceiling = Double.POSITIVE_INFINITY;

  /** The value the rule raised the knob to at its last decision (a probe), NaN when none. */
  double raisedTo = Double.NaN;

  /** Whether a trouble at a value at or below the known-good one has been put down to the data. */
  boolean forgaveOnce;

  /** Windows the knob trained well in (at any value): a probe needs two, see {@link #settled}. */
  int goodWindows;

  /**
   * Whether the run has left its start: the first windows of a run fall fast at any lr, so their
   * gain says nothing about whether a higher one would do better.
   */
  boolean settled() {
    return goodWindows >= 2;
  }

  /** The value trained well: remembered as known-good (below the ceiling only). */
  void trainedWellAt(double lr) {
    goodWindows++;
    if (Double.isFinite(lr) && lr > 0 && lr < ceiling) {
      knownGood = Double.isNaN(knownGood) ? lr : Math.max(knownGood, lr);
      firstKnownGood = Double.isNaN(firstKnownGood) ? lr : firstKnownGood;
    }
  }

  /** Never raise the knob to {@code lr} or above again. */
  void capAt(double lr) {
    if (Double.isFinite(lr) && lr > 0) {
      ceiling = Math.min(ceiling, lr);
    }
  }

  /** Whether {@code lr} is at or below the value the run trained well at. */
  boolean provenAt(double lr) {
    return Double.isFinite(knownGood) && lr <= knownGood * (1 + SAME);
  }

  /** Whether {@code lr} is the value the rule raised the knob to at its last decision. */
  boolean justRaisedTo(double lr) {
    return Double.isFinite(raisedTo) && Math.abs(lr - raisedTo) <= raisedTo * SAME;
  }

  /**
   * Trouble at {@code lr}: caps the knob there, unless the run had trained well at that value and
   * this is the first such trouble (then it is likely the data's doing: a halving is enough).
   *
   * @return whether the value was capped
   */
  boolean troubleAt(double lr) {
    if (provenAt(lr) && !forgaveOnce) {
      forgaveOnce = true;
      return false;
    }
    capAt(lr);
    return true;
  }
}
