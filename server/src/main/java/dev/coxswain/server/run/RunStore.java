package dev.coxswain.server.run;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.coxswain.agent.AgentControls;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.protocol.event.RunState;
import dev.coxswain.trainer.events.JsonlEventSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The record of one run: assigns run-wide sequence numbers, appends every event to {@code
 * events.jsonl} (durable types forced to disk before {@link #append} returns), keeps a bounded ring
 * of recent events and a bounded command history in memory, and tells listeners. Thread-safe; the
 * sequence order, the file order and the listener order are the same. A control plane's replica
 * ({@link #replica}) is the same record with the trainer's numbers, in {@code replica.jsonl}, not
 * forced to disk: the trainer's own log is the one that must survive a power cut.
 */
public final class RunStore implements AutoCloseable {
  /** Recent events kept in memory; older ones are read from the file. */
  public static final int RING = 4096;

  /** Training losses kept for the runs overview's sparkline. */
  static final int LOSS_TAIL = 200;

  /** Commands whose history is kept in memory. */
  public static final int HISTORY = 10_000;

  /**
   * Every this many events the byte offset of its line is indexed, so old events are a seek away.
   */
  static final int INDEX_EVERY = 512;

  /** The trainer's own log: the source of truth, sequence numbers assigned here. */
  public static final String LOG = "events.jsonl";

  /** A control plane's copy of a trainer's log: the same events with the trainer's numbers. */
  public static final String REPLICA = "replica.jsonl";

  private final String runId;
  private final Path dir;
  private final String logName;
  private final Map<String, Object> runJson;
  private JsonlEventSink file;
  private final ArrayDeque<Event> ring = new ArrayDeque<>();
  private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
  private final List<BiConsumer<Event, String>> jsonListeners = new CopyOnWriteArrayList<>();
  private long lastSeq;
  // the run's state: the one fold of its events (status, step, branch, knobs, evaluations...)
  private final RunState fold = new RunState(HISTORY);
  private final TreeMap<Long, Long> offsets = new TreeMap<>(); // seq -> byte offset of its line
  private long bytes; // length of events.jsonl

  /** A command and, once it has one, its result. */
  public record CommandRecord(Command command, long seq, CommandResult result) {}

  private static final org.slf4j.Logger WARN = org.slf4j.LoggerFactory.getLogger(RunStore.class);

  private RunStore(String runId, Path dir, Map<String, Object> runJson, String logName) {
    this.runId = runId;
    this.dir = dir;
    this.logName = logName;
    this.runJson = runJson;
  }

  /** Creates the directory and run.json of a new run. */
  public static RunStore create(Path dir, Map<String, Object> runJson) throws IOException {
    return create(dir, runJson, JsonlEventSink.Opener.FILE);
  }

  /** The same, with the log's file opened by {@code opener} (a test's failing disk). */
  public static RunStore create(Path dir, Map<String, Object> runJson, JsonlEventSink.Opener opener)
      throws IOException {
    RunDirectory.create(dir, runJson);
    RunStore s = new RunStore((String) runJson.get("run_id"), dir, runJson, LOG);
    s.file = new JsonlEventSink(dir.resolve(LOG), true, opener);
    return s;
  }

  /**
   * Opens the control plane's replica of a run in {@code dir}, creating it (and run.json, unless
   * the trainer's own is already there, as in all-in-one {@code serve}) on first sight. An existing
   * replica continues from its last event: the trainer is asked for what came after.
   */
  public static RunStore replica(Path dir, Map<String, Object> runJson) throws IOException {
    if (Files.exists(dir.resolve(REPLICA))) {
      return open(dir, REPLICA);
    }
    if (!Files.exists(dir.resolve("run.json"))) {
      RunDirectory.create(dir, runJson);
    }
    RunStore s = new RunStore((String) runJson.get("run_id"), dir, runJson, REPLICA);
    s.file = new JsonlEventSink(dir.resolve(REPLICA), false); // the trainer's log is the truth
    return s;
  }

  /** Whether this is a replica (its events come from a trainer, numbered there). */
  public boolean isReplica() {
    return REPLICA.equals(logName);
  }

  /**
   * Opens an existing run: reads run.json and the event log, drops a torn last line left by a
   * crash, and continues the sequence after the last complete event.
   */
  public static RunStore open(Path dir) throws IOException {
    return open(dir, LOG);
  }

  /** Opens a run's log or, with {@link #REPLICA}, a control plane's replica of it. */
  @SuppressWarnings("unchecked")
  public static RunStore open(Path dir, String logName) throws IOException {
    Path rj = dir.resolve("run.json");
    if (!Files.exists(rj)) {
      throw new IOException("no run at " + dir + " (run.json is missing)");
    }
    Map<String, Object> runJson = Json.read(Files.readString(rj), Map.class);
    RunStore s = new RunStore((String) runJson.get("run_id"), dir, runJson, logName);
    Path events = dir.resolve(logName);
    if (Files.exists(events)) {
      repairTail(events);
      LogCheck check = new LogCheck(logName);
      try (BufferedReader r = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
        String line;
        long n = 0;
        while ((line = r.readLine()) != null) {
          n++;
          if (!line.isBlank()) {
            LogLine parsed;
            try {
              parsed = LogLine.parse(line);
            } catch (IOException bad) {
              throw new IOException(
                  dir.resolve(logName)
                      + " line "
                      + n
                      + ": "
                      + bad.getMessage()
                      + "; the run cannot continue on a log it cannot read",
                  bad);
            }
            Event e = parsed.event();
            if (e == null) {
              // a newer version's event: its number is taken, what it says is not read
              if (parsed.seq() == s.lastSeq + 1) {
                s.lastSeq = parsed.seq();
                s.index(parsed.seq());
                check.skip(parsed.seq());
              }
              s.skipped(n, parsed.seq(), parsed.why());
            } else if (check.accept(n, e)) {
              s.lastSeq = e.seq();
              s.index(e.seq());
              s.remember(e, n);
            }
          }
          s.bytes += utf8Length(line) + 1;
        }
      }
      List<String> found = new ArrayList<>(check.damage());
      found.addAll(s.damage); // the lines skipped, after what the check found
      s.damage = List.copyOf(found);
    }
    // a replica is a copy: the trainer's own log is what is forced to disk before it counts
    s.file = new JsonlEventSink(events, !REPLICA.equals(logName));
    return s;
  }

  /**
   * Reads a run's log without opening it for writing, handing every event to {@code to} in sequence
   * order: for readers outside the process that owns the run, which may still be appending (nothing
   * is repaired or truncated; a torn last line is left out, not an error).
   *
   * @param logName {@link #LOG} or {@link #REPLICA}; a missing file has no events
   */
  public static void read(Path dir, String logName, Consumer<Event> to) throws IOException {
    read(dir, logName, to, null);
  }

  /**
   * The same, telling {@code damage} what is wrong with the log (a gap, a number seen twice, an
   * unreadable line, each with its line number); unreadable lines and repeated numbers are skipped.
   * With {@code damage} null an unreadable line is an error naming its line.
   */
  public static void read(Path dir, String logName, Consumer<Event> to, Consumer<String> damage)
      throws IOException {
    Path events = dir.resolve(logName);
    if (!Files.exists(events)) {
      return;
    }
    LogCheck check = new LogCheck(logName);
    try (BufferedReader r = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
      String line = r.readLine();
      long n = 0;
      while (line != null) {
        n++;
        String next = r.readLine();
        if (!line.isBlank()) {
          Event e = null;
          try {
            LogLine parsed = LogLine.parse(line);
            e = parsed.event();
            if (e == null) {
              check.skip(parsed.seq());
              WARN.warn("{} line {}: skipped: {}", events, n, parsed.why());
              if (damage != null) {
                damage.accept(logName + " line " + n + ": skipped: " + parsed.why());
              }
            } else {
              e.body(); // a payload of a shape this version cannot read is skipped the same way
            }
          } catch (MalformedPayloadException unreadable) {
            check.skip(e.seq());
            WARN.warn("{} line {}: skipped: {}", events, n, unreadable.getMessage());
            if (damage != null) {
              damage.accept(logName + " line " + n + ": skipped: " + unreadable.getMessage());
            }
            e = null;
          } catch (IOException bad) {
            if (next == null) {
              break; // the writer is in the middle of its last line
            }
            if (damage == null) {
              throw new IOException(events + " line " + n + ": " + bad.getMessage(), bad);
            }
            check.unreadable(n, bad.getMessage());
          }
          if (e != null && check.accept(n, e)) {
            to.accept(e);
          }
        }
        line = next;
      }
    }
    if (damage != null) {
      check.damage().forEach(damage);
    }
  }

  private List<String> damage = List.of();

  /**
   * What was wrong with the log when it was opened (see {@link LogCheck}), and, for a replica, each
   * event it refused because it held another under the same seq; empty when sound.
   */
  public synchronized List<String> damage() {
    return damage;
  }

  // A crash can leave a partial last line; everything before the last newline is whole.
  private static void repairTail(Path events) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(events.toFile(), "rw")) {
      long len = f.length();
      long pos = len;
      while (pos > 0) {
        f.seek(pos - 1);
        if (f.read() == '\n') {
          break;
        }
        pos--;
      }
      if (pos < len) {
        f.setLength(pos);
      }
    }
  }

  /** Assigns the next sequence number, records the event durably, then tells listeners. */
  public synchronized Event append(Event event) {
    if (isReplica()) {
      throw new IllegalStateException("a replica numbers no events: they come from the trainer");
    }
    Event e = event.withSeq(lastSeq + 1);
    write(e, Json.write(e)); // once: the same text goes to the file and to JSON listeners
    return e;
  }

  private void write(Event e, String json) {
    int written = file.append(e.type(), json);
    index(e.seq());
    bytes += written; // the sink has encoded the line already: no second pass over it
    lastSeq = e.seq();
    if (!remember(e, 0)) {
      return; // recorded, but not shown: this version cannot read what it says
    }
    for (Consumer<Event> l : listeners) {
      l.accept(e);
    }
    for (BiConsumer<Event, String> l : jsonListeners) {
      l.accept(e, json);
    }
  }

  /**
   * Appends an event numbered elsewhere (by the trainer whose log this replicates), if it is the
   * next one: an event already held is ignored, one after a gap is refused so that the caller
   * fetches the missing ones first.
   *
   * @return true when appended; false when already held
   * @throws IllegalStateException when {@code e} comes after a gap
   */
  public synchronized boolean replicate(Event e, String json) {
    if (e.seq() <= lastSeq) {
      Event held = heldInRing(e.seq());
      if (held != null && !Json.write(held).equals(Json.write(e))) {
        // refused and reported: the replica keeps what it holds, as the first writer wrote it
        String why =
            "the trainer sent another event under seq "
                + e.seq()
                + " ("
                + e.type().wire()
                + " at step "
                + e.step()
                + "; held: "
                + held.type().wire()
                + " at step "
                + held.step()
                + "): refused";
        damage = appended(damage, why);
        org.slf4j.LoggerFactory.getLogger(RunStore.class).warn("run {}: {}", runId, why);
      }
      return false;
    }
    if (e.seq() != lastSeq + 1) {
      throw new IllegalStateException(
          "event " + e.seq() + " of run " + runId + " after " + lastSeq + ": a gap");
    }
    write(e, json);
    return true;
  }

  private static List<String> appended(List<String> list, String item) {
    List<String> out = new ArrayList<>(list);
    out.add(item);
    return List.copyOf(out);
  }

  private Event heldInRing(long seq) {
    if (ring.isEmpty() || seq < ring.peekFirst().seq()) {
      return null; // older than the ring: not compared
    }
    // from the newest: an overlap with what the trainer sends is recent
    for (java.util.Iterator<Event> it = ring.descendingIterator(); it.hasNext(); ) {
      Event h = it.next();
      if (h.seq() <= seq) {
        return h.seq() == seq ? h : null;
      }
    }
    return null;
  }

  /**
   * Records an event that arrived without run, branch or step (e.g. a command received by the API).
   */
  public Event append(EventType type, Map<String, Object> payload) {
    synchronized (this) {
      return append(new Event(0, runId, fold.branch(), fold.step(), type, Instant.now(), payload));
    }
  }

  private void index(long seq) {
    if (seq % INDEX_EVERY == 1) {
      offsets.put(seq, bytes);
    }
  }

  private static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /**
   * Folds an event into the run's state and keeps it in the ring. An event whose payload this
   * version cannot read (written by a newer one, or damaged) is left out of both, with one warning
   * naming it; everything after it still counts.
   *
   * @return whether it was taken
   */
  private boolean remember(Event e, long line) {
    try {
      fold.apply(e);
    } catch (MalformedPayloadException unreadable) {
      skipped(line, e.seq(), unreadable.getMessage());
      return false;
    }
    ring.addLast(e);
    if (ring.size() > RING) {
      ring.removeFirst();
    }
    return true;
  }

  private void skipped(long line, long seq, String why) {
    String where = line > 0 ? logName + " line " + line : "event " + seq;
    String text = where + ": skipped (seq " + seq + "): " + why;
    WARN.warn("run {}: {}", runId, text);
    damage = appended(damage, text);
  }

  /**
   * Events with seq greater than {@code since}, oldest first, at most {@code limit}; from memory
   * when the ring still holds them, otherwise from the file.
   */
  public List<Event> since(long since, int limit) throws IOException {
    synchronized (this) {
      if (!ring.isEmpty() && since >= ring.peekFirst().seq() - 1) {
        List<Event> out = new ArrayList<>();
        for (Event e : ring) {
          if (e.seq() > since) {
            out.add(e);
            if (out.size() == limit) {
              break;
            }
          }
        }
        return out;
      }
    }
    long from;
    long upTo;
    synchronized (this) {
      Map.Entry<Long, Long> at = offsets.floorEntry(dev.coxswain.protocol.Steps.add(since, 1));
      from = at == null ? 0 : at.getValue();
      upTo = lastSeq;
    }
    // seek to the indexed line at or before since+1: reading old events costs one page, not the log
    List<Event> out = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(dir.resolve(logName), StandardOpenOption.READ);
        BufferedReader r =
            new BufferedReader(
                new InputStreamReader(Channels.newInputStream(ch.position(from)), UTF_8))) {
      String line;
      while ((line = r.readLine()) != null && out.size() < limit) {
        if (line.isBlank()) {
          continue;
        }
        LogLine parsed = LogLine.parse(line);
        if (parsed.seq() > upTo) {
          break;
        }
        Event e = parsed.event();
        if (e != null && e.seq() > since) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /** Reads the log from the start, keeping events that match, at most {@code limit}. */
  public List<Event> scan(Predicate<Event> keep, int limit) throws IOException {
    List<Event> out = new ArrayList<>();
    long upTo;
    synchronized (this) {
      upTo = lastSeq; // a snapshot: lines appended while reading are left for the next call
    }
    try (BufferedReader r = Files.newBufferedReader(dir.resolve(logName), StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null && out.size() < limit) {
        if (line.isBlank()) {
          continue;
        }
        LogLine parsed = LogLine.parse(line);
        if (parsed.seq() > upTo) {
          break;
        }
        Event e = parsed.event();
        if (e != null && keep.test(e)) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /** Reads the whole log from the start, in sequence order, handing every event to {@code to}. */
  public void forEach(Consumer<Event> to) throws IOException {
    scan(
        e -> {
          to.accept(e);
          return false;
        },
        1);
  }

  public void addListener(Consumer<Event> l) {
    listeners.add(l);
  }

  /** Like {@link #addListener}, with the event's JSON line as written to the file. */
  public void addJsonListener(BiConsumer<Event, String> l) {
    jsonListeners.add(l);
  }

  /**
   * Hands {@code restore} what the log says of the agent's controls, then adds {@code l} as a
   * listener, under the store's lock: no event falls between the two, and the ones after reach the
   * listener after the controls (an agent started again for a resumed run).
   */
  public synchronized void addListener(Consumer<Event> l, Consumer<AgentControls> restore) {
    RunState.AgentState a = fold.agent();
    restore.accept(new AgentControls(a.enabled(), a.every(), a.policy(), a.words()));
    listeners.add(l);
  }

  public void removeListener(Consumer<Event> l) {
    listeners.remove(l);
  }

  public String runId() {
    return runId;
  }

  public Path dir() {
    return dir;
  }

  public Map<String, Object> runJson() {
    return runJson;
  }

  /** The event log's file, for a reader that parses it its own way (see {@link HistoryReader}). */
  public Path log() {
    return dir.resolve(logName);
  }

  public synchronized long lastSeq() {
    return lastSeq;
  }

  public synchronized String status() {
    String status = fold.status();
    return unlogged != null && !ENDED.contains(status) ? "failed" : status;
  }

  private static final java.util.Set<String> ENDED =
      java.util.Set.of("finished", "stopped", "failed");
  private String unlogged; // why the run failed, when its trainer could not log it

  /**
   * Marks the run failed without an event: its trainer says it failed, and its log could not record
   * it (a full disk). Every reader of {@link #status} and {@link #state} sees it at once.
   *
   * @return whether this changed the status (false when the run had already ended)
   */
  public synchronized boolean markFailedUnlogged(String why) {
    if (unlogged != null || ENDED.contains(fold.status())) {
      return false;
    }
    unlogged = why;
    return true;
  }

  public synchronized Instant lastEventTime() {
    return fold.lastEventTime();
  }

  /** The branches this run's events were on: a fork cannot take one of these names. */
  public synchronized Set<String> branches() {
    return Set.copyOf(fold.branchNames());
  }

  public synchronized boolean hasCommand(String id) {
    return fold.command(id).isPresent();
  }

  public synchronized List<CommandRecord> commands() {
    List<CommandRecord> out = new ArrayList<>();
    for (RunState.CommandRecord r : fold.commands()) {
      out.add(new CommandRecord(r.command(), r.seq(), r.result()));
    }
    return out;
  }

  /** Knob specs (name, type, value, min, max, description) as last published, values current. */
  public synchronized List<Map<String, Object>> knobs() {
    return fold.knobs().stream().map(Json::toMap).toList();
  }

  /**
   * The last training losses, averaged into at most {@code points} buckets (oldest first), for a
   * sparkline.
   */
  public synchronized List<Double> lossSparkline(int points) {
    List<Double> all = fold.lossTail();
    if (all.size() <= points) {
      return all;
    }
    List<Double> out = new ArrayList<>(points);
    for (int i = 0; i < points; i++) {
      int from = (int) ((long) i * all.size() / points);
      int to = (int) ((long) (i + 1) * all.size() / points);
      double sum = 0;
      for (int j = from; j < to; j++) {
        sum += all.get(j);
      }
      out.add(sum / (to - from));
    }
    return out;
  }

  /** The last health event's payload (with its step), or an empty map. */
  public synchronized Map<String, Object> lastHealth() {
    return fold.lastHealth()
        .map(
            h -> {
              Map<String, Object> m = new LinkedHashMap<>(Payloads.encode(h.value()));
              m.put("step", h.step());
              return m;
            })
        .orElse(Map.of());
  }

  /**
   * The last evaluation of the live branch (its payload with its step and branch), or an empty map
   * when that branch has had none yet: another branch's evaluation is not this one's.
   */
  public synchronized Map<String, Object> lastEval() {
    return fold.lastEval(fold.branch())
        .map(
            e -> {
              Map<String, Object> m = new LinkedHashMap<>(Payloads.encode(e.value()));
              m.put("step", e.step());
              m.put("branch", e.branch());
              return m;
            })
        .orElse(Map.of());
  }

  /** The run's state, folded from its log: read it under this store's lock only. */
  public synchronized <T> T read(java.util.function.Function<RunState, T> reader) {
    return reader.apply(fold);
  }

  /**
   * The run's state for the API (no secrets: run.json's agent section is redacted by its writer).
   */
  public synchronized Map<String, Object> state() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("id", runId);
    s.put("status", status());
    if (unlogged != null) {
      s.put("failure", unlogged);
    }
    s.put("step", fold.step());
    s.put("branch", fold.branch());
    s.put("last_seq", lastSeq);
    s.put("max_steps", ((Map<?, ?>) runJson.getOrDefault("config", Map.of())).get("max_steps"));
    s.put("knobs", knobs());
    s.put("last_metrics", fold.lastMetrics().map(m -> Payloads.encode(m.value())).orElse(Map.of()));
    s.put("last_eval", lastEval());
    s.put("agent", agentNow());
    s.put("started", runJson.get("started"));
    s.put("workload", runJson.get("workload"));
    // what the workload reports and in which units (a run.json from before has none: the console
    // then reads it as the language model it was)
    s.put("reports", runJson.get("reports"));
    // where it trains: device, why, the libtorch and the GPU's name (absent before issue 23)
    s.put("device", runJson.get("device"));
    return s;
  }

  /**
   * The agent's section of run.json with what the log has changed since: on or off, cadence and
   * policy as the last commands set them, and the budget spent as the last decision said.
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> agentNow() {
    if (!(runJson.get("agent") instanceof Map<?, ?> section) || "off".equals(section.get("mode"))) {
      return Map.of("mode", "off");
    }
    Map<String, Object> a = new LinkedHashMap<>((Map<String, Object>) section);
    RunState.AgentState c = fold.agent();
    a.put("enabled", c.enabled() == null || c.enabled());
    if (c.every() != null) {
      a.put("every", c.every());
    }
    a.put("policy", c.policy() != null ? c.policy() : a.get("mode"));
    if (c.spentUsd() != null) {
      a.put("spent_usd", c.spentUsd());
    }
    return a;
  }

  @Override
  public synchronized void close() {
    if (file != null) {
      file.close();
    }
  }
}
