package dev.coxswain.run;

import dev.coxswain.agent.AgentControls;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.AgentState;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.RunState;
import dev.coxswain.trainer.events.JsonlEventSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The record of one run: assigns run-wide sequence numbers, appends every event to its {@link
 * EventLog} ({@code events.jsonl}; durable types forced to disk before {@link #append} returns),
 * folds it into the run's state, keeps a bounded ring of recent events, the console's history
 * ({@link KeptHistory}) and a bounded command history in memory, and tells listeners. Thread-safe;
 * the sequence order, the file order and the listener order are the same. A control plane's replica
 * ({@link #replica}) is the same record with the trainer's numbers, in {@code replica.jsonl}, not
 * forced to disk: the trainer's own log is the one that must survive a power cut.
 */
public final class RunStore implements AutoCloseable {
  /** Recent events kept in memory; older ones are read from the file. */
  public static final int RING = 4096;

  /** Commands whose history is kept in memory. */
  public static final int HISTORY = 10_000;

  /** The trainer's own log: the source of truth, sequence numbers assigned here. */
  public static final String LOG = "events.jsonl";

  /** A control plane's copy of a trainer's log: the same events with the trainer's numbers. */
  public static final String REPLICA = "replica.jsonl";

  private final String runId;
  private final Path dir;
  private final String logName;
  private final Map<String, Object> runJson;
  private EventLog log;
  private final EventRing ring = new EventRing(RING);
  // the console's history, kept from the first event (for a run opened from its log, from the read
  // that opens it: a log that read with damage lets it go)
  private final KeptHistory kept;
  private final StoreListeners listeners = new StoreListeners();
  private long lastSeq;
  // the run's state: the one fold of its events (status, step, branch, knobs, evaluations...)
  private final RunState fold = new RunState(HISTORY);
  private final LogDamage damage;
  private final UnloggedFailure unlogged = new UnloggedFailure();

  private RunStore(String runId, Path dir, Map<String, Object> runJson, String logName) {
    this.runId = runId;
    this.dir = dir;
    this.logName = logName;
    this.runJson = runJson;
    this.kept = new KeptHistory(runId);
    this.damage = new LogDamage(runId, logName);
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
    s.log = EventLog.create(dir, LOG, true, opener);
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
    // the trainer's log is the truth: a replica is not forced to disk
    s.log = EventLog.create(dir, REPLICA, false, JsonlEventSink.Opener.FILE);
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
  public static RunStore open(Path dir, String logName) throws IOException {
    return open(dir, logName, true);
  }

  /**
   * As {@link #open(Path, String)}; {@code keepHistory} false reads the console's history from the
   * log when it is asked for instead of keeping it from this read (a server over many runs keeps
   * only a few in memory: see {@link RunRegistry#scan}).
   */
  @SuppressWarnings("unchecked")
  public static RunStore open(Path dir, String logName, boolean keepHistory) throws IOException {
    Path rj = dir.resolve("run.json");
    if (!Files.exists(rj)) {
      throw new IOException("no run at " + dir + " (run.json is missing)");
    }
    Map<String, Object> runJson = Json.read(Files.readString(rj), Map.class);
    RunStore s = new RunStore((String) runJson.get("run_id"), dir, runJson, logName);
    if (!keepHistory) {
      s.kept.letGo(null);
    }
    List<String> found = new ArrayList<>();
    // a replica is a copy: the trainer's own log is what is forced to disk before it counts
    s.log =
        EventLog.open(dir, logName, !REPLICA.equals(logName), s::replayed, s::unknown, found::add);
    s.damage.checked(found); // before the lines skipped
    if (!s.damage.list().isEmpty()) {
      // a read of the file sees what the check left out: that read serves the console as before
      s.kept.letGo("its log was opened with damage");
    }
    return s;
  }

  private void replayed(long line, Event e) {
    lastSeq = e.seq();
    kept.accept(e); // the read that opens the log is the one the console's history needs
    remember(e, line);
  }

  private void unknown(long line, long seq, String why) {
    if (seq == lastSeq + 1) {
      lastSeq = seq; // a newer version's event: its number is taken, what it says is not read
    }
    damage.skipped(line, seq, why);
  }

  /**
   * What was wrong with the log when it was opened (see {@link LogCheck}), and, for a replica, each
   * event it refused because it held another under the same seq; empty when sound.
   */
  public synchronized List<String> damage() {
    return damage.list();
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
    log.append(e, json);
    lastSeq = e.seq();
    kept.accept(e); // every line of the log, as a read of the file would see it
    if (!remember(e, 0)) {
      return; // recorded, but not shown: this version cannot read what it says
    }
    listeners.tell(e, json);
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
      Event held = ring.held(e.seq());
      if (held != null && !Json.write(held).equals(Json.write(e))) {
        // refused and reported: the replica keeps what it holds, as the first writer wrote it
        damage.refused(e, held);
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

  /**
   * Records an event that arrived without run, branch or step (e.g. a command received by the API).
   */
  public Event append(EventType type, Map<String, Object> payload) {
    synchronized (this) {
      return append(new Event(0, runId, fold.branch(), fold.step(), type, Instant.now(), payload));
    }
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
      damage.skipped(line, e.seq(), unreadable.getMessage());
      return false;
    }
    ring.add(e);
    return true;
  }

  /**
   * Events with seq greater than {@code since}, oldest first, at most {@code limit}; from memory
   * when the ring still holds them, otherwise from the file.
   */
  public List<Event> since(long since, int limit) throws IOException {
    long from;
    long upTo;
    synchronized (this) {
      if (ring.holdsAfter(since)) {
        return ring.after(since, limit);
      }
      from = log.seekFor(since);
      upTo = lastSeq;
    }
    // seek to the indexed line at or before since+1: reading old events costs one page, not the log
    return log.page(from, since, limit, upTo);
  }

  /** Reads the log from the start, keeping events that match, at most {@code limit}. */
  public List<Event> scan(Predicate<Event> keep, int limit) throws IOException {
    // a snapshot: lines appended while reading are left for the next call
    return log.scan(keep, limit, lastSeq());
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

  /**
   * The run's history for a console that opens it ({@link RunHistory}), with the metrics {@code
   * wanted} accepts as columns: from memory while this store keeps it (from the run's first event,
   * or from the read that opened its log, within {@link KeptHistory}'s bounds), otherwise read from
   * the log ({@link HistoryReader}). Either way every event up to one seq, and none after it.
   */
  public RunHistory history(Predicate<String> wanted) throws IOException {
    java.util.Optional<RunHistory> h = kept.snapshot(wanted);
    return h.isPresent() ? h.get() : HistoryReader.read(this, wanted);
  }

  /** Whether {@link #history} comes from memory (false: it reads the log). */
  public boolean keepsHistory() {
    return kept.holds();
  }

  public void addListener(Consumer<Event> l) {
    listeners.add(l);
  }

  /** Like {@link #addListener}, with the event's JSON line as written to the file. */
  public void addJsonListener(BiConsumer<Event, String> l) {
    listeners.addJson(l);
  }

  /**
   * Hands {@code restore} what the log says of the agent's controls, then adds {@code l} as a
   * listener, under the store's lock: no event falls between the two, and the ones after reach the
   * listener after the controls (an agent started again for a resumed run).
   */
  public synchronized void addListener(Consumer<Event> l, Consumer<AgentControls> restore) {
    AgentState a = fold.agent();
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
    return log.path();
  }

  public synchronized long lastSeq() {
    return lastSeq;
  }

  public synchronized String status() {
    return unlogged.status(fold.status());
  }

  /**
   * Marks the run failed without an event: its trainer says it failed, and its log could not record
   * it (a full disk). Every reader of {@link #status} and {@link #state} sees it at once.
   *
   * @return whether this changed the status (false when the run had already ended)
   */
  public synchronized boolean markFailedUnlogged(String why) {
    return unlogged.mark(why, fold.status());
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

  /** The commands kept (the last {@link #HISTORY}), oldest first, with their results. */
  public synchronized List<RunState.CommandRecord> commands() {
    return fold.commands();
  }

  /**
   * The run's state, folded from its log, read under this store's lock only: {@code
   * read(StateViews::lastEval)} and the other views of {@link StateViews}, or any reader of {@link
   * RunState}.
   */
  public synchronized <T> T read(Function<RunState, T> reader) {
    return reader.apply(fold);
  }

  /**
   * The run's state for the API (no secrets: run.json's agent section is redacted by its writer).
   */
  public synchronized RunView view() {
    return StateViews.state(runId, runJson, fold, lastSeq, status(), unlogged.why());
  }

  /** {@link #view} in its JSON form, for a reader that takes it as JSON (a benchmark, a test). */
  public Map<String, Object> state() {
    return Json.toMap(view());
  }

  @Override
  public synchronized void close() {
    if (log != null) {
      log.close();
    }
  }
}
