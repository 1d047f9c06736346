package dev.coxswain.server.bus;

/**
 * Every event-bus address Coxswain uses, in one place. A trainer owns its run's addresses (it
 * consumes {@code commands}, {@code record}, {@code replay}, {@code checkpoints}, {@code model});
 * the control plane consumes {@link #RUNS} and {@link #JOIN}. The same names work on the local bus
 * (all-in-one {@code serve}) and on a cluster (a control plane and trainers in other JVMs).
 */
public final class Addresses {
  private Addresses() {}

  /** Trainers send their heartbeats here (request/reply; {@link Wire.Heartbeat}). */
  public static final String RUNS = "coxswain.runs";

  /** A trainer asks the control plane to take its run (request/reply; {@link Wire.Join}). */
  public static final String JOIN = "coxswain.control.join";

  /**
   * A new cluster member says who it is, signed with the cluster's secret, so that the control
   * plane can tell its members from ones it does not expect (request/reply; {@link Wire.Hello}).
   */
  public static final String HELLO = "coxswain.control.hello";

  /** A run's events, already sequenced and on the trainer's disk (publish; header {@code seq}). */
  public static String events(String runId) {
    return "coxswain.run." + runId + ".events";
  }

  /**
   * Commands to a run's trainer (request/reply): the reply, {@code {"seq": n}}, comes once the
   * trainer has the command on its disk.
   */
  public static String commands(String runId) {
    return "coxswain.run." + runId + ".commands";
  }

  /**
   * Events of the control plane's own for a run's log (agent decisions, health; request/reply;
   * {@link Wire.Record}).
   */
  public static String record(String runId) {
    return "coxswain.run." + runId + ".record";
  }

  /** Catch-up: a {@link Wire.ReplayRequest} answered with a {@link Wire.ReplayPage}. */
  public static String replay(String runId) {
    return "coxswain.run." + runId + ".replay";
  }

  /** The run's checkpoints, which live with the trainer (request/reply). */
  public static String checkpoints(String runId) {
    return "coxswain.run." + runId + ".checkpoints";
  }

  /** The run's model tree, which lives with the trainer (request/reply). */
  public static String model(String runId) {
    return "coxswain.run." + runId + ".model";
  }

  /** Decision requests to a run's agent (request/reply). */
  public static String agent(String runId) {
    return "coxswain.run." + runId + ".agent";
  }

  /**
   * A run's events as the control plane's replica has appended them, for the API's streams in the
   * same JVM (local only: never crosses the cluster).
   */
  public static String feed(String runId) {
    return "coxswain.local.run." + runId + ".feed";
  }
}
