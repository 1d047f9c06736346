package dev.coxswain.server.bus;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The messages between trainers and the control plane that are not events or commands (joins,
 * heartbeats, hellos, catch-up pages, events to record) as records, each with its one JSON form and
 * its one decoder. A decoder refuses a malformed message with a {@link Refusal} that names the
 * field; the join checks the protocol version first, so that a trainer of another version is told
 * why it is refused.
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

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** A message refused before anyone acted on it: the failure code and why. */
  public static final class Refusal extends RuntimeException {
    private final int code;

    public Refusal(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    static Refusal badRequest(String message) {
      return new Refusal(BAD_REQUEST, message);
    }

    public int code() {
      return code;
    }
  }

  /**
   * A trainer's request to be taken as a run ({@link Addresses#JOIN}).
   *
   * @param node the trainer process's id, unique per process start
   * @param member its cluster member id, or null on the local bus
   * @param lastSeq the last sequence number in the trainer's log
   * @param runJson the run's run.json
   */
  public record Join(
      String run, String node, String member, long lastSeq, Map<String, Object> runJson) {
    public String toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", "join");
      m.put("protocol", PROTOCOL);
      m.put("run", run);
      m.put("node", node);
      m.put("member", member);
      m.put("last_seq", lastSeq);
      m.put("run_json", runJson);
      return Json.write(m);
    }

    public static Join decode(String body) {
      Fields f = Fields.parse(body, "a join");
      Object protocol = f.raw("protocol");
      if (!(protocol instanceof Number n) || n.intValue() != PROTOCOL) {
        throw new Refusal(
            VERSION,
            "the trainer speaks protocol "
                + protocol
                + " and this control plane speaks "
                + PROTOCOL
                + ": run the same Coxswain version on both");
      }
      String run = f.string("run");
      if (!RUN_ID.matcher(run).matches()) {
        throw f.wrong("run", "a run id (letters, digits, . _ -; at most 64)");
      }
      return new Join(
          run,
          f.string("node"),
          f.optionalString("member"),
          f.whole("last_seq", 0),
          f.object("run_json"));
    }
  }

  /** The control plane's answer to a join: it holds the run's events up to {@code lastSeq}. */
  public record Joined(String run, long lastSeq) {
    public String toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("run", run);
      m.put("last_seq", lastSeq);
      return Json.write(m);
    }

    public static Joined decode(String body) {
      Fields f = Fields.parse(body, "a join's answer");
      return new Joined(f.string("run"), f.whole("last_seq", 0));
    }
  }

  /**
   * A trainer's heartbeat on {@link Addresses#RUNS}: where its run stands.
   *
   * @param time when the trainer sent it (ISO-8601), or null
   */
  public record Heartbeat(
      String run, String node, long step, String status, long lastSeq, String time) {
    /** A heartbeat sent now. */
    public static Heartbeat now(String run, String node, long step, String status, long lastSeq) {
      return new Heartbeat(run, node, step, status, lastSeq, Instant.now().toString());
    }

    public String toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", "heartbeat");
      m.put("protocol", PROTOCOL);
      m.put("run", run);
      m.put("node", node);
      m.put("step", step);
      m.put("status", status);
      m.put("last_seq", lastSeq);
      m.put("time", time);
      return Json.write(m);
    }

    public static Heartbeat decode(String body) {
      Fields f = Fields.parse(body, "a heartbeat");
      return new Heartbeat(
          f.string("run"),
          f.string("node"),
          f.whole("step", 0),
          f.string("status"),
          f.whole("last_seq", 0),
          f.optionalString("time"));
    }
  }

  /** The answer to a heartbeat: whether the control plane knows this trainer (else: join). */
  public record HeartbeatAnswer(boolean known) {
    public String toJson() {
      return Json.write(Map.of("known", known));
    }

    public static HeartbeatAnswer decode(String body) {
      return new HeartbeatAnswer(Fields.parse(body, "a heartbeat's answer").bool("known"));
    }
  }

  /** A new cluster member says who it is ({@link Addresses#HELLO}). */
  public record Hello(String member) {
    public String toJson() {
      return Json.write(Map.of("member", member));
    }

    public static Hello decode(String body) {
      return new Hello(Fields.parse(body, "a hello").string("member"));
    }
  }

  /** Catch-up: the trainer's events after {@code since}, at most {@code limit} of them. */
  public record ReplayRequest(long since, int limit) {
    public String toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("since", since);
      m.put("limit", limit);
      return Json.write(m);
    }

    public static ReplayRequest decode(String body) {
      Fields f = Fields.parse(body, "a catch-up request");
      long since = f.whole("since", 0);
      long limit = f.whole("limit", 1);
      return new ReplayRequest(since, (int) Math.min(Integer.MAX_VALUE, limit));
    }
  }

  /** A page of catch-up: events in order, and the last sequence number the trainer holds. */
  public record ReplayPage(List<Event> events, long lastSeq) {
    public String toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("events", events);
      m.put("last_seq", lastSeq);
      return Json.write(m);
    }

    @SuppressWarnings("unchecked")
    public static ReplayPage decode(String body) {
      Fields f = Fields.parse(body, "a catch-up page");
      long last = f.whole("last_seq", 0);
      List<?> raw = f.list("events");
      List<Event> events = new ArrayList<>(raw.size());
      for (int i = 0; i < raw.size(); i++) {
        Event e = null;
        try {
          if (raw.get(i) instanceof Map<?, ?> m) {
            e = Json.fromMap((Map<String, Object>) m, Event.class);
          }
        } catch (IllegalArgumentException bad) {
          e = null; // named below
        }
        if (e == null) {
          throw Refusal.badRequest("a catch-up page's 'events[" + i + "]' is not an event");
        }
        events.add(e);
      }
      return new ReplayPage(List.copyOf(events), last);
    }
  }

  /**
   * An event of the control plane's own (an agent's decision, a health alarm) for the trainer to
   * record in the run's log ({@link Addresses#record}). The payload keeps its event's map shape.
   */
  public record Record(EventType type, Map<String, Object> payload) {
    public String toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", type.wire());
      m.put("payload", payload);
      return Json.write(m);
    }

    public static Record decode(String body) {
      Fields f = Fields.parse(body, "an event to record");
      String type = f.string("type");
      EventType t;
      try {
        t = EventType.fromWire(type);
      } catch (IllegalArgumentException e) {
        throw f.wrong("type", "an event type");
      }
      return new Record(t, f.object("payload"));
    }
  }
}
