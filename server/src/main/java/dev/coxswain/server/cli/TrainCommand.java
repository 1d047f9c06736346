package dev.coxswain.server.cli;

import dev.coxswain.protocol.Json;
import dev.coxswain.run.Provenance;
import dev.coxswain.run.RunLock;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.cluster.Credentials;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.events.WriterSink;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coxswain train}: the default workload, headless, with a progress bar. */
@Command(
    name = "train",
    header = "the default workload, headless",
    mixinStandardHelpOptions = true,
    description =
        "Train the default workload (a character-level GPT on the State of the Union corpus) without a server.")
public final class TrainCommand implements Callable<Integer> {
  @Mixin RunOptions run = new RunOptions();

  @Mixin JoinedRun joined = new JoinedRun();

  @Option(
      names = "--agent",
      description =
          "with --join: the agent the control plane runs for this run: off (default), rule, openai"
              + " (the key stays with the control plane)")
  String agent = "off";

  @Option(
      names = "--agent-every",
      description = "with --join: decide every N steps (default ${DEFAULT-VALUE})")
  int agentEvery = 100;

  @Option(
      names = "--agent-prompt",
      description = "with --join: lr-recovery (default) or supervisor")
  String agentPrompt = "lr-recovery";

  static final long DEFAULT_STEPS = 600;

  @Override
  public Integer call() {
    PrintStream out = System.out;
    PrintStream err = System.err;
    Credentials credentials = null;
    Map<String, Object> extra = new LinkedHashMap<>();
    if (joined.requested()) {
      if (!java.util.Set.of("off", "rule", "openai").contains(agent)) {
        err.println("error: --agent must be off, rule or openai, got '" + agent + "'");
        return 2;
      }
      credentials = joined.check(err);
      if (credentials == null) {
        return 2;
      }
      // the run's spec names its agent; the control plane runs it, with its own key
      extra.put("agent", Map.of("mode", agent, "every", agentEvery, "prompt", agentPrompt));
    }
    RunSpec spec = run.resolve(DEFAULT_STEPS, extra, err);
    if (spec == null) {
      return 2;
    }
    if (joined.requested()) {
      Path joinDir = run.dir(spec.runId());
      RunStore store;
      RunLock lock;
      try {
        store = RunStore.create(joinDir, spec.runJson());
        lock = RunLock.acquire(joinDir, "train --join");
      } catch (IOException e) {
        err.println("error: cannot create run directory " + joinDir + ": " + e.getMessage());
        return 2;
      }
      try (lock) {
        return joined.train(
            store,
            spec.workload(),
            spec.trainer(),
            null,
            credentials,
            new ProgressPrinter(err, spec.trainer().maxSteps(), System.console() != null),
            out,
            err);
      } catch (Exception e) {
        err.println("error: " + e.getMessage());
        return 1;
      }
    }
    TrainerConfig tc = spec.trainer();
    Workload workload = spec.workload();
    String runId = spec.runId();
    Path dir = run.dir(runId);
    RunStore store;
    RunLock lock;
    try {
      store = RunStore.create(dir, spec.runJson());
      lock = RunLock.acquire(dir, "train");
    } catch (IOException e) {
      err.println("error: cannot create run directory " + dir + ": " + e.getMessage());
      return 2;
    }
    try (lock;
        store) {
      return train(store, tc, workload, runId, out, err);
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
  }

  private int train(
      RunStore store,
      TrainerConfig tc,
      Workload workload,
      String runId,
      PrintStream out,
      PrintStream err)
      throws IOException {
    ProgressPrinter progress = new ProgressPrinter(err, tc.maxSteps(), System.console() != null);
    long t0 = System.nanoTime();
    // the run's one log, as serve keeps it (numbered, written, folded), fed from a writer thread so
    // that the step does not wait for it; durable kinds still wait for the disk
    Path runDir = store.dir();
    try (WriterSink events = new WriterSink(e -> progress.accept(store.append(e)));
        InteractiveTrainer t =
            InteractiveTrainer.builder(workload, tc).optRunDir(runDir).optSink(events).build()) {
      out.printf(
          Locale.ROOT,
          "coxswain %s: run %s, %s, %,d parameters, %d steps at lr %.2e, run directory %s%n",
          Provenance.version(),
          runId,
          workload.name(),
          t.parameterCount(),
          tc.maxSteps(),
          tc.lr(),
          runDir);
      // Ctrl-C or SIGTERM: the run stops at its next step (checkpointing) and says how to resume
      RunOutcome end;
      String signal;
      try (StopOnSignal signals =
          StopOnSignal.install(
              err,
              sig ->
                  t.submit(
                      dev.coxswain.protocol.Command.of(
                              "stop", dev.coxswain.protocol.Source.API, Map.of())
                          .withReason(sig)))) {
        end = t.run();
        signal = signals.received();
      }
      progress.close();
      double secs = (System.nanoTime() - t0) / 1e9;
      long firstStep =
          t.firstStepDoneMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
      printEnd(out, end, secs, firstStep);
      if (signal != null) {
        out.println(StopOnSignal.stoppedLine(end.step(), runDir));
        return StopOnSignal.exitCode(signal);
      }
      return 0;
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      progress.close();
      err.println("error: the run failed: " + e);
      return 1;
    }
  }

  /** The run's last lines: how it ended, its losses, and the same as one JSON line. */
  private static void printEnd(PrintStream out, RunOutcome end, double secs, long firstStep) {
    out.printf(
        Locale.ROOT,
        "%s at step %d on branch %s in %.1f s (JVM start to first step: %d ms)%n",
        end.status(),
        end.step(),
        end.branch(),
        secs,
        firstStep);
    out.printf(
        Locale.ROOT,
        "final train loss %.4f (mean of last 20 steps), validation loss %.4f (perplexity %.2f);"
            + " before training %.4f%n",
        end.trainLoss(),
        end.validationLoss(),
        Math.exp(end.validationLoss()),
        end.initialValidationLoss());
    if (end.skippedSteps() > 0) {
      out.println("skipped steps (non-finite loss or gradient): " + end.skippedSteps());
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("status", end.status());
    summary.put("step", end.step());
    summary.put("train_loss", end.trainLoss());
    summary.put("validation_loss_start", end.initialValidationLoss());
    summary.put("validation_loss", end.validationLoss());
    summary.put("seconds", secs);
    out.println(Json.write(summary));
  }
}
