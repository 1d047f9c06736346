package dev.coxswain.server.bus;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shapes of the messages between trainers and the control plane that are not events or
 * commands: announcements, heartbeats and the join handshake, with the protocol version they speak.
 * Plain JSON maps, so that a trainer of another version can still be told why it is refused.
 */
public final class Wire {
  private Wire() {}

  /** The version of these shapes; a control plane refuses trainers of another one. */
  public static final int PROTOCOL = 1;

  /** Failure codes of request/reply answers. */
  public static final int BAD_REQUEST = 400;

  public static final int UNAUTHORIZED = 401;
  public static final int CONFLICT = 409;

  /** The trainer cannot take it now: its run has ended or its log cannot be written. */
  public static final int UNAVAILABLE = 503;

  public static final int VERSION = 426;

  /**
   * A trainer's request to be taken as a run.
   *
   * @param node the trainer process's id, unique per process start
   * @param member its cluster member id, or null on the local bus
   */
  public static Map<String, Object> join(
      String runId, String node, String member, long lastSeq, Map<String, Object> runJson) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "join");
    m.put("protocol", PROTOCOL);
    m.put("run", runId);
    m.put("node", node);
    m.put("member", member);
    m.put("last_seq", lastSeq);
    m.put("run_json", runJson);
    return m;
  }

  /** A trainer's heartbeat on {@link Addresses#RUNS}. */
  public static Map<String, Object> heartbeat(
      String runId, String node, long step, String status, long lastSeq) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "heartbeat");
    m.put("protocol", PROTOCOL);
    m.put("run", runId);
    m.put("node", node);
    m.put("step", step);
    m.put("status", status);
    m.put("last_seq", lastSeq);
    m.put("time", Instant.now().toString());
    return m;
  }
}
