package dev.coxswain.server.console;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.RunStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A night's run written through the server's own {@link RunStore}, so its log has today's exact
 * format: a metrics event every step (the trainer's keys), an evaluation every 100 steps, a
 * checkpoint every 5,000, an intervention every 1,000 (an agent's with its decision), a note every
 * 10,000, and a fork at 70 % from a checkpoint to a second branch that trains to the last step. The
 * run is still running at its end, so events appended later are live updates.
 */
final class NightLog {
  static final String RUN = "night";
  // written last: a half-written log is not reused; named for the format, so that a log an older
  // NightLog wrote (decisions without reasoning_tokens) is written again rather than reused
  private static final String DONE = "complete-2";

  private final RunStore s;
  private final Instant start = Instant.parse("2026-12-01T22:00:00Z");
  private double lr = 1e-3;
  private String branch = "main";

  private NightLog(RunStore s) {
    this.s = s;
  }

  /**
   * The run directory for {@code steps} steps under {@code cache}: reused when an earlier call
   * completed it, written otherwise. Main trains to 80 % of the steps; the fork resumes from main's
   * checkpoint at 70 % and trains to the last step.
   */
  static Path write(Path cache, int steps, Consumer<String> progress) throws IOException {
    Path dir = cache.resolve(RUN + "-" + steps);
    if (Files.exists(dir.resolve(DONE))) {
      progress.accept("reusing the run log in " + dir);
      return dir;
    }
    if (Files.exists(dir)) {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    progress.accept("writing a " + steps + "-step run log in " + dir + " ...");
    Map<String, Object> runJson = new LinkedHashMap<>();
    runJson.put("run_id", RUN);
    runJson.put("started", "2026-12-01T22:00:00Z");
    runJson.put("config", Map.of("max_steps", steps));
    runJson.put("agent", Map.of("mode", "rule"));
    try (RunStore s = RunStore.create(dir, runJson)) {
      new NightLog(s).night(steps, progress);
    }
    Files.writeString(dir.resolve(DONE), "");
    return dir;
  }

  private void night(int steps, Consumer<String> progress) {
    long forkAt = steps * 7L / 10 / 5000 * 5000; // a checkpoint of main's
    long mainTo = steps * 8L / 10;
    emit(0, EventType.STATUS, Map.of("status", "running"));
    emit(0, EventType.KNOBS, knobs());
    emit(0, EventType.EVAL, eval(0));
    for (long step = 1; step <= steps; step++) {
      if (step == mainTo + 1 && branch.equals("main")) {
        fork(step - 1, forkAt);
        step = forkAt + 1;
      }
      train(step);
      if (step % 50_000 == 0) {
        progress.accept("  ... step " + step + " on " + branch + ", " + s.lastSeq() + " events");
      }
    }
  }

  private void train(long step) {
    if (step % 1000 == 0) {
      intervene(step);
    }
    emit(step, EventType.METRICS, metrics(step));
    if (step % 100 == 0) {
      emit(step, EventType.EVAL, eval(step));
    }
    if (step % 5000 == 0) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("id", branch + "-" + step);
      p.put("periodic", true);
      p.put("pruned", List.of());
      p.put("tag", "periodic");
      emit(step, EventType.CHECKPOINT, p);
    }
    if (step % 10_000 == 0) {
      emit(step, EventType.NOTE, Map.of("text", "looked fine at " + step, "source", "human"));
    }
  }

  private void intervene(long step) {
    String source = List.of("human", "agent", "rule").get((int) (step / 1000) % 3);
    String id = "c-" + branch + "-" + step;
    double to = step % 2000 == 0 ? lr * 0.5 : lr * 2;
    if (source.equals("agent")) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("id", "d-" + step);
      d.put("step", step);
      d.put("command_id", id);
      d.put("decision", Map.of("action", "scale_knob", "rationale", "loss flat for 1000 steps"));
      // the payload's own record: the usage the typed reader requires, reasoning tokens included
      d.put("usage", Json.toMap(new Payload.Usage(900, 120, 0)));
      d.put("cost_usd", 0.0015);
      emit(step, EventType.AGENT_DECISION, d);
    }
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("type", "scale_knob");
    c.put("source", source);
    c.put("args", Map.of("knob", "lr", "factor", to / lr));
    c.put("reason", "benchmark intervention at " + step);
    emit(step, EventType.COMMAND, c);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("command_id", id);
    r.put("type", "scale_knob");
    r.put("status", "applied");
    r.put("step", step + 1);
    r.put("detail", Map.of("lr", Map.of("from", lr, "to", to)));
    emit(step, EventType.COMMAND_RESULT, r);
    lr = to;
  }

  private void fork(long at, long fromStep) {
    String id = "c-fork-" + at;
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("type", "fork");
    c.put("source", "human");
    c.put("args", Map.of("checkpoint", "main-" + fromStep));
    emit(at, EventType.COMMAND, c);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("branch", "b1");
    p.put("checkpoint", "main-" + fromStep);
    p.put("parent_branch", "main");
    p.put("left_at_step", at);
    p.put("resumes_at_step", fromStep + 1);
    branch = "b1";
    emit(fromStep, EventType.BRANCH, p);
    emit(
        fromStep,
        EventType.COMMAND_RESULT,
        Map.of(
            "command_id",
            id,
            "type",
            "fork",
            "status",
            "applied",
            "step",
            fromStep + 1,
            "detail",
            p));
  }

  /** One more step on the live branch: what a live update of the benchmark appends. */
  static Event liveMetrics(long step) {
    return new Event(0, RUN, "b1", step, EventType.METRICS, Instant.now(), metrics(step, 1e-3));
  }

  private Map<String, Object> metrics(long step) {
    return metrics(step, lr);
  }

  private static Map<String, Object> metrics(long step, double lr) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("loss", (double) (float) (1.5 + 3.0 / Math.sqrt(step) + 0.05 * Math.sin(step * 0.37)));
    m.put("lr", lr);
    m.put("grad_norm", 0.5 + 0.3 * Math.abs(Math.sin(step * 0.11)));
    m.put("clip_scale", 1.0);
    m.put("update_ratio", 0.004 + 0.001 * Math.cos(step * 0.07));
    m.put("tokens_per_s", 44000 + 500 * Math.sin(step * 0.05));
    m.put("step_ms", 46.0 + 3 * Math.sin(step * 0.3));
    m.put("skipped", false);
    return m;
  }

  private static Map<String, Object> eval(long step) {
    double loss = (float) (1.55 + 3.0 / Math.sqrt(step + 1));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eval_loss", loss);
    m.put("perplexity", Math.exp(loss));
    m.put("batches", 8);
    m.put("eval_ms", 120.5);
    return m;
  }

  private static Map<String, Object> knobs() {
    Map<String, Object> lr = new LinkedHashMap<>();
    lr.put("name", "lr");
    lr.put("type", "double");
    lr.put("value", 1e-3);
    lr.put("min", 0.0);
    lr.put("max", 10.0);
    lr.put("description", "learning rate of AdamW");
    return Map.of("knobs", Map.of("lr", 1e-3), "specs", List.of(lr), "locks", List.of());
  }

  private void emit(long step, EventType type, Map<String, Object> payload) {
    Instant t = start.plusMillis(step * 100); // a night at 10 steps/s
    s.append(new Event(0, RUN, branch, step, type, t, payload));
  }
}
