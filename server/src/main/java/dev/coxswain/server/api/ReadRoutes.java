package dev.coxswain.server.api;

import static dev.coxswain.server.api.Replies.error;
import static dev.coxswain.server.api.Replies.json;
import static dev.coxswain.server.api.Replies.longParam;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.report.ReportFiles;
import dev.coxswain.report.RunReport;
import dev.coxswain.run.MetricsHistory;
import dev.coxswain.run.RunHistory;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import dev.coxswain.run.RunView;
import dev.coxswain.run.StateViews;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The API's reads: runs, their state, events, metrics, checkpoints, model and agent decisions. */
final class ReadRoutes {
  private static final int PAGE = 1000;
  private static final int MAX_PAGE = 10_000;
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-\\[\\]:]{1,255}");

  /** What the report page may do: show its own inline style and data: images, nothing else. */
  static final String REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

  private final Vertx vertx;
  private final RunRegistry runs;
  private final TrainerLink trainer;

  ReadRoutes(Vertx vertx, RunRegistry runs, TrainerLink trainer) {
    this.vertx = vertx;
    this.runs = runs;
    this.trainer = trainer;
  }

  void listRuns(RoutingContext ctx) {
    List<RunOverview> out = new ArrayList<>();
    for (RunStore s : runs.all()) {
      RunView st = s.view();
      out.add(
          new RunOverview(
              s.runId(),
              runs.lost(s.runId()) ? "lost" : st.status(),
              st.step(),
              st.branch(),
              st.started(),
              runs.live(s.runId()),
              s.read(f -> StateViews.lossSparkline(f, 40)),
              st.agent().get("mode"),
              s.read(StateViews::lastHealth)));
    }
    json(ctx, 200, Map.of("runs", out));
  }

  /**
   * One run in the console's runs overview: the last training losses as a sparkline, the agent's
   * mode, the last health event.
   */
  record RunOverview(
      String id,
      String status,
      long step,
      String branch,
      Object started,
      boolean live,
      List<Double> loss,
      Object agent,
      RunView.LastHealth lastHealth) {}

  void runState(RoutingContext ctx) {
    Replies.run(ctx, runs)
        .ifPresent(
            s -> json(ctx, 200, s.view().served(runs.lost(s.runId()), runs.live(s.runId()))));
  }

  void events(RoutingContext ctx) {
    Optional<RunStore> s = Replies.run(ctx, runs);
    Long since = longParam(ctx, "since", 0, Long.MAX_VALUE);
    Long limit = longParam(ctx, "limit", PAGE, MAX_PAGE);
    if (s.isEmpty() || since == null || limit == null) {
      return;
    }
    vertx
        .executeBlocking(() -> s.get().since(since, limit.intValue()), false)
        .onSuccess(
            list -> {
              json(ctx, 200, new EventPage(list, s.get().lastSeq()));
            })
        .onFailure(ctx::fail);
  }

  /** A page of a run's events, and the run's last seq when it was read. */
  record EventPage(List<Event> events, long lastSeq) {}

  void metrics(RoutingContext ctx) {
    Optional<RunStore> s = Replies.run(ctx, runs);
    Long since = longParam(ctx, "since", 0, Long.MAX_VALUE);
    Long limit = longParam(ctx, "limit", MAX_PAGE, 100_000);
    String branch = ctx.queryParams().get("branch");
    if (s.isEmpty() || since == null || limit == null) {
      return;
    }
    if (branch != null && !Replies.ID.matcher(branch).matches()) {
      error(ctx, 400, "branch must be a branch name", "branch");
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              // each (branch, step) once: steps re-trained after a resume replace the lost ones
              MetricsHistory history = new MetricsHistory();
              s.get().forEach(history);
              return history.points().stream()
                  .filter(e -> e.step() > since && (branch == null || branch.equals(e.branch())))
                  .limit(limit)
                  .toList();
            },
            false)
        .onSuccess(
            list -> {
              List<Map<String, Object>> points = new ArrayList<>();
              for (Event e : list) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("step", e.step());
                p.put("branch", e.branch());
                p.put("type", e.type());
                p.putAll(e.payload());
                points.add(p);
              }
              json(ctx, 200, Map.of("metrics", points));
            })
        .onFailure(ctx::fail);
  }

  /**
   * A run's history in one read ({@link RunHistory}): metrics as columns per branch, the other
   * events whole, and the seq to stream from. {@code metrics=a,b} names the columns (default all).
   */
  void history(RoutingContext ctx) {
    Optional<RunStore> s = Replies.run(ctx, runs);
    String metrics = ctx.queryParams().get("metrics");
    if (s.isEmpty()) {
      return;
    }
    Set<String> names = metrics == null ? null : Set.copyOf(Arrays.asList(metrics.split(",", -1)));
    if (names != null && !names.stream().allMatch(m -> Replies.ID.matcher(m).matches())) {
      error(ctx, 400, "metrics must be metric names separated by commas", "metrics");
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              // from memory for a run this server keeps, else read from its log
              RunHistory history = s.get().history(names == null ? m -> true : names::contains);
              return history.toJson(s.get().runId());
            },
            false)
        .onSuccess(
            body ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Buffer.buffer(body)))
        .onFailure(ctx::fail);
  }

  void checkpoints(RoutingContext ctx) {
    Replies.run(ctx, runs)
        .ifPresent(
            s -> {
              // a live run's trainer has them; a finished one's may still be on this disk
              Future<List<CheckpointMeta>> list =
                  runs.live(s.runId())
                      ? trainer.checkpoints(s.runId())
                      : vertx.executeBlocking(
                          () -> new CheckpointStore(s.dir().resolve("checkpoints")).list(), false);
              list.onSuccess(l -> json(ctx, 200, Map.of("checkpoints", l)))
                  .onFailure(
                      err ->
                          error(
                              ctx,
                              503,
                              "the trainer did not list its checkpoints: "
                                  + TrainerLink.reason(err),
                              null));
            });
  }

  /** The model's modules, asked of the trainer: only a live run has a model in memory. */
  void model(RoutingContext ctx) {
    Replies.run(ctx, runs)
        .ifPresent(
            s -> {
              if (!runs.live(s.runId())) {
                error(ctx, 409, "the run is not live: its model lives with its trainer", null);
                return;
              }
              trainer
                  .model(s.runId())
                  .onSuccess(m -> json(ctx, 200, m))
                  .onFailure(
                      err ->
                          error(
                              ctx,
                              503,
                              "the trainer did not describe its model: " + TrainerLink.reason(err),
                              null));
            });
  }

  void decisions(RoutingContext ctx) {
    Replies.run(ctx, runs)
        .ifPresent(
            s ->
                vertx
                    .executeBlocking(
                        () -> {
                          Path f = s.dir().resolve("agent.jsonl");
                          List<Object> out = new ArrayList<>();
                          if (Files.exists(f)) {
                            for (String line : Files.readAllLines(f)) {
                              if (!line.isBlank()) {
                                out.add(Json.mapper().readValue(line, Object.class));
                              }
                            }
                          }
                          return out;
                        },
                        false)
                    .onSuccess(list -> json(ctx, 200, Map.of("decisions", list)))
                    .onFailure(ctx::fail));
  }

  /**
   * The run's morning report, made now: one self-contained HTML page (see {@link ReportFiles}). Its
   * commands name this server as the client reached it.
   */
  void report(RoutingContext ctx) {
    Optional<RunStore> s = Replies.run(ctx, runs);
    String metric = ctx.queryParams().get("metric");
    if (s.isEmpty()) {
      return;
    }
    if (metric != null && !Replies.ID.matcher(metric).matches()) {
      error(ctx, 400, "metric must be the name of an evaluation metric", "metric");
      return;
    }
    String host = ctx.request().getHeader(HttpHeaders.HOST);
    String base =
        host != null && HOST.matcher(host).matches() ? ctx.request().scheme() + "://" + host : null;
    boolean live = runs.live(s.get().runId());
    vertx
        .executeBlocking(() -> ReportFiles.html(RunReport.of(s.get(), live, metric, base)), false)
        .onSuccess(
            html ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
                    .putHeader("Content-Security-Policy", REPORT_CSP)
                    .end(html))
        .onFailure(
            err -> {
              if (err instanceof IllegalArgumentException) {
                error(ctx, 400, err.getMessage(), "metric");
              } else {
                ctx.fail(err);
              }
            });
  }
}
