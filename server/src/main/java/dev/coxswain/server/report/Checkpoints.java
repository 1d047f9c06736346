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

  /** The kept checkpoint whose evaluation is best, or null when none was evaluated. */
  Best best(List<Event> points, String metric, boolean higher, Path dir) {
    Map<String, Event> evals = new HashMap<>();
    for (Event e : points) {
      if (e.type() == EventType.EVAL) {
        evals.put(e.branch() + "/" + e.step(), e);
      }
    }
    Kept best = null;
    Event bestEval = null;
    double bestValue = Double.NaN;
    for (Kept k : kept.values()) {
      Event ev = evals.get(k.branch() + "/" + k.step());
      double v = ev == null ? Double.NaN : value(ev, metric);
      if (better(v, bestValue, higher)) {
        best = k;
        bestEval = ev;
        bestValue = v;
      }
    }
    if (best == null) {
      return null;
    }
    boolean onDisk =
        Files.exists(
            dir.resolve("checkpoints")
                .resolve(best.branch())
                .resolve(Long.toString(best.step()))
                .resolve("meta.json"));
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
