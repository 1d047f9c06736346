package dev.coxswain.protocol.event;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Goal;
import dev.coxswain.protocol.InvalidCommandException;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.Registry;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run's state, folded from its events in sequence order: status, step, branch and the branches'
 * ancestry, knobs and locks, the last metrics, the last and best evaluation per branch, the agent,
 * the checkpoints, the goal, the commands and their results. Every reader of "the run now" (the
 * store, the API, the report, the agent's summary, the exporters) reads this one fold; the
 * console's reducer folds the same events the same way (the shared fixtures check both).
 *
 * <p>Not thread-safe: one writer applies events, readers take what the accessors return (copies or
 * immutable values).
 */
public final class RunState {
  /** The training losses kept for a sparkline. */
  public static final int LOSS_TAIL = 200;

  private final int historyLimit;
  private String status = "created";
  private String error;
  private long step;
  private String branch = "main";
  private long lastSeq;
  private Instant lastEventTime;
  private final Map<String, BranchInfo> branches = new LinkedHashMap<>();
  private final Map<String, Double> knobValues = new LinkedHashMap<>();
  private List<Knob> knobSpecs = List.of();
  private List<ActionSpec> actionSpecs = List.of();
  private List<String> locks = List.of();
  private Stepped<Payload.Metrics> lastMetrics;
  private final ArrayDeque<Double> lossTail = new ArrayDeque<>();
  private final Evaluations evals = new Evaluations();
  private Stepped<Payload.Health> lastHealth;
  private final Map<String, CheckpointInfo> checkpoints = new LinkedHashMap<>();
  private final LinkedHashMap<String, CommandRecord> commands = new LinkedHashMap<>();
  private AgentState agent = AgentState.NONE;
  private Goal goal;

  /** A value with the step and branch of the event that carried it. */
  public record Stepped<T>(long step, String branch, T value) {}

  /** A branch: where it came from (none for the first, {@code main}). */
  public record BranchInfo(
      String name, String parent, String checkpoint, Long leftAtStep, Long resumesAtStep) {}

  /** A checkpoint the run still keeps (pruned ones leave). */
  public record CheckpointInfo(String id, String branch, long step, String tag, boolean periodic) {}

  /** A command, the sequence number of its receipt, and its one result once there is one. */
  public record CommandRecord(Command command, long seq, CommandResult result) {}

  /** A fold that keeps the last 10,000 commands. */
  public RunState() {
    this(10_000);
  }

  /** A fold that keeps the last {@code historyLimit} commands (and their results). */
  public RunState(int historyLimit) {
    this.historyLimit = historyLimit;
    branches.put("main", new BranchInfo("main", null, null, null, null));
  }

  /**
   * Folds one event in. Events must come in sequence order.
   *
   * @throws MalformedPayloadException when its payload does not have its type's shape; the state is
   *     unchanged then
   */
  public void apply(Event e) {
    apply(e, e.body()); // decoded first: a malformed event changes nothing
  }

  /** Folds one event in whose payload the caller has decoded already ({@link Event#body}). */
  public void apply(Event e, Payload body) {
    lastSeq = Math.max(lastSeq, e.seq());
    lastEventTime = e.time();
    step = e.step();
    if (e.branch() != null) {
      branch = e.branch();
      branches.computeIfAbsent(branch, b -> new BranchInfo(b, null, null, null, null));
    }
    switch (e.type()) {
      case STATUS -> status((Payload.Status) body);
      case METRICS -> metrics(e, (Payload.Metrics) body);
      case EVAL -> eval(e, (Payload.Eval) body);
      case HEALTH -> lastHealth = new Stepped<>(e.step(), e.branch(), (Payload.Health) body);
      case KNOBS -> knobs((Payload.Knobs) body);
      case COMMAND ->
          remember(new CommandRecord(((Payload.CommandSent) body).command(), e.seq(), null));
      case COMMAND_RESULT -> result(((Payload.Result) body).result());
      case CHECKPOINT -> checkpoint(e, (Payload.Checkpoint) body);
      case BRANCH -> branch((Payload.Branch) body);
      case AGENT_DECISION -> agent = agent.decided((Payload.AgentDecision) body);
      default -> {} // notes, data, outcomes, evaluating, heartbeats: history, not state
    }
  }

  private void status(Payload.Status s) {
    status = s.status();
    error = "failed".equals(s.status()) ? s.error() : null;
  }

  private void branch(Payload.Branch b) {
    branches.put(
        b.branch(),
        new BranchInfo(
            b.branch(), b.parentBranch(), b.checkpoint(), b.leftAtStep(), b.resumesAtStep()));
  }

  private void metrics(Event e, Payload.Metrics m) {
    lastMetrics = new Stepped<>(e.step(), e.branch(), m);
    if (m.loss() != null && Double.isFinite(m.loss())) {
      lossTail.addLast(m.loss());
      if (lossTail.size() > LOSS_TAIL) {
        lossTail.removeFirst();
      }
    }
  }

  private void eval(Event e, Payload.Eval ev) {
    if (ev.goal() != null) {
      goal = ev.goal().goal();
    }
    evals.add(new Stepped<>(e.step(), e.branch(), ev), goal);
  }

  private void knobs(Payload.Knobs k) {
    if (k.specs() != null) {
      knobSpecs = List.copyOf(k.specs());
    }
    if (k.actions() != null) {
      actionSpecs = List.copyOf(k.actions());
    }
    if (k.knobs() != null) {
      knobValues.clear();
      knobValues.putAll(k.knobs());
    }
    if (k.locks() != null) {
      locks = List.copyOf(k.locks());
    }
  }

  private void checkpoint(Event e, Payload.Checkpoint c) {
    checkpoints.put(
        c.id(), new CheckpointInfo(c.id(), e.branch(), e.step(), c.tag(), c.periodic()));
    if (c.pruned() != null) {
      c.pruned().forEach(checkpoints::remove);
    }
  }

  private void remember(CommandRecord r) {
    commands.put(r.command().id(), r);
    if (commands.size() > historyLimit) {
      Iterator<String> it = commands.keySet().iterator();
      it.next();
      it.remove();
    }
  }

  private void result(CommandResult r) {
    // an applied knob change says {knob: {from, to}}: the values follow it even from a trainer
    // that published no knobs event for it
    ResultDetails.knobChanges(r)
        .ifPresent(
            changes ->
                changes.forEach(
                    (k, c) -> {
                      if (c != null && c.to() != null) {
                        knobValues.computeIfPresent(k, (n, o) -> c.to());
                      }
                    }));
    CommandRecord old = commands.get(r.commandId());
    if (old == null) {
      return; // a result whose command has left the history (or came from another log)
    }
    commands.put(r.commandId(), new CommandRecord(old.command(), old.seq(), r));
    if (!r.isApplied()) {
      return;
    }
    Action a;
    try {
      a = Action.parse(old.command());
    } catch (InvalidCommandException unparsable) {
      return; // applied by a trainer that knew more than this reader: nothing to fold
    }
    agent = agent.commanded(a);
    if (a instanceof Action.SetGoal s) {
      goal = s.goal();
    }
  }

  // --- reads ---

  public String status() {
    return status;
  }

  /** The error of a failed run, else null. */
  public String error() {
    return error;
  }

  public long step() {
    return step;
  }

  /** The live branch: the one the last event was on. */
  public String branch() {
    return branch;
  }

  public long lastSeq() {
    return lastSeq;
  }

  public Instant lastEventTime() {
    return lastEventTime;
  }

  /** Every branch the run has had, first to last. */
  public Map<String, BranchInfo> branches() {
    return Map.copyOf(branches);
  }

  /** Every branch, in the order they appeared. */
  public java.util.List<BranchInfo> branchList() {
    return List.copyOf(branches.values());
  }

  /** Every branch name, in the order they appeared. */
  public Set<String> branchNames() {
    return new LinkedHashSet<>(branches.keySet());
  }

  /** The branch and its ancestors up to the first, nearest first. */
  public List<BranchInfo> ancestry(String name) {
    List<BranchInfo> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (BranchInfo b = branches.get(name); b != null && seen.add(b.name()); ) {
      out.add(b);
      b = b.parent() == null ? null : branches.get(b.parent());
    }
    return out;
  }

  /** Knob values now, by name, in the order of the run's knob table. */
  public Map<String, Double> knobValues() {
    return new LinkedHashMap<>(knobValues);
  }

  /** The actions the run registered, as it announced them. */
  public List<ActionSpec> actions() {
    return actionSpecs;
  }

  /** The run's knobs (values now) and actions: what commands are checked against. */
  public Registry registry() {
    return new Registry(knobs(), actionSpecs);
  }

  /** The knob table as the run published it, each with its value now. */
  public List<Knob> knobs() {
    List<Knob> out = new ArrayList<>(knobSpecs.size());
    for (Knob k : knobSpecs) {
      Double v = knobValues.get(k.name());
      out.add(v == null || k.validate(v).isPresent() ? k : k.withValue(v));
    }
    return out;
  }

  public List<String> locks() {
    return locks;
  }

  public Optional<Stepped<Payload.Metrics>> lastMetrics() {
    return Optional.ofNullable(lastMetrics);
  }

  /** The last finite training losses, oldest first (at most {@link #LOSS_TAIL}). */
  public List<Double> lossTail() {
    return List.copyOf(lossTail);
  }

  /** The last evaluation of {@code branch}: another branch's is not this one's. */
  public Optional<Stepped<Payload.Eval>> lastEval(String branch) {
    return Optional.ofNullable(evals.last(branch));
  }

  /** The best evaluation of {@code branch}: by the goal's metric when there is a goal. */
  public Optional<Stepped<Payload.Eval>> bestEval(String branch) {
    return Optional.ofNullable(evals.best(branch));
  }

  public Optional<Stepped<Payload.Health>> lastHealth() {
    return Optional.ofNullable(lastHealth);
  }

  /** The checkpoints the run still keeps, oldest first. */
  public List<CheckpointInfo> checkpoints() {
    return List.copyOf(checkpoints.values());
  }

  /** The commands kept (the last {@code historyLimit}), oldest first, with their results. */
  public List<CommandRecord> commands() {
    return List.copyOf(commands.values());
  }

  public Optional<CommandRecord> command(String id) {
    return Optional.ofNullable(commands.get(id));
  }

  public AgentState agent() {
    return agent;
  }

  /** The run's goal: the last one set, or the one its evaluations report; empty when none. */
  public Optional<Goal> goal() {
    return Optional.ofNullable(goal);
  }

  /**
   * The state's canonical JSON form: what the shared fixtures hold and the console's reducer
   * produces for the same events ({@link RunStateView}).
   */
  public Map<String, Object> view() {
    return Json.toMap(RunStateView.of(this)); // null fields included: the fixtures hold them
  }
}
