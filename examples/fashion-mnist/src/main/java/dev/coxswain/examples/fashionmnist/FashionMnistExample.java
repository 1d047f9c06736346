package dev.coxswain.examples.fashionmnist;

import ai.djl.ndarray.NDManager;
import dev.coxswain.server.Coxswain;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.workload.FashionMnistData;
import dev.coxswain.trainer.workload.FashionMnistWorkload;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Your own model under Coxswain: a Fashion-MNIST classifier served with the console and the rule
 * agent ({@code ./coxswain example fashion-mnist}), or trained here and joined to a control plane
 * elsewhere ({@code --join HOST:5701 --cluster-credentials DIR}).
 */
@Command(
    name = "fashion-mnist",
    mixinStandardHelpOptions = true,
    description =
        "Train a small CNN on Fashion-MNIST under Coxswain: the console, the API and the agent,"
            + " in this process or at a control plane elsewhere (--join).")
public final class FashionMnistExample implements Callable<Integer> {
  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "the IDX files (default ${DEFAULT-VALUE})")
  Path data = FashionMnistData.DEBIAN_DIR;

  @Option(names = "--steps", description = "training steps (default ${DEFAULT-VALUE})")
  long steps = 3000;

  @Option(names = "--batch", description = "images per step (default ${DEFAULT-VALUE})")
  int batch = 64;

  @Option(names = "--lr", description = "learning rate (AdamW; default ${DEFAULT-VALUE})")
  double lr = 1e-3;

  @Option(
      names = "--train-images",
      description = "training images used, of 60,000 (default ${DEFAULT-VALUE})")
  int trainImages = 60_000;

  @Option(
      names = "--val-images",
      description = "test images used for validation, of 10,000 (default ${DEFAULT-VALUE})")
  int valImages = 10_000;

  @Option(names = "--eval-every", description = "evaluate every N steps (default ${DEFAULT-VALUE})")
  int evalEvery = 200;

  @Option(names = "--seed", description = "seed of the initialization and the shuffles")
  long seed = 42;

  @Option(names = "--run-id", description = "the run's id (default fashion-mnist-<time>)")
  String runId;

  @Option(names = "--runs", description = "where run directories go (default ${DEFAULT-VALUE})")
  Path runs = Path.of("runs");

  @Option(names = "--host", description = "the interface to listen on (default ${DEFAULT-VALUE})")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "the console's port (default ${DEFAULT-VALUE}; 0: any)")
  int port = 7007;

  @Option(names = "--agent", description = "rule (default: no LLM), openai (OPENAI_API_KEY) or off")
  String agent = "rule";

  @Option(
      names = "--agent-every",
      description = "the agent decides every N steps (default ${DEFAULT-VALUE})")
  int agentEvery = 100;

  @Option(
      names = "--join",
      paramLabel = "HOST:PORT",
      description = "train here and attach to the control plane whose cluster port this is")
  String join;

  @Option(
      names = "--cluster-credentials",
      paramLabel = "DIR",
      description = "with --join: a copy of the control plane's runs/cluster-credentials")
  Path credentials;

  @Option(
      names = "--exit-when-done",
      description =
          "exit when the run ends (default: the console stays up, read-only, until Ctrl-C)")
  boolean exitWhenDone;

  public static void main(String[] args) {
    System.exit(new CommandLine(new FashionMnistExample()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (join != null && credentials == null) {
      System.err.println("error: --join needs --cluster-credentials DIR");
      return 2;
    }
    String id =
        runId != null
            ? runId
            : "fashion-mnist-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    FashionMnistData train;
    FashionMnistData val;
    try {
      train = FashionMnistData.train(data, trainImages);
      val = FashionMnistData.test(data, valImages);
    } catch (java.io.IOException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    try (NDManager arrays = NDManager.newBaseManager()) {
      Workload workload = FashionMnistWorkload.create(arrays, train, val, batch, seed);
      TrainerConfig config =
          TrainerConfig.builder()
              .optRunId(id)
              .optMaxSteps(steps)
              .optLr(lr)
              .optSeed(seed)
              .optEvalEvery(evalEvery)
              .build();
      Coxswain.Builder b =
          Coxswain.builder(workload, config).optRunsRoot(runs).optListen(host, port);
      if (!agent.equals("off")) {
        b.optAgent(agent, agentEvery);
      }
      try (Coxswain run = join != null ? b.join(join, credentials) : b.serve()) {
        System.out.printf(
            Locale.ROOT,
            "fashion-mnist: run %s, %,d training and %,d validation images, %d steps%n",
            run.runId(),
            train.count(),
            val.count(),
            steps);
        System.out.println(
            run.joined()
                ? "fashion-mnist: joined the control plane at "
                    + join
                    + ": its console shows the run"
                : "fashion-mnist: console " + run.consoleUrl());
        RunOutcome end = run.awaitEnd();
        System.out.printf(
            Locale.ROOT,
            "fashion-mnist: %s at step %d, validation loss %.4f, validation accuracy %.4f (%,d images)%n",
            end.status(),
            end.step(),
            end.validationLoss(),
            end.metrics().getOrDefault("accuracy", Double.NaN),
            val.count());
        if (!run.joined() && !exitWhenDone) {
          System.out.println(
              "fashion-mnist: the console stays up (read-only) at "
                  + run.consoleUrl()
                  + " until Ctrl-C");
          Thread.currentThread().join();
        }
        return end.status().equals("failed") ? 1 : 0;
      }
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
  }
}
