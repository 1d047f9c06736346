package dev.coxswain.report;

import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.RunState.CheckpointInfo;
import dev.coxswain.protocol.event.RunState.Stepped;
import dev.coxswain.report.RunReport.Best;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of the checkpoints a run still keeps (as {@link
 * dev.coxswain.protocol.event.RunState#checkpoints} folds them) evaluated best: a checkpoint's
 * score is the evaluation at its own branch and step (the trainer evaluates at the end, and
 * wherever {@code eval_every} meets {@code checkpoint_every}).
 */
final class Checkpoints {
  private final List<CheckpointInfo> kept;
  private final String latest;

  /**
   * @param kept the checkpoints kept, oldest first
   * @param latest the id of the run's last checkpoint saved, or null
   */
  Checkpoints(List<CheckpointInfo> kept, String latest) {
    this.kept = kept;
    this.latest = latest;
  }

  /** The value of {@code metric} in an evaluation, or NaN (also for a point that is none). */
  static double value(Stepped<Payload> point, String metric) {
    if (!(point.value() instanceof Payload.Eval eval)) {
      return Double.NaN;
    }
    Double v =
        "eval_loss".equals(metric)
            ? Double.valueOf(eval.evalLoss())
            : eval.metrics() == null ? null : eval.metrics().get(metric);
    return v == null ? Double.NaN : v;
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
      List<Stepped<Payload>> points,
      String metric,
      boolean higher,
      Path dir,
      java.util.function.Consumer<String> damage) {
    Map<String, Stepped<Payload>> evals = new HashMap<>();
    for (Stepped<Payload> e : points) {
      if (e.value() instanceof Payload.Eval) {
        evals.put(e.branch() + "/" + e.step(), e);
      }
    }
    java.util.Set<String> broken = new java.util.HashSet<>();
    while (true) {
      CheckpointInfo best = null;
      Stepped<Payload> bestEval = null;
      double bestValue = Double.NaN;
      for (CheckpointInfo k : kept) {
        Stepped<Payload> ev = evals.get(k.branch() + "/" + k.step());
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
      CheckpointInfo best,
      Stepped<Payload> bestEval,
      double bestValue,
      String metric,
      boolean higher,
      boolean onDisk) {
    return new Best(
        best.id(),
        best.branch(),
        best.step(),
        metric,
        bestValue,
        higher,
        value(bestEval, "eval_loss"),
        onDisk,
        best.id().equals(latest));
  }

  /** The best evaluation anywhere in the run (with or without a checkpoint), or null. */
  static Best bestEval(List<Stepped<Payload>> points, String metric, boolean higher) {
    Stepped<Payload> best = null;
    double bestValue = Double.NaN;
    for (Stepped<Payload> e : points) {
      double v = value(e, metric);
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
