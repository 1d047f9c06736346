package dev.coxswain.server.report;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.server.report.RunReport.Best;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checkpoints a run still keeps (saved, not pruned since), and which of them evaluated best: a
 * checkpoint's score is the evaluation at its own branch and step (the trainer evaluates at the
 * end, and wherever {@code eval_every} meets {@code checkpoint_every}).
 */
final class Checkpoints {
  private record Kept(String id, String branch, long step) {}

  private final Map<String, Kept> kept = new LinkedHashMap<>();
  private Kept latest;

  /** A {@code checkpoint} event: one more kept, and those it pruned gone. */
  void saved(Event e, Map<String, Object> p) {
    String id = ReportBuilder.text(p.get("id"));
    latest = new Kept(id, e.branch(), e.step());
    kept.put(id, latest);
    if (p.get("pruned") instanceof List<?> pruned) {
      pruned.forEach(x -> kept.remove(String.valueOf(x)));
    }
  }

  /** The value of {@code metric} in an evaluation's payload, or NaN. */
  static double value(Event eval, String metric) {
    Object v =
        "eval_loss".equals(metric)
            ? eval.payload().get("eval_loss")
            : ReportBuilder.map(eval.payload().get("metrics")).get(metric);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static boolean better(double a, double b, boolean higher) {
    return Double.isFinite(a) && (!Double.isFinite(b) || (higher ? a > b : a < b));
  }

  /**
   * The kept checkpoint whose evaluation is best, or null when none was evaluated. One that is on
   * disk but does not verify (a file missing or corrupt) is passed over, and {@code damage} told
   * why: the report never sends a person to a checkpoint that cannot be loaded.
   */
  Best best(
      List<Event> points,
      String metric,
      boolean higher,
      Path dir,
      java.util.function.Consumer<String> damage) {
    Map<String, Event> evals = new HashMap<>();
    for (Event e : points) {
      if (e.type() == EventType.EVAL) {
        evals.put(e.branch() + "/" + e.step(), e);
      }
    }
    java.util.Set<String> broken = new java.util.HashSet<>();
    while (true) {
      Kept best = null;
      Event bestEval = null;
      double bestValue = Double.NaN;
      for (Kept k : kept.values()) {
        Event ev = evals.get(k.branch() + "/" + k.step());
        double v = ev == null ? Double.NaN : value(ev, metric);
        if (!broken.contains(k.id()) && better(v, bestValue, higher)) {
          best = k;
          bestEval = ev;
          bestValue = v;
        }
      }
      if (best == null) {
        return null;
      }
      Path meta =
          dir.resolve("checkpoints")
              .resolve(best.branch())
              .resolve(Long.toString(best.step()))
              .resolve("meta.json");
      boolean onDisk = Files.exists(meta);
      java.util.Optional<String> problem =
          onDisk ? problem(dir, best.id()) : java.util.Optional.empty();
      if (problem.isPresent()) {
        broken.add(best.id());
        damage.accept(
            "checkpoint " + best.id() + " does not verify (" + problem.get() + "): not named best");
        continue;
      }
      return best(best, bestEval, bestValue, metric, higher, onDisk);
    }
  }

  private static java.util.Optional<String> problem(Path dir, String id) {
    var store = new dev.coxswain.trainer.checkpoint.CheckpointStore(dir.resolve("checkpoints"));
    try {
      var meta = store.resolve(id);
      return meta.isEmpty()
          ? java.util.Optional.of("its metadata cannot be read")
          : store.verify(meta.get());
    } catch (java.io.IOException e) {
      return java.util.Optional.of(e.getMessage());
    }
  }

  private Best best(
      Kept best, Event bestEval, double bestValue, String metric, boolean higher, boolean onDisk) {
    return new Best(
        best.id(),
        best.branch(),
        best.step(),
        metric,
        bestValue,
        higher,
        value(bestEval, "eval_loss"),
        onDisk,
        best.equals(latest));
  }

  /** The best evaluation anywhere in the run (with or without a checkpoint), or null. */
  static Best bestEval(List<Event> points, String metric, boolean higher) {
    Event best = null;
    double bestValue = Double.NaN;
    for (Event e : points) {
      double v = e.type() == EventType.EVAL ? value(e, metric) : Double.NaN;
      if (better(v, bestValue, higher)) {
        best = e;
        bestValue = v;
      }
    }
    return best == null
        ? null
        : new Best(
            null,
            best.branch(),
            best.step(),
            metric,
            bestValue,
            higher,
            value(best, "eval_loss"),
            false,
            false);
  }
}
