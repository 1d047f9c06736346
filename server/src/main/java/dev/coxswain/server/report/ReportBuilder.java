package dev.coxswain.server.report;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.server.report.RunReport.Fork;
import dev.coxswain.server.report.RunReport.Health;
import dev.coxswain.server.report.RunReport.Intervention;
import dev.coxswain.server.run.MetricsHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads a run's events once, in sequence order, into a {@link RunReport}: the curves through {@link
 * MetricsHistory}, commands with their results and decisions, health, forks, checkpoints, the
 * agent's spending and the run's speed.
 */
final class ReportBuilder implements Consumer<Event> {
  private final Map<String, Object> runJson;
  private final Path dir;
  private final String log;
  private final String metric;
  private final MetricsHistory history = new MetricsHistory();
  private final Map<String, String> metrics = new LinkedHashMap<>();
  private final List<Health> health = new ArrayList<>();
  private final List<Fork> forks = new ArrayList<>();
  private final Checkpoints checkpoints = new Checkpoints();
  private final Timeline timeline = new Timeline();
  private String status = "created";
  private long step;
  private String branch = "main";
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
    history.accept(e);
    first = first == null ? e.time() : first;
    last = e.time();
    step = e.step();
    branch = e.branch();
    Map<String, Object> p = e.payload();
    switch (e.type()) {
      case METRICS -> onMetrics(p);
      case EVAL -> onEval(p);
      case STATUS -> onStatus(e, p);
      case COMMAND -> timeline.command(e);
      case COMMAND_RESULT -> timeline.result(e);
      case AGENT_DECISION -> timeline.decision(e);
      case HEALTH -> onHealth(e, p);
      case BRANCH -> forks.add(fork(e, p));
      case CHECKPOINT -> checkpoints.saved(e, p);
      default -> {}
    }
  }

  private void onMetrics(Map<String, Object> p) {
    stepsComputed++;
    double ms = number(p.get("step_ms"));
    double tps = number(p.get("tokens_per_s"));
    if (Double.isFinite(ms)) {
      stepSeconds += ms / 1000;
      if (Double.isFinite(tps)) {
        tokens += tps * ms / 1000;
      }
    }
  }

  private void onEval(Map<String, Object> p) {
    if (p.get("metrics") instanceof Map<?, ?> m) {
      Map<?, ?> better = p.get("better") instanceof Map<?, ?> b ? b : Map.of();
      for (Object name : m.keySet()) {
        metrics.putIfAbsent(
            String.valueOf(name), "higher".equals(better.get(name)) ? "higher" : "lower");
      }
    }
  }

  private void onStatus(Event e, Map<String, Object> p) {
    status = String.valueOf(p.get("status"));
    if ("resuming".equals(status)) {
      long from = (long) number(p.get("from_step"));
      String on = p.get("branch") instanceof String s ? s : e.branch();
      forks.add(
          new Fork(e.seq(), "resume", on, on, text(p.get("from")), -1, from + 1, e.time(), null));
    }
  }

  private void onHealth(Event e, Map<String, Object> p) {
    String kind = text(p.get("kind"));
    String message = p.get("message") instanceof String m ? m : describe(p);
    Double loss = p.get("loss") instanceof Number n ? n.doubleValue() : null;
    Double ratio = p.get("ratio") instanceof Number n ? n.doubleValue() : null;
    Health h = health.isEmpty() ? null : health.get(health.size() - 1);
    boolean measured = !(p.get("message") instanceof String); // spike, nonfinite: one a step
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
  private static String describe(Map<String, Object> p) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Object> f : p.entrySet()) {
      if (!"kind".equals(f.getKey())) {
        Object v = f.getValue();
        parts.add(f.getKey() + " " + (v instanceof Number n ? Text.num(n.doubleValue()) : v));
      }
    }
    return String.join(", ", parts);
  }

  private static Fork fork(Event e, Map<String, Object> p) {
    return new Fork(
        e.seq(),
        "branch",
        text(p.get("branch")),
        text(p.get("parent_branch")),
        text(p.get("checkpoint")),
        (long) number(p.get("left_at_step")),
        (long) number(p.get("resumes_at_step")),
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
    List<Event> points = history.points();
    String on = metric == null ? "eval_loss" : metric;
    boolean higher = "higher".equals(metrics.get(on));
    return new RunReport(
        run(live == null ? !RunReport.FINAL.contains(status) : live, serverUrl),
        points,
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
        status,
        live,
        serverUrl == null ? "http://127.0.0.1:7007" : serverUrl,
        dir.toString(),
        text(runJson.get("workload")),
        map(runJson.get("model")),
        config,
        map(runJson.get("agent")),
        text(provenance.get("coxswain")),
        step,
        branch,
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

  private static Double max(Double a, Double b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : Math.max(a, b);
  }
}
