package dev.coxswain.server.cli;

import dev.coxswain.agent.bench.AgentBenchmark;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coxswain bench-agent}: prompt sizes, summary build time and the cost of a night. */
@Command(
    name = "bench-agent",
    header = "the agent benchmark: tokens per decision, cost of a run",
    mixinStandardHelpOptions = true,
    description =
        "Input tokens per decision for each prompt, summary build time, and the o4-mini cost of a long run.")
public final class BenchAgentCommand implements Callable<Integer> {
  @Option(
      names = "--steps",
      description = "run length for the cost estimate (default ${DEFAULT-VALUE})")
  int steps = 10_000;

  @Option(names = "--every", description = "decision interval (default ${DEFAULT-VALUE})")
  int every = 100;

  @Option(
      names = "--decisions",
      description = "decisions before the memory figure is taken (default ${DEFAULT-VALUE})")
  int decisions = 50;

  @Override
  public Integer call() throws Exception {
    AgentBenchmark.Result r =
        AgentBenchmark.run(
            AgentBenchmark.syntheticWindow(1, every), steps, every, 300, 1500, 1.10, 4.40);
    for (AgentBenchmark.PromptFigures p : r.prompts()) {
      System.out.printf(
          Locale.ROOT,
          "prompt %-12s %5d input tokens per decision (o200k_base; summary %d characters)%s%n",
          p.prompt(),
          p.inputTokens(),
          p.summaryChars(),
          p.prompt().equals("lr-recovery") ? "  target <= 1,500" : "");
    }
    AgentBenchmark.MemoryFigures m = AgentBenchmark.afterDecisions(decisions, every);
    System.out.printf(
        Locale.ROOT,
        "prompt lr-recovery    %5d input tokens per decision after %d decisions (memory %d tokens,"
            + " capped at %d; largest prompt of the %d: %d)  target <= 1,500%n",
        m.inputTokens(),
        m.decisions(),
        m.memoryTokens(),
        dev.coxswain.agent.memory.Memory.DEFAULT_MAX_TOKENS,
        m.decisions(),
        m.maxInputTokens());
    System.out.printf(
        Locale.ROOT,
        "summary build time    %.1f us (median; %d-step window, 4 series, commands, knobs)%n",
        r.summaryMicros(),
        every);
    System.out.printf(
        Locale.ROOT,
        "o4-mini cost, %,d steps at N = %d: %d decisions, $%.4f to $%.4f (lr-recovery input; %d to %d output tokens per decision incl. reasoning; $1.10 / $4.40 per million)%n",
        steps,
        every,
        r.decisions(),
        r.usdLow(),
        r.usdHigh(),
        r.outputLow(),
        r.outputHigh());
    return 0;
  }
}
