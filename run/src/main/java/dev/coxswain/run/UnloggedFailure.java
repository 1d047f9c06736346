package dev.coxswain.run;

import java.util.Set;

/**
 * A failure the run's log could not record (a full disk): its trainer said it failed, the log could
 * not say so. Until the run has ended in its log, the run reads as failed.
 */
final class UnloggedFailure {
  private static final Set<String> ENDED = Set.of("finished", "stopped", "failed");
  private String why;

  /** The status to report, given the one the log says. */
  String status(String logged) {
    return why != null && !ENDED.contains(logged) ? "failed" : logged;
  }

  /**
   * Records the failure.
   *
   * @return whether this changed the status (false when the run had already ended)
   */
  boolean mark(String why, String logged) {
    if (this.why != null || ENDED.contains(logged)) {
      return false;
    }
    this.why = why;
    return true;
  }

  /** Why the run failed; null when no failure was marked. */
  String why() {
    return why;
  }
}
