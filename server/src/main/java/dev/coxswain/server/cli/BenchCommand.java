package dev.coxswain.server.cli;

import dev.coxswain.server.config.RunConfig;
import dev.coxswain.trainer.bench.ThroughputBenchmark;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coxswain bench}: what the control point costs, on the default workload. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Throughput with the control point vs a plain DJL loop on the same model and data; peak RSS; JVM start to first step.")
public final class BenchCommand implements Callable<Integer> {
  @Option(names = "--steps", description = "measured steps per round (default ${DEFAULT-VALUE})")
  int steps = 150;

  @Option(names = "--warmup", description = "unmeasured steps per round (default ${DEFAULT-VALUE})")
  int warmup = 10;

  @Option(names = "--rounds", description = "A-B rounds (default ${DEFAULT-VALUE})")
  int rounds = 3;

  @Option(
      names = "--update-ratio-every",
      description = "measure the update/parameter ratio every N steps (default ${DEFAULT-VALUE})")
  int updateRatioEvery = 10;

  @Mixin WorkloadOptions data;

  @Override
  public Integer call() throws IOException {
    if (steps < 10 || warmup < 1 || rounds < 1) {
      System.err.println("error: need --steps >= 10, --warmup >= 1, --rounds >= 1");
      return 2;
    }
    CharGptWorkload wl;
    try {
      wl = data.workload(data.runConfig());
    } catch (RunConfig.ConfigException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    Path scratch = Files.createTempDirectory("coxswain-bench");
    System.out.printf(
        Locale.ROOT,
        "benchmark: char-gpt %d layers, width %d, context %d, batch %d; %d rounds of %d steps (+%d warm-up) each way%n",
        wl.layers(),
        wl.embed(),
        wl.context(),
        wl.batchSize(),
        rounds,
        steps,
        warmup);
    ThroughputBenchmark.Result r;
    try {
      r =
          ThroughputBenchmark.run(
              new ThroughputBenchmark.Options(
                  wl, steps, warmup, rounds, 1e-3, updateRatioEvery, scratch),
              done -> System.err.printf("  %d/%d loops done%n", done, 2 * rounds));
    } catch (IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    System.out.printf(Locale.ROOT, "parameters            %,d%n", r.parameters());
    System.out.printf(Locale.ROOT, "tokens per step       %,d%n", r.tokensPerStep());
    System.out.printf(
        Locale.ROOT,
        "plain DJL loop        %.2f ms/step  %.2f steps/s  %,.0f tokens/s%n",
        r.plainMsPerStep(),
        1000 / r.plainMsPerStep(),
        r.plainTokensPerSecond());
    System.out.printf(
        Locale.ROOT,
        "coxswain trainer      %.2f ms/step  %.2f steps/s  %,.0f tokens/s%n",
        r.coxswainMsPerStep(),
        1000 / r.coxswainMsPerStep(),
        r.coxswainTokensPerSecond());
    System.out.printf(
        Locale.ROOT,
        "throughput ratio      %.3f coxswain/plain, median of %d rounds (range %.3f-%.3f)%n",
        r.ratio(),
        rounds,
        r.ratioMin(),
        r.ratioMax());
    System.out.printf(
        Locale.ROOT,
        "control point share   %.3f%% of coxswain loop time (target <= 1%%)%n",
        100 * r.controlPointShare());
    System.out.printf(Locale.ROOT, "peak RSS              %,d MiB%n", r.peakRssBytes() >> 20);
    System.out.printf(Locale.ROOT, "JVM start->1st step   %d ms%n", r.jvmStartToFirstStepMs());
    return 0;
  }
}
