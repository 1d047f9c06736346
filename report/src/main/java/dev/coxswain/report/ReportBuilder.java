package dev.coxswain.report;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.protocol.event.RunState;
import dev.coxswain.protocol.event.RunState.Stepped;
import dev.coxswain.report.RunReport.Fork;
import dev.coxswain.report.RunReport.Health;
import dev.coxswain.report.RunReport.Intervention;
import dev.coxswain.run.MetricsHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads a run's events once, in sequence order, into a {@link RunReport}: the run's state (status,
 * step, branch, the checkpoints kept) through {@link RunState}, the curves through {@link
 * MetricsHistory}, commands with their results and decisions, health, forks, the agent's spending
 * and the run's speed. An event whose payload does not have its type's shape is skipped and said.
 */
final class ReportBuilder implements Consumer<Event> {
  private final Map<String, Object> runJson;
  private final Path dir;
  private final String log;
  private final String metric;
  private final RunState state = new RunState();
  private final MetricsHistory history = new MetricsHistory();
  // each point's payload, decoded once here: the charts and the best checkpoint read them
  private final Map<Event, Payload> bodies = new IdentityHashMap<>();
  private final Map<String, String> metrics = new LinkedHashMap<>();
  private final List<Health> health = new ArrayList<>();
  private final List<Fork> forks = new ArrayList<>();
  private String latestCheckpoint;
  private final Timeline timeline = new Timeline();
  private Instant first;
  private Instant last;
  private long stepsComputed;
  private double stepSeconds;
  private double tokens;

  ReportBuilder(Map<String, Object> runJson, Path dir, String log, String metric) {
    this.runJson = runJson;
    this.dir = dir;
    this.log = log;
    this.metric = metric;
  }

  /** run.json, or why there is none to read. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> runJson(Path dir) throws RunReport.NotARun {
    try {
      Map<String, Object> m = Json.read(Files.readString(dir.resolve("run.json")), Map.class);
      if (m == null || !(m.get("run_id") instanceof String)) {
        throw new RunReport.NotARun(dir + " is not a run directory (its run.json has no run_id)");
      }
      return m;
    } catch (IOException | RuntimeException e) {
      String why =
          e instanceof com.fasterxml.jackson.core.JsonProcessingException j
              ? j.getOriginalMessage()
              : e.getMessage();
      throw new RunReport.NotARun(
          dir + " is not a run directory (its run.json cannot be read: " + why + ")");
    }
  }

  @Override
  public void accept(Event e) {
    Payload body;
    try {
      body = e.body();
    } catch (MalformedPayloadException bad) {
      damage(log + " seq " + e.seq() + ": " + bad.getMessage() + ": skipped");
      return;
    }
    state.apply(e); // decodes the payload a second time: RunState takes no decoded one yet
    history.accept(e);
    if (e.type() == EventType.METRICS || e.type() == EventType.EVAL) {
      bodies.put(e, body);
    }
    first = first == null ? e.time() : first;
    last = e.time();
    switch (e.type()) {
      case METRICS -> onMetrics((Payload.Metrics) body);
      case EVAL -> onEval((Payload.Eval) body);
      case STATUS -> onStatus(e, (Payload.Status) body);
      case COMMAND -> timeline.command(e, ((Payload.CommandSent) body).command());
      case COMMAND_RESULT -> timeline.result(((Payload.Result) body).result());
      case AGENT_DECISION -> timeline.decision(e, (Payload.AgentDecision) body);
      case HEALTH -> onHealth(e, (Payload.Health) body);
      case BRANCH -> forks.add(fork(e, (Payload.Branch) body));
      case CHECKPOINT -> latestCheckpoint = ((Payload.Checkpoint) body).id();
      default -> {}
    }
  }

  private void onMetrics(Payload.Metrics p) {
    stepsComputed++;
    double ms = p.stepMillis();
    double tps = p.throughput();
    if (Double.isFinite(ms)) {
      stepSeconds += ms / 1000;
      if (Double.isFinite(tps)) {
        tokens += tps * ms / 1000;
      }
    }
  }

  private void onEval(Payload.Eval p) {
    if (p.metrics() != null) {
      Map<String, String> better = p.better() != null ? p.better() : Map.of();
      for (String name : p.metrics().keySet()) {
        metrics.putIfAbsent(name, "higher".equals(better.get(name)) ? "higher" : "lower");
      }
    }
  }

  private void onStatus(Event e, Payload.Status p) {
    if ("resuming".equals(p.status())) {
      long from = p.fromStep() == null ? 0 : p.fromStep();
      String on = p.branch() != null ? p.branch() : e.branch();
      forks.add(new Fork(e.seq(), "resume", on, on, text(p.from()), -1, from + 1, e.time(), null));
    }
  }

  private void onHealth(Event e, Payload.Health p) {
    String kind = p.kind();
    String message = p.message() != null ? p.message() : describe(p);
    Double loss = finite(p.loss());
    Double ratio = finite(p.ratio());
    Health h = health.isEmpty() ? null : health.get(health.size() - 1);
    boolean measured = p.message() == null; // spike, nonfinite: one a step
    if (h != null && measured && h.kind().equals(kind) && h.branch().equals(e.branch())) {
      health.set(
          health.size() - 1,
          new Health(
              h.seq(),
              h.step(),
              e.step(),
              h.branch(),
              kind,
              h.count() + 1,
              h.message(),
              max(h.maxLoss(), loss),
              max(h.maxRatio(), ratio)));
      return;
    }
    health.add(new Health(e.seq(), e.step(), e.step(), e.branch(), kind, 1, message, loss, ratio));
  }

  /** A health event without a message, in words: its fields but the kind. */
  private static String describe(Payload.Health p) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Object> f : Payloads.encode(p).entrySet()) {
      if (!"kind".equals(f.getKey())) {
        Object v = f.getValue();
        parts.add(f.getKey() + " " + (v instanceof Number n ? Text.num(n.doubleValue()) : v));
      }
    }
    return String.join(", ", parts);
  }

  private static Fork fork(Event e, Payload.Branch p) {
    return new Fork(
        e.seq(),
        "branch",
        p.branch(),
        text(p.parentBranch()),
        text(p.checkpoint()),
        p.leftAtStep(),
        p.resumesAtStep(),
        e.time(),
        null);
  }

  /**
   * The report.
   *
   * @param live whether a trainer takes the run's commands now; null: not known (then a run whose
   *     last status is not final counts as live)
   * @throws IllegalArgumentException when the metric asked for is not one the run evaluates
   */
  RunReport build(Boolean live, String serverUrl) {
    if (metric != null && !"eval_loss".equals(metric) && !metrics.containsKey(metric)) {
      throw new IllegalArgumentException(
          "the run's evaluations have no metric '"
              + metric
              + "'"
              + (metrics.isEmpty()
                  ? ""
                  : "; they have eval_loss, " + String.join(", ", metrics.keySet())));
    }
    List<Stepped<Payload>> points = new ArrayList<>();
    for (Event e : history.points()) {
      points.add(new Stepped<>(e.step(), e.branch(), bodies.get(e)));
    }
    String on = metric == null ? "eval_loss" : metric;
    boolean higher = "higher".equals(metrics.get(on));
    Checkpoints checkpoints = new Checkpoints(state.checkpoints(), latestCheckpoint);
    return new RunReport(
        run(live == null ? !RunReport.FINAL.contains(state.status()) : live, serverUrl),
        List.copyOf(points),
        Map.copyOf(metrics),
        timeline.entries(),
        List.copyOf(health),
        forks(),
        checkpoints.best(points, on, higher, dir, this::damage),
        Checkpoints.bestEval(points, on, higher),
        agent(),
        RunReport.Throughput.between(first, last, stepsComputed, stepSeconds, tokens),
        Instant.now(),
        List.copyOf(damage));
  }

  private final List<String> damage = new java.util.ArrayList<>();

  /** Something wrong with the log, said by its reader; the report shows it at the top. */
  void damage(String what) {
    damage.add(what);
  }

  private RunReport.Run run(boolean live, String serverUrl) {
    Map<?, ?> provenance = map(runJson.get("provenance"));
    Map<?, ?> config = map(runJson.get("config"));
    Object maxSteps = config.get("max_steps");
    return new RunReport.Run(
        text(runJson.get("run_id")),
        state.status(),
        live,
        serverUrl == null ? "http://127.0.0.1:7007" : serverUrl,
        dir.toString(),
        text(runJson.get("workload")),
        map(runJson.get("model")),
        config,
        map(runJson.get("agent")),
        map(runJson.get("device")),
        text(provenance.get("coxswain")),
        state.step(),
        state.branch(),
        maxSteps instanceof Number n ? n.longValue() : null,
        first,
        last,
        log);
  }

  private List<Fork> forks() {
    List<Fork> out = new ArrayList<>();
    for (Fork f : forks) {
      Intervention cause =
          timeline.interventions().stream()
              .filter(
                  c ->
                      "load_checkpoint".equals(c.type())
                          && "applied".equals(c.status())
                          && f.branch().equals(c.detail().get("branch")))
              .findFirst()
              .orElse(null);
      out.add(
          new Fork(
              f.seq(),
              f.kind(),
              f.branch(),
              f.parentBranch(),
              f.checkpoint(),
              f.leftAtStep(),
              f.resumesAtStep(),
              f.time(),
              cause));
    }
    return out;
  }

  private RunReport.Agent agent() {
    Map<?, ?> spec = map(runJson.get("agent"));
    return new RunReport.Agent(
        spec.get("mode") instanceof String m ? m : "off",
        timeline.decisions,
        timeline.agentCommands,
        timeline.inputTokens,
        timeline.outputTokens,
        timeline.reasoningTokens,
        timeline.costUsd,
        map(spec.get("budget")));
  }

  // --- small readers of JSON-shaped values ---

  static Map<?, ?> map(Object o) {
    return o instanceof Map<?, ?> m ? m : Map.of();
  }

  static String text(Object o) {
    return o == null ? "" : String.valueOf(o);
  }

  static double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  // a non-finite loss is written as a string ("NaN"), which was never a measure to group by
  private static Double finite(Double x) {
    return x != null && Double.isFinite(x) ? x : null;
  }

  private static Double max(Double a, Double b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : Math.max(a, b);
  }
}
