package dev.coxswain.server.cli;

import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.server.bench.ServerBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coxswain bench-server}: command latency, WebSocket fan-out and memory figures. */
@Command(
    name = "bench-server",
    header = "the API benchmark: command latency, WebSocket fan-out",
    mixinStandardHelpOptions = true,
    description =
        "Command latency (POST to applied) on the default workload, fan-out to WebSocket clients, memory after a long event log.")
public final class BenchServerCommand implements Callable<Integer> {
  @Option(names = "--commands", description = "commands to time (default ${DEFAULT-VALUE})")
  int commands = 100;

  @Option(names = "--clients", description = "WebSocket clients (default ${DEFAULT-VALUE})")
  int clients = 50;

  @Option(
      names = "--rate",
      description = "events per second for the fan-out (default ${DEFAULT-VALUE})")
  double rate = 200;

  @Option(
      names = "--fanout-events",
      description = "events in the fan-out test (default ${DEFAULT-VALUE})")
  int fanoutEvents = 4000;

  @Option(
      names = "--memory-events",
      description = "events for the memory test (default ${DEFAULT-VALUE})")
  long memoryEvents = 1_000_000;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML run configuration for the latency run")
  Path config;

  @Option(names = "--corpus", paramLabel = "PATH", description = "corpus (default data/sotu)")
  Path corpus;

  @Override
  public Integer call() throws Exception {
    Path scratch = Files.createTempDirectory("coxswain-bench-server");
    RunConfig file = config == null ? RunConfig.empty() : RunConfig.load(config);
    RunSpec spec =
        RunSpec.resolve(
            file.withOverrides("latency", 1_000_000L, null, null, corpus), 1_000_000, Map.of());
    System.out.println(
        "1) command latency: "
            + commands
            + " set_knobs commands at random moments into a live run of the default workload");
    ServerBenchmark.Latency l =
        ServerBenchmark.commandLatency(
            spec, scratch.resolve("runs/latency"), commands, System.err::println);
    System.out.printf(
        Locale.ROOT,
        "   POST -> applied result: p50 %.1f ms, p99 %.1f ms, max %.1f ms; median step %.1f ms (p50 = %.2f steps, p99 = %.2f steps)%n",
        l.p50Ms(),
        l.p99Ms(),
        l.maxMs(),
        l.medianStepMs(),
        l.p50Ms() / l.medianStepMs(),
        l.p99Ms() / l.medianStepMs());
    System.out.printf(
        Locale.ROOT,
        "2) fan-out: %d WebSocket clients, %d events at %.0f/s%n",
        clients,
        fanoutEvents,
        rate);
    ServerBenchmark.Fanout f =
        ServerBenchmark.fanout(scratch.resolve("runs/fanout"), clients, rate, fanoutEvents);
    System.out.printf(
        Locale.ROOT,
        "   delivery latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; dropped %d, duplicated %d%n",
        f.p50Ms(),
        f.p99Ms(),
        f.maxMs(),
        f.dropped(),
        f.duplicated());
    System.out.printf(
        Locale.ROOT, "3) memory: %,d events appended with the API up%n", memoryEvents);
    ServerBenchmark.Memory m =
        ServerBenchmark.memory(scratch.resolve("runs/memory"), memoryEvents, System.err::println);
    System.out.printf(
        Locale.ROOT,
        "   heap after GC: %.1f MiB at 100,000 events, %.1f MiB at %,d; RSS %.0f MiB; %.0f appends/s (each written to events.jsonl)%n",
        m.heapAt100kBytes() / 1048576.0,
        m.heapAtEndBytes() / 1048576.0,
        m.events(),
        m.rssBytes() / 1048576.0,
        m.appendsPerSecond());
    return 0;
  }
}
