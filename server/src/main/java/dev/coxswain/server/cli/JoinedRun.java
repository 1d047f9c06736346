package dev.coxswain.server.cli;

import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.cluster.Cluster;
import dev.coxswain.server.cluster.Credentials;
import dev.coxswain.server.node.JoinedTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A run trained in this process and attached to a control plane elsewhere over the cluster ({@code
 * train --join}, {@code resume --join}). The run directory, its log and its checkpoints stay here;
 * training never waits for the control plane, which may come and go.
 */
final class JoinedRun {
  @Option(
      names = "--join",
      paramLabel = "HOST:PORT",
      description = "attach the run to the control plane whose cluster port this is")
  String join;

  @Mixin ClusterOptions cluster = new ClusterOptions();

  @Option(
      names = "--cluster-port",
      description =
          "this trainer's cluster port; the next free one is taken (default ${DEFAULT-VALUE})")
  int clusterPort = Cluster.DEFAULT_PORT + 1;

  @Option(
      names = "--heartbeat-ms",
      description =
          "heartbeat interval; the control plane marks the run lost after 3 missed (default ${DEFAULT-VALUE})")
  long heartbeatMillis = 1000;

  boolean requested() {
    return join != null;
  }

  /**
   * Checks the options that need nothing started; returns the credentials, or null after printing
   * why.
   */
  Credentials check(PrintStream err) {
    try {
      Cluster.member(join);
      if (cluster.credentials == null) {
        throw new IllegalArgumentException(
            "--join needs --cluster-credentials DIR: a copy of the directory the control plane"
                + " printed (its secret and TLS keys)");
      }
      return Credentials.load(cluster.credentials, System.getenv());
    } catch (IllegalArgumentException | java.io.IOException e) {
      err.println("error: " + e.getMessage());
      return null;
    }
  }

  /** Trains the run on this process, attached to the control plane; returns the exit code. */
  int train(
      RunStore store,
      Workload workload,
      TrainerConfig config,
      String resumeFrom,
      Credentials credentials,
      ProgressPrinter progress,
      PrintStream out,
      PrintStream err)
      throws Exception {
    store.addListener(progress::accept);
    JoinedTrainer node;
    try {
      node =
          JoinedTrainer.start(
              store,
              dev.coxswain.trainer.RunLauncher.of(workload, config),
              resumeFrom,
              credentials,
              cluster.options(clusterPort, List.of(join)),
              heartbeatMillis);
    } catch (java.io.IOException e) {
      err.println("error: " + e.getMessage());
      return e.getMessage().startsWith("the run did not start") ? 1 : 2;
    }
    long t0 = System.nanoTime();
    out.printf(
        Locale.ROOT,
        "coxswain: training run %s, joining the control plane at %s (run directory %s)%n",
        store.runId(),
        join,
        store.dir());
    out.flush();
    stopOnJvmExit(node);
    // Ctrl-C or SIGTERM: the run stops at its next step (checkpointing), the log names the signal
    // received, and the last lines say where it stopped and how to resume it
    RunOutcome end;
    String signal;
    try (StopOnSignal signals =
        StopOnSignal.install(
            err,
            sig -> {
              try {
                node.stopAndWait(sig, 120);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            })) {
      end = node.finished().toCompletionStage().toCompletableFuture().get();
      signal = signals.received();
    } catch (Exception e) {
      err.println("error: the run failed: " + e.getMessage());
      return 1;
    } finally {
      progress.close();
    }
    out.println(summary(end, t0));
    // a last heartbeat carries the final status; then leave the cluster
    node.close();
    if (signal != null) {
      out.println(StopOnSignal.stoppedLine(end.step(), store.dir(), end.status()));
      return StopOnSignal.exitCode(signal);
    }
    return 0;
  }

  /** Any other end of the JVM (a System.exit elsewhere, -Xrs): still stop at a step boundary. */
  private static void stopOnJvmExit(JoinedTrainer node) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.stopAndWait("JVM shutdown", 120);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "coxswain-shutdown"));
  }

  /** The run's last line: how it ended, as JSON. */
  private static String summary(RunOutcome end, long t0) {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("status", end.status());
    summary.put("step", end.step());
    summary.put("train_loss", end.trainLoss());
    summary.put("validation_loss", end.validationLoss());
    summary.put("seconds", (System.nanoTime() - t0) / 1e9);
    return Json.write(summary);
  }
}
