package dev.coxswain.examples.gan;

import dev.coxswain.server.Coxswain;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.loop.StepFigures;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A loop of its own under Coxswain: a GAN on Fashion-MNIST ({@link GanLoop}) served with the
 * console and the rule agent ({@code ./coxswain example gan}); its knobs {@code lr_d}, {@code
 * lr_g}, {@code n_critic} and its action {@code freeze_d} are steered like the built-in ones.
 */
@Command(
    name = "gan",
    mixinStandardHelpOptions = true,
    description =
        "Train a small GAN on Fashion-MNIST in a loop of its own under Coxswain: two learning"
            + " rates, a critic ratio and a freeze action, steered from the console, the API and"
            + " the agent.")
public final class GanExample implements Callable<Integer> {
  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "the IDX files (default ${DEFAULT-VALUE})")
  Path data = FashionMnistData.DEBIAN_DIR;

  @Option(names = "--steps", description = "training steps (default ${DEFAULT-VALUE})")
  long steps = 2000;

  @Option(names = "--batch", description = "images per update (default ${DEFAULT-VALUE})")
  int batch = 64;

  @Option(
      names = "--train-images",
      description = "training images used, of 60,000 (default ${DEFAULT-VALUE})")
  int trainImages = 60_000;

  @Option(
      names = "--val-images",
      description =
          "test images the samples are compared with, of 10,000 (default ${DEFAULT-VALUE})")
  int valImages = 2_000;

  @Option(names = "--eval-every", description = "evaluate every N steps (default ${DEFAULT-VALUE})")
  int evalEvery = 200;

  @Option(names = "--seed", description = "seed of the initialization, batches and noise")
  long seed = 42;

  @Option(names = "--run-id", description = "the run's id (default gan-<time>)")
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
      names = "--exit-when-done",
      description =
          "exit when the run ends (default: the console stays up, read-only, until Ctrl-C)")
  boolean exitWhenDone;

  public static void main(String[] args) {
    System.exit(new CommandLine(new GanExample()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String id =
        runId != null
            ? runId
            : "gan-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    FashionMnistData train;
    FashionMnistData val;
    try {
      train = FashionMnistData.train(data, trainImages);
      val = FashionMnistData.test(data, valImages);
    } catch (java.io.IOException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    try (GanLoop gan = new GanLoop(train, val, batch, seed)) {
      TrainerConfig config =
          TrainerConfig.builder()
              .optRunId(id)
              .optMaxSteps(steps)
              .optSeed(seed)
              .optEvalEvery(evalEvery)
              .build();
      Coxswain.Builder b =
          Coxswain.builder(gan.loop(), config).optRunsRoot(runs).optListen(host, port);
      if (!agent.equals("off")) {
        b.optAgent(agent, agentEvery);
      }
      try (Coxswain run = b.serve()) {
        System.out.printf(
            Locale.ROOT,
            "gan: run %s, %,d training images, samples compared with %,d test images, %d steps%n",
            run.runId(),
            train.count(),
            val.count(),
            steps);
        System.out.println("gan: console " + run.consoleUrl());
        RunOutcome end = run.awaitEnd();
        System.out.println(summary(end, gan.lastFigures()));
        if (!exitWhenDone) {
          System.out.println(
              "gan: the console stays up (read-only) at " + run.consoleUrl() + " until Ctrl-C");
          Thread.currentThread().join();
        }
        return end.status().equals("failed") ? 1 : 0;
      }
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
  }

  /** The end of a run in one line: its losses and the sample-quality figures. */
  static String summary(RunOutcome end, StepFigures last) {
    Map<String, Double> m = end.metrics();
    return String.format(
        Locale.ROOT,
        "gan: %s at step %d: loss_d %.4f, loss_g %.4f (last step); last evaluation: samples'"
            + " nearest real image at RMS distance %.4f"
            + " (real images: %.4f; first evaluation %.4f), spread %.4f, D(real) %.3f,"
            + " D(fake) %.3f",
        end.status(),
        end.step(),
        last.values().getOrDefault("loss_d", Double.NaN),
        last.values().getOrDefault("loss_g", Double.NaN),
        end.validationLoss(),
        m.getOrDefault("real_nn_distance", Double.NaN),
        end.initialValidationLoss(),
        m.getOrDefault("sample_spread", Double.NaN),
        m.getOrDefault("d_real", Double.NaN),
        m.getOrDefault("d_fake", Double.NaN));
  }
}
