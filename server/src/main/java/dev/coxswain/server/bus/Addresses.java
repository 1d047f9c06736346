package dev.coxswain.server.bus;

/** Every event-bus address Coxswain uses, in one place. */
public final class Addresses {
  private Addresses() {}

  /** Runs announce themselves here when they start and end (publish). */
  public static final String RUNS = "coxswain.runs";

  /** A run's events, already sequenced and on disk (publish; header {@code seq}). */
  public static String events(String runId) {
    return "coxswain.run." + runId + ".events";
  }

  /** Commands to a run's trainer (request/reply; the reply says the command is queued). */
  public static String commands(String runId) {
    return "coxswain.run." + runId + ".commands";
  }

  /** Decision requests to a run's agent (request/reply). */
  public static String agent(String runId) {
    return "coxswain.run." + runId + ".agent";
  }
}
