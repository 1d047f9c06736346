package dev.coxswain.trainer.bench;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.coxswain.protocol.EventType;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.events.EventSink;
import dev.coxswain.trainer.events.JsonlEventSink;
import dev.coxswain.trainer.events.SequencingSink;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Measures what the control point costs: the same model on the same batches, trained by a plain DJL
 * loop ({@code Trainer} + built-in Adam, nothing else) and by {@link InteractiveTrainer} (control
 * point, AdamW with global-norm clipping, metrics, health checks, events appended to a JSONL file).
 * The two are interleaved (A B A B) so drift on a shared machine hits both.
 */
public final class ThroughputBenchmark {

  /** What to measure. */
  public record Options(
      CharGptWorkload workload,
      int steps,
      int warmup,
      int rounds,
      double lr,
      int updateRatioEvery,
      Path scratch) {}

  /**
   * What was measured. Times are medians over all measured steps; the ratio is the median of the
   * per-round ratios (each round runs both loops back to back), with their range.
   */
  public record Result(
      double plainMsPerStep,
      double coxswainMsPerStep,
      double plainTokensPerSecond,
      double coxswainTokensPerSecond,
      double ratio,
      double ratioMin,
      double ratioMax,
      double controlPointShare,
      long peakRssBytes,
      long jvmStartToFirstStepMs,
      long parameters,
      long tokensPerStep) {}

  private ThroughputBenchmark() {}

  public static Result run(Options o, IntConsumer progress) throws IOException {
    List<Double> plain = new ArrayList<>();
    List<Double> cox = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    long cpNanos = 0;
    long loopNanos = 0;
    long firstStep = 0;
    long params = 0;
    long tokens = (long) o.workload().batchSize() * o.workload().context();
    for (int round = 0; round < o.rounds(); round++) {
      Workload w = o.workload().build(1);
      Path dir = Files.createTempDirectory(o.scratch(), "bench-");
      List<Long> stamps = new ArrayList<>();
      TrainerConfig cfg =
          TrainerConfig.builder()
              .optMaxSteps(o.warmup() + o.steps())
              .optLr(o.lr())
              .optEvalEvery(0)
              .optCheckpointEvery(0)
              .optCheckpointAtEnd(false)
              .optUpdateRatioEvery(o.updateRatioEvery())
              .build();
      EventSink timing =
          e -> {
            if (e.type() == EventType.METRICS) {
              stamps.add(System.nanoTime());
            }
          };
      try (JsonlEventSink file = new JsonlEventSink(dir.resolve("events.jsonl"));
          InteractiveTrainer t =
              InteractiveTrainer.builder(w, cfg)
                  .optRunDir(dir)
                  .optSink(new SequencingSink(EventSink.fanout(file, timing), 0))
                  .build()) {
        t.run();
        if (round == 0) {
          firstStep = t.firstStepDoneMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        }
        params = t.parameterCount();
        cpNanos += t.controlPointNanos();
      }
      List<Double> coxRound = new ArrayList<>();
      for (int i = o.warmup() + 1; i < stamps.size(); i++) {
        coxRound.add((stamps.get(i) - stamps.get(i - 1)) / 1e6);
      }
      loopNanos += stamps.get(stamps.size() - 1) - stamps.get(0);
      progress.accept(2 * round + 1);
      List<Double> plainRound = plainLoop(o.workload().build(1), o);
      progress.accept(2 * round + 2);
      ratios.add(median(plainRound) / median(coxRound));
      cox.addAll(coxRound);
      plain.addAll(plainRound);
    }
    double p = median(plain);
    double c = median(cox);
    return new Result(
        p,
        c,
        tokens / (p / 1000),
        tokens / (c / 1000),
        median(ratios),
        ratios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
        ratios.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN),
        loopNanos == 0 ? 0 : (double) cpNanos / loopNanos,
        peakRss(),
        firstStep,
        params,
        tokens);
  }

  /** The baseline: DJL's own Trainer, its fused Adam, no clipping, no metrics, no control point. */
  private static List<Double> plainLoop(Workload w, Options o) {
    List<Double> times = new ArrayList<>();
    Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) o.lr())).build();
    try (Model model = Model.newInstance("plain")) {
      model.setBlock(w.block());
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(w.loss()).optOptimizer(adam))) {
        trainer.initialize(w.inputShapes());
        long last = System.nanoTime();
        for (int s = 1; s <= o.warmup() + o.steps(); s++) {
          // no NDScope here: DJL's Adam creates its state lazily inside the first step
          try (NDManager m = trainer.getManager().newSubManager()) {
            Batch b = w.data().trainBatch(m, s);
            try (GradientCollector gc = trainer.newGradientCollector()) {
              NDList pred = trainer.forward(b.data());
              NDArray loss = trainer.getLoss().evaluate(b.labels(), pred);
              gc.backward(loss);
              loss.getFloat(); // the plain loop reads its loss too
            }
            trainer.step();
          }
          long now = System.nanoTime();
          if (s > o.warmup()) {
            times.add((now - last) / 1e6);
          }
          last = now;
        }
      }
    }
    return times;
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length == 0 ? Double.NaN : a[a.length / 2];
  }

  /** Peak resident set size of this process (VmHWM), or -1 where /proc is not there. */
  public static long peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
