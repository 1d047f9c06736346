package dev.coxswain.trainer.bench;

import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.events.JsonlEventSink;
import dev.coxswain.trainer.events.SequencingSink;
import dev.coxswain.trainer.events.WriterSink;
import dev.coxswain.trainer.metric.StepProfile;
import dev.coxswain.trainer.metric.StepProfile.Phase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What Coxswain costs: the same model on the same batches trained by several arms (a plain DJL
 * loop, the same loop clipping by the global norm, {@link InteractiveTrainer} writing its event log
 * as {@code train} does, and whatever arms the caller adds, such as the trainer hosted by the
 * server). The arms run side by side in one process and take turns every {@code turn} steps, so the
 * load of a shared machine falls on all of them alike; a round is one turn of every arm. An arm's
 * figure is the median of its counted steps (wall time, boundary to boundary; each turn's first
 * step, which holds the hand-over, is not counted); a ratio is the median over rounds of the
 * per-round ratio, with its quartiles and range.
 */
public final class ThroughputBenchmark {
  /** Name of the arm that runs {@link InteractiveTrainer}. */
  public static final String COXSWAIN = "coxswain";

  /** One way of training the benchmark's steps. */
  public interface Arm {
    String name();

    /**
     * Trains {@code o.warmup() + o.steps()} steps of {@code w} (a fresh model) and returns their
     * profile; threads of its own that work for each step (an event writer) it names to {@code
     * cpu}.
     */
    StepProfile train(Workload w, Options o, CpuTime cpu) throws Exception;
  }

  /**
   * What to measure.
   *
   * @param steps measured steps per arm (a multiple of {@code turn})
   * @param warmup unmeasured steps per arm first (a multiple of {@code turn})
   * @param turn steps an arm trains before the next one takes over
   * @param readEvery the Coxswain arms' {@code read_every}: steps whose figures are read together
   */
  public record Options(
      BenchModel model,
      int steps,
      int warmup,
      int turn,
      double lr,
      int updateRatioEvery,
      int readEvery,
      Path scratch) {

    /** Reading each step's figures back at once (the default {@code read_every} of 1). */
    public Options(
        BenchModel model,
        int steps,
        int warmup,
        int turn,
        double lr,
        int updateRatioEvery,
        Path scratch) {
      this(model, steps, warmup, turn, lr, updateRatioEvery, 1, scratch);
    }
  }

  /**
   * One arm's figures: median ms per counted step, the median and mean ms per step of each phase
   * (on a loaded machine the means carry the outliers; medians need not add up), and the CPU ms per
   * step of its own threads ({@link CpuTime}: the training thread, Coxswain's event writer).
   */
  public record ArmFigures(
      String name,
      double medianMs,
      double p10Ms,
      Map<Phase, Double> phaseMs,
      Map<Phase, Double> phaseMeanMs,
      Map<String, Double> cpuMs) {
    public double tokensPerSecond(long tokensPerStep) {
      return tokensPerStep / (medianMs / 1000);
    }
  }

  /**
   * Throughput of one arm relative to another: per round, the other's median step over this one's
   * (1 = as fast); the median over rounds, quartiles and range, and the ratios of the overall
   * medians and of the 10th percentiles (the least disturbed steps: a loaded machine only ever adds
   * time, so these vary least).
   */
  public record Ratio(
      String arm,
      String reference,
      double median,
      double q1,
      double q3,
      double min,
      double max,
      double ofMedians,
      double ofP10) {}

  /** What was measured. */
  public record Result(
      List<ArmFigures> arms,
      Map<String, double[]> roundMedians,
      double controlPointShare,
      long peakRssBytes,
      long parameters,
      long tokensPerStep) {

    public int rounds() {
      return roundMedians.values().iterator().next().length;
    }

    public ArmFigures arm(String name) {
      return arms.stream()
          .filter(a -> a.name().equals(name))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no arm " + name));
    }

    /** Throughput of {@code arm} relative to {@code reference}. */
    public Ratio ratio(String arm, String reference) {
      double[] x = roundRatios(arm, reference);
      double[] sorted = x.clone();
      Arrays.sort(sorted);
      return new Ratio(
          arm,
          reference,
          median(x),
          sorted[(sorted.length - 1) / 4],
          sorted[(3 * (sorted.length - 1)) / 4],
          sorted[0],
          sorted[sorted.length - 1],
          arm(reference).medianMs() / arm(arm).medianMs(),
          arm(reference).p10Ms() / arm(arm).p10Ms());
    }

    /** The per-round ratios of {@link #ratio}, in round order. */
    public double[] roundRatios(String arm, String reference) {
      double[] a = roundMedians.get(arm);
      double[] r = roundMedians.get(reference);
      double[] x = new double[a.length];
      for (int i = 0; i < a.length; i++) {
        x[i] = r[i] / a[i];
      }
      return x;
    }
  }

  private ThroughputBenchmark() {}

  /** The bare DJL loop, the clipping loop and Coxswain. */
  public static List<Arm> standardArms() {
    return List.of(PlainLoop.bare(), PlainLoop.clipping(1.0), new CoxswainArm());
  }

  /**
   * Runs every arm, side by side, taking turns.
   *
   * @param progress told a line when an arm has finished
   */
  public static Result run(Options o, List<Arm> arms, Consumer<String> progress) throws Exception {
    if (o.steps() % o.turn() != 0 || o.warmup() % o.turn() != 0 || o.steps() == 0) {
      throw new IllegalArgumentException("steps and warm-up must be multiples of the turn");
    }
    int n = arms.size();
    Turns turns = new Turns(n, o.turn());
    StepProfile[] profiles = new StepProfile[n];
    CpuTime[] cpu = new CpuTime[n];
    Throwable[] failures = new Throwable[n];
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int a = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  Workload base = o.model().build(1);
                  cpu[a] = new CpuTime();
                  profiles[a] = arms.get(a).train(gated(base, turns, a, o, cpu[a]), o, cpu[a]);
                  progress.accept("  " + arms.get(a).name() + " done");
                } catch (Throwable e) {
                  failures[a] = e;
                } finally {
                  turns.leave(a);
                }
              },
              "bench-" + a);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    for (int i = 0; i < n; i++) {
      if (failures[i] != null) {
        throw new IllegalStateException(
            "arm " + arms.get(i).name() + " failed: " + failures[i], failures[i]);
      }
    }
    return summarize(o, arms, profiles, cpu);
  }

  private static Workload gated(Workload base, Turns turns, int arm, Options o, CpuTime cpu) {
    return Workload.builder()
        .optName(base.name())
        .optKind(base.kind())
        .setBlock(base.block())
        .setInputShape(base.inputShapes())
        .setLoss(base.loss())
        .setData(CpuTime.counting(turns.gate(base.data(), arm), o, cpu))
        .optDescription(base.description())
        .build();
  }

  private static Result summarize(
      Options o, List<Arm> arms, StepProfile[] profiles, CpuTime[] cpu) {
    int rounds = o.steps() / o.turn();
    List<ArmFigures> figures = new ArrayList<>();
    Map<String, double[]> byRound = new LinkedHashMap<>();
    double share = 0;
    for (int a = 0; a < arms.size(); a++) {
      double[] wall = profiles[a].wallMs();
      double[] perRound = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        int from = o.warmup() + r * o.turn();
        perRound[r] = median(Arrays.copyOfRange(wall, from + 1, from + o.turn()));
      }
      Map<Phase, Double> medians = new EnumMap<>(Phase.class);
      Map<Phase, Double> means = new EnumMap<>(Phase.class);
      for (Phase p : Phase.values()) {
        medians.put(p, median(counted(profiles[a].ms(p), o)));
        means.put(p, mean(counted(profiles[a].ms(p), o)));
      }
      double[] steps = counted(wall, o);
      Arrays.sort(steps);
      figures.add(
          new ArmFigures(
              arms.get(a).name(),
              median(steps),
              steps[steps.length / 10],
              medians,
              means,
              cpu[a].msPerStep()));
      byRound.put(arms.get(a).name(), perRound);
      if (arms.get(a) instanceof CoxswainArm) {
        share = means.get(Phase.CONTROL) / mean(counted(wall, o));
      }
    }
    long tokens = o.model().unitsPerStep();
    long params =
        arms.stream()
            .filter(CoxswainArm.class::isInstance)
            .mapToLong(c -> ((CoxswainArm) c).parameters)
            .findFirst()
            .orElse(0);
    return new Result(figures, byRound, share, peakRss(), params, tokens);
  }

  // the measured steps, less each turn's first
  private static double[] counted(double[] xs, Options o) {
    double[] out = new double[o.steps() - o.steps() / o.turn()];
    int k = 0;
    for (int i = o.warmup(); i < o.warmup() + o.steps(); i++) {
      if (i % o.turn() != 0) {
        out[k++] = xs[i];
      }
    }
    return out;
  }

  private static double mean(double[] xs) {
    return Arrays.stream(xs).average().orElse(Double.NaN);
  }

  /** Coxswain as {@code train} runs it: numbered events appended to a JSONL file by a writer. */
  static final class CoxswainArm implements Arm {
    private volatile long parameters;

    @Override
    public String name() {
      return COXSWAIN;
    }

    @Override
    public StepProfile train(Workload w, Options o, CpuTime cpu) throws IOException {
      Path dir = Files.createTempDirectory(o.scratch(), "bench-");
      try (JsonlEventSink file = new JsonlEventSink(dir.resolve("events.jsonl"));
          WriterSink events = new WriterSink(new SequencingSink(file, 0));
          InteractiveTrainer t =
              InteractiveTrainer.builder(w, config(o, "bench"))
                  .optRunDir(dir)
                  .optSink(events)
                  .build()) {
        long writer = events.writerThreadId();
        cpu.track("event writer", () -> CpuTime.threadNanos(writer));
        t.run();
        parameters = t.parameterCount();
        return t.stepProfile();
      }
    }
  }

  /** The trainer configuration every Coxswain arm runs with: no evaluation, no checkpoints. */
  public static TrainerConfig config(Options o, String runId) {
    return TrainerConfig.builder()
        .optRunId(runId)
        .optMaxSteps(o.warmup() + o.steps())
        .optLr(o.lr())
        .optEvalEvery(0)
        .optCheckpointEvery(0)
        .optCheckpointAtEnd(false)
        .optUpdateRatioEvery(o.updateRatioEvery())
        .optReadEvery(o.readEvery())
        .build();
  }

  /** The median of {@code xs} (the upper one of an even count). */
  public static double median(double[] xs) {
    double[] a = xs.clone();
    Arrays.sort(a);
    return a.length == 0 ? Double.NaN : a[a.length / 2];
  }

  /** The load average of the machine (1, 5, 15 minutes), or "unknown" where /proc is not there. */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
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
