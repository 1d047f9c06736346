package dev.coxswain.server.cli;

import dev.coxswain.agent.bench.AgentBenchmark;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.server.bench.ClusterBenchmark;
import dev.coxswain.server.bench.ServerBenchmark;
import dev.coxswain.trainer.bench.BenchModel;
import dev.coxswain.trainer.bench.PlainLoop;
import dev.coxswain.trainer.bench.ThroughputBenchmark;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code coxswain bench-all}: the whole-system figures of {@code bench}, {@code bench-server} and
 * {@code bench-agent}, measured one after the other and printed in one table.
 */
@Command(
    name = "bench-all",
    header = "every benchmark, key figures in one table",
    mixinStandardHelpOptions = true,
    description =
        "Run bench, bench-server (latency and fan-out) and bench-agent, and print their key figures in one table.")
public final class BenchAllCommand implements Callable<Integer> {
  @Option(
      names = "--steps",
      description = "measured throughput steps per arm (default ${DEFAULT-VALUE})")
  int steps = 200;

  @Option(
      names = "--rounds",
      description = "throughput rounds: turns of steps/rounds steps (default ${DEFAULT-VALUE})")
  int rounds = 20;

  @Option(names = "--commands", description = "commands to time (default ${DEFAULT-VALUE})")
  int commands = 100;

  @Option(names = "--clients", description = "WebSocket clients (default ${DEFAULT-VALUE})")
  int clients = 50;

  @Option(
      names = "--fanout-events",
      description = "events in the fan-out test (default ${DEFAULT-VALUE})")
  int fanoutEvents = 4000;

  @Mixin WorkloadOptions data;

  /** One line of the table. */
  record Row(String figure, String value, String target, String from) {}

  @Override
  public Integer call() throws Exception {
    if (rounds < 1
        || steps % rounds != 0
        || steps / rounds < 3
        || commands < 1
        || clients < 1
        || fanoutEvents < 1) {
      System.err.println(
          "error: need --steps a multiple of --rounds with >= 3 steps a turn, --commands >= 1, --clients >= 1, --fanout-events >= 1");
      return 2;
    }
    RunConfig file;
    try {
      file = data.runConfig();
    } catch (RunConfig.ConfigException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    CharGptWorkload wl = data.workload(file);
    Path scratch = Files.createTempDirectory("coxswain-bench-all");
    List<Row> rows = new ArrayList<>();
    throughput(wl, scratch, rows);
    server(file, scratch, rows);
    cluster(scratch, rows);
    agent(rows);
    System.out.println("| figure | value | target | from |");
    System.out.println("|---|---|---|---|");
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT, "| %s | %s | %s | %s |%n", r.figure(), r.value(), r.target(), r.from());
    }
    return 0;
  }

  /** {@code bench}: the control point's overhead against a plain DJL loop. */
  private void throughput(CharGptWorkload wl, Path scratch, List<Row> rows) throws Exception {
    System.err.println("1/4 bench: Coxswain vs a plain DJL loop that clips by the global norm ...");
    ThroughputBenchmark.Options to =
        new ThroughputBenchmark.Options(
            BenchModel.of(wl), steps, steps / rounds, steps / rounds, 1e-3, 10, scratch);
    ThroughputBenchmark.Result t =
        ThroughputBenchmark.run(to, ThroughputBenchmark.standardArms(), System.err::println);
    ThroughputBenchmark.Ratio ratio = t.ratio(ThroughputBenchmark.COXSWAIN, PlainLoop.CLIPPING);
    rows.add(
        new Row(
            "control-point overhead: throughput ratio coxswain / plain DJL loop with clipping",
            String.format(
                Locale.ROOT,
                "%.3f (median of %d rounds, range %.3f-%.3f)",
                ratio.median(),
                rounds,
                ratio.min(),
                ratio.max()),
            ">= 0.99",
            "bench"));
    rows.add(
        new Row(
            "control-point overhead: share of loop time",
            String.format(Locale.ROOT, "%.3f %%", 100 * t.controlPointShare()),
            "<= 1 %",
            "bench"));
  }

  /** {@code bench-server}: command latency and fan-out to WebSocket clients. */
  private void server(RunConfig file, Path scratch, List<Row> rows) throws Exception {
    System.err.println("2/4 bench-server: command latency and fan-out ...");
    RunSpec spec =
        RunSpec.resolve(
            file.withOverrides("latency", 1_000_000L, null, null, data.corpus),
            1_000_000,
            Map.of());
    ServerBenchmark.Latency l =
        ServerBenchmark.commandLatency(
            spec, scratch.resolve("runs/latency"), commands, System.err::println);
    rows.add(
        new Row(
            "command latency, POST to applied: p50 / p99",
            String.format(
                Locale.ROOT,
                "%.1f ms / %.1f ms (%.2f / %.2f steps of %.1f ms)",
                l.p50Ms(),
                l.p99Ms(),
                l.p50Ms() / l.medianStepMs(),
                l.p99Ms() / l.medianStepMs(),
                l.medianStepMs()),
            "",
            "bench-server"));
    ServerBenchmark.Fanout f =
        ServerBenchmark.fanout(scratch.resolve("runs/fanout"), clients, 200, fanoutEvents);
    rows.add(
        new Row(
            "fan-out to " + clients + " WebSocket clients: p99 delivery",
            String.format(
                Locale.ROOT,
                "%.1f ms (p50 %.2f ms); %d dropped, %d duplicated",
                f.p99Ms(),
                f.p50Ms(),
                f.dropped(),
                f.duplicated()),
            "0 dropped",
            "bench-server"));
  }

  /** A trainer in another JVM joined over the cluster: latency, catch-up, step time. */
  private void cluster(Path scratch, List<Row> rows) throws Exception {
    System.err.println("3/4 cluster: a trainer in another JVM joined over the cluster ...");
    List<String> runArgs = new ArrayList<>();
    if (data.config != null) {
      runArgs.addAll(List.of("--config", data.config.toAbsolutePath().toString()));
    }
    if (data.corpus != null) {
      runArgs.addAll(List.of("--corpus", data.corpus.toAbsolutePath().toString()));
    }
    ClusterBenchmark.Result c =
        ClusterBenchmark.run(
            scratch.resolve("cluster"), runArgs, commands, steps, System.err::println);
    rows.add(
        new Row(
            "command latency to a joined trainer (another JVM, TLS bus), POST to applied: p50 / p99",
            String.format(
                Locale.ROOT,
                "%.1f ms / %.1f ms (%.2f / %.2f steps of %.1f ms)",
                c.remote().p50Ms(),
                c.remote().p99Ms(),
                c.remote().p50Ms() / c.remote().medianStepMs(),
                c.remote().p99Ms() / c.remote().medianStepMs(),
                c.remote().medianStepMs()),
            "",
            "bench-all"));
    rows.add(
        new Row(
            "catch-up of a fresh control plane beside a running trainer",
            String.format(
                Locale.ROOT, "%,.0f events/s (%,d events)", c.catchUpPerSecond(), c.caughtUp()),
            "",
            "bench-all"));
    rows.add(
        new Row(
            "median step time: joined trainer / the same run alone",
            String.format(
                Locale.ROOT,
                "%.1f ms / %.1f ms (%.3f)",
                c.joinedStepMs(),
                c.aloneStepMs(),
                c.joinedStepMs() / c.aloneStepMs()),
            "",
            "bench-all"));
  }

  /** {@code bench-agent}: tokens per decision and what a night costs. */
  private static void agent(List<Row> rows) throws java.io.IOException {
    System.err.println("4/4 bench-agent: tokens per decision ...");
    AgentBenchmark.Result a =
        AgentBenchmark.run(
            AgentBenchmark.syntheticWindow(1, 100), 10_000, 100, 300, 1500, 1.10, 4.40);
    for (AgentBenchmark.PromptFigures p : a.prompts()) {
      rows.add(
          new Row(
              "input tokens per decision, prompt " + p.prompt(),
              String.format(Locale.ROOT, "%,d (o200k_base)", p.inputTokens()),
              p.prompt().equals("lr-recovery") ? "<= 1,500" : "",
              "bench-agent"));
    }
    rows.add(
        new Row(
            "o4-mini cost of 10,000 steps at N = 100",
            String.format(Locale.ROOT, "$%.2f to $%.2f", a.usdLow(), a.usdHigh()),
            "",
            "bench-agent"));
  }
}
