package dev.coxswain.server.cli;

import dev.coxswain.run.RunConfig;
import dev.coxswain.server.bench.HostedArm;
import dev.coxswain.trainer.bench.BenchModel;
import dev.coxswain.trainer.bench.CpuTime;
import dev.coxswain.trainer.bench.ImageMlp;
import dev.coxswain.trainer.bench.PlainLoop;
import dev.coxswain.trainer.bench.ThroughputBenchmark;
import dev.coxswain.trainer.bench.ThroughputBenchmark.ArmFigures;
import dev.coxswain.trainer.bench.ThroughputBenchmark.Ratio;
import dev.coxswain.trainer.metric.StepProfile.Phase;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code coxswain bench}: what Coxswain costs per step, on the default workload and on a model
 * whose steps take about a millisecond, in wall time and in CPU time of its own threads.
 */
@Command(
    name = "bench",
    header = "the control-point overhead benchmark",
    mixinStandardHelpOptions = true,
    description =
        "Step time of Coxswain (standalone and hosted by the server) against a plain DJL loop that clips by the global norm and against the bare DJL Trainer, side by side in turns, for the default model and a 2-layer MLP with ~1 ms steps; where the time goes; CPU time per step of each arm's own threads; peak RSS.")
public final class BenchCommand implements Callable<Integer> {
  static final String CLIP = PlainLoop.CLIPPING;
  static final String BARE = PlainLoop.BARE;

  @Option(names = "--steps", description = "measured steps per arm (default ${DEFAULT-VALUE})")
  int steps = 300;

  @Option(
      names = "--rounds",
      description = "rounds: the arms take turns of steps/rounds steps (default ${DEFAULT-VALUE})")
  int rounds = 30;

  @Option(
      names = "--warmup",
      description =
          "unmeasured steps per arm, rounded up to a whole turn (default ${DEFAULT-VALUE})")
  int warmup = 20;

  // a plain flag: picocli's negatable --hosted with a default of true still took --no-hosted as
  // true (the hosted arm ran anyway)
  @Option(
      names = "--no-hosted",
      description = "leave out the trainer hosted by the server (measured by default)")
  boolean noHosted;

  @Option(
      names = "--update-ratio-every",
      description = "measure the update/parameter ratio every N steps (default ${DEFAULT-VALUE})")
  int updateRatioEvery = 10;

  @Option(
      names = "--read-every",
      description =
          "the trainer reads its steps' figures back every N steps (read_every; default"
              + " ${DEFAULT-VALUE})")
  int readEvery = 1;

  @Mixin WorkloadOptions data;

  @Option(
      names = "--models",
      split = ",",
      description =
          "what to measure: default (the character-level GPT of --config), mlp (a 2-layer MLP on"
              + " Fashion-MNIST-shaped batches, about 1 ms a step); default ${DEFAULT-VALUE}")
  List<String> models = List.of("default", "mlp");

  @Option(
      names = "--mlp-steps",
      description = "measured steps per arm of the MLP (default ${DEFAULT-VALUE})")
  int mlpSteps = 3000;

  @Override
  public Integer call() throws Exception {
    if (readEvery < 1) {
      System.err.println("error: --read-every must be >= 1, got " + readEvery);
      return 2;
    }
    if (rounds < 1 || warmup < 0 || !fits(steps) || !fits(mlpSteps)) {
      System.err.println(
          "error: need --rounds >= 1, --warmup >= 0, and --steps and --mlp-steps multiples of"
              + " --rounds, >= 3 steps a turn");
      return 2;
    }
    for (String m : models) {
      if (!m.equals("default") && !m.equals("mlp")) {
        System.err.println("error: --models takes default and mlp, got '" + m + "'");
        return 2;
      }
    }
    CharGptWorkload wl;
    try {
      wl = data.workload(data.runConfig());
    } catch (RunConfig.ConfigException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    for (String m : models) {
      boolean mlp = m.equals("mlp");
      measure(mlp ? ImageMlp.standard() : BenchModel.of(wl), mlp ? mlpSteps : steps);
    }
    return 0;
  }

  private boolean fits(int n) {
    return n % rounds == 0 && n / rounds >= 3;
  }

  private void measure(BenchModel model, int measured) throws Exception {
    int turn = measured / rounds;
    ThroughputBenchmark.Options o =
        new ThroughputBenchmark.Options(
            model,
            measured,
            (warmup + turn - 1) / turn * turn,
            turn,
            1e-3,
            updateRatioEvery,
            readEvery,
            Files.createTempDirectory("coxswain-bench"));
    List<ThroughputBenchmark.Arm> arms = new ArrayList<>(ThroughputBenchmark.standardArms());
    if (!noHosted) {
      arms.add(new HostedArm());
    }
    PrintStream out = System.out;
    out.printf(
        Locale.ROOT,
        "%nbenchmark: %s; %d arms side by side in turns of %d steps: %d rounds, %d measured steps"
            + " per arm (%d counted: each turn's first holds the hand-over) after %d warm-up%n",
        model.describe(),
        arms.size(),
        turn,
        rounds,
        measured,
        measured - rounds,
        o.warmup());
    out.println("load average before   " + ThroughputBenchmark.loadAverage());
    ThroughputBenchmark.Result r = ThroughputBenchmark.run(o, arms, System.err::println);
    print(out, r);
    printCpu(out, r);
  }

  /** CPU time per step of each arm's own threads, and what of it is Coxswain's own. */
  static void printCpu(PrintStream out, ThroughputBenchmark.Result r) {
    out.println(
        "CPU ms per measured step (ThreadMXBean: the arm's own threads; libtorch's workers not"
            + " counted)");
    for (ArmFigures a : r.arms()) {
      out.printf(
          Locale.ROOT,
          "  %-21s %s%n",
          a.name(),
          a.cpuMs().entrySet().stream()
              .map(e -> String.format(Locale.ROOT, "%s %.4f", e.getKey(), e.getValue()))
              .collect(Collectors.joining(", ")));
    }
    Map<String, Double> cox = r.arm(ThroughputBenchmark.COXSWAIN).cpuMs();
    double own = cox.get(CpuTime.TRAINING) - r.arm(CLIP).cpuMs().get(CpuTime.TRAINING);
    double writer = cox.getOrDefault("event writer", 0.0);
    out.printf(
        Locale.ROOT,
        "coxswain's own CPU per step: training thread %.4f ms more than plain + clipping's,"
            + " event writer %.4f ms: %.4f ms (%.1f%% of coxswain's median step)%n",
        own,
        writer,
        own + writer,
        100 * (own + writer) / r.arm(ThroughputBenchmark.COXSWAIN).medianMs());
  }

  static void print(PrintStream out, ThroughputBenchmark.Result r) {
    out.println("load average after    " + ThroughputBenchmark.loadAverage());
    out.printf(Locale.ROOT, "parameters            %,d%n", r.parameters());
    out.printf(Locale.ROOT, "tokens|examples/step %,d%n", r.tokensPerStep());
    out.println("arm                   ms/step: median   p10   steps/s    units/s");
    for (ArmFigures a : r.arms()) {
      out.printf(
          Locale.ROOT,
          "%-21s %15.2f %7.2f %7.2f  %,9.0f%n",
          a.name(),
          a.medianMs(),
          a.p10Ms(),
          1000 / a.medianMs(),
          a.tokensPerSecond(r.tokensPerStep()));
    }
    ratio(out, r, ThroughputBenchmark.COXSWAIN, CLIP);
    ratio(out, r, ThroughputBenchmark.COXSWAIN, BARE);
    ratio(out, r, CLIP, BARE);
    if (r.roundMedians().containsKey(HostedArm.NAME)) {
      ratio(out, r, HostedArm.NAME, CLIP);
      ratio(out, r, HostedArm.NAME, ThroughputBenchmark.COXSWAIN);
    }
    out.println("where the time goes, ms per counted step: median (mean)");
    out.printf(Locale.ROOT, "  %-41s", "phase");
    r.arms().forEach(a -> out.printf(Locale.ROOT, " %18s", a.name()));
    out.println();
    for (Phase p : Phase.values()) {
      out.printf(Locale.ROOT, "  %-41s", p.description());
      r.arms()
          .forEach(
              a ->
                  out.printf(
                      Locale.ROOT,
                      " %18s",
                      String.format(
                          Locale.ROOT, "%.3f (%.3f)", a.phaseMs().get(p), a.phaseMeanMs().get(p))));
      out.println();
    }
    out.printf(
        Locale.ROOT,
        "control point share   %.3f%% of coxswain loop time (target <= 1%%)%n",
        100 * r.controlPointShare());
    out.printf(Locale.ROOT, "peak RSS              %,d MiB%n", r.peakRssBytes() >> 20);
  }

  private static void ratio(PrintStream out, ThroughputBenchmark.Result r, String arm, String ref) {
    Ratio x = r.ratio(arm, ref);
    String rounds =
        Arrays.stream(r.roundRatios(arm, ref))
            .mapToObj(v -> String.format(Locale.ROOT, "%.3f", v))
            .collect(Collectors.joining(" "));
    out.printf(
        Locale.ROOT,
        "throughput %s / %s: %.3f median of %d rounds (quartiles %.3f-%.3f, range %.3f-%.3f);"
            + " ratio of the medians %.3f, of the p10s %.3f%n    rounds: %s%n",
        arm,
        ref,
        x.median(),
        r.rounds(),
        x.q1(),
        x.q3(),
        x.min(),
        x.max(),
        x.ofMedians(),
        x.ofP10(),
        rounds);
  }
}
