package dev.coxswain.examples.easytrain;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import dev.coxswain.server.Coxswain;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.djl.TrainerAdapter;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Code that trains with DJL's own {@code Trainer} and {@code EasyTrain.fit} (an MLP on
 * Fashion-MNIST), under the console and the agent through the {@link TrainerAdapter}: {@code
 * ./coxswain example easytrain}. In {@link #train} the lines marked {@code // Coxswain} are what
 * the adapter changes in DJL code; {@link #call} serves the loop ({@code TrainerConfig}, {@code
 * Coxswain.builder(loop, config).serve()}, {@code awaitEnd}) and prints.
 */
@Command(
    name = "easytrain",
    mixinStandardHelpOptions = true,
    description =
        "Train an MLP on Fashion-MNIST with DJL's own EasyTrain.fit, steered from Coxswain's"
            + " console and agent through the TrainerAdapter.")
public final class EasyTrainExample implements Callable<Integer> {
  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "the IDX files (default ${DEFAULT-VALUE})")
  Path data = FashionMnistData.DEBIAN_DIR;

  @Option(names = "--epochs", description = "EasyTrain.fit's epochs (default ${DEFAULT-VALUE})")
  int epochs = 2;

  @Option(names = "--batch", description = "images per batch (default ${DEFAULT-VALUE})")
  int batch = 64;

  @Option(names = "--lr", description = "Adam's learning rate (default ${DEFAULT-VALUE})")
  double lr = 1e-3;

  @Option(
      names = "--train-images",
      description = "training images used, of 60,000 (default ${DEFAULT-VALUE})")
  int trainImages = 60_000;

  @Option(
      names = "--val-images",
      description = "test images used for validation, of 10,000 (default ${DEFAULT-VALUE})")
  int valImages = 10_000;

  @Option(
      names = "--eval-every",
      description =
          "evaluate every N batches (default ${DEFAULT-VALUE}; 0: only at the start, at the end"
              + " and when asked)")
  int evalEvery = 200;

  @Option(names = "--seed", description = "seed of DJL's initialization and shuffles")
  long seed = 42;

  @Option(names = "--run-id", description = "the run's id (default easytrain-<time>)")
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
      description = "the agent decides every N batches (default ${DEFAULT-VALUE})")
  int agentEvery = 100;

  @Option(
      names = "--exit-when-done",
      description =
          "exit when the run ends (default: the console stays up, read-only, until Ctrl-C)")
  boolean exitWhenDone;

  public static void main(String[] args) {
    System.exit(new CommandLine(new EasyTrainExample()).execute(args));
  }

  /** Serves the loop the adapter made and returns how the run ended. */
  @FunctionalInterface
  public interface Serve {
    RunOutcome serve(OwnLoop loop) throws Exception;
  }

  /**
   * A DJL user's training: an MLP, Adam, softmax cross-entropy, an accuracy evaluator and {@code
   * EasyTrain.fit}; {@code serve} puts the loop under Coxswain.
   */
  public static RunOutcome train(
      FashionMnistData train, FashionMnistData val, int batch, int epochs, double lr, Serve serve)
      throws Exception {
    try (NDManager manager = NDManager.newBaseManager();
        Model model = Model.newInstance("fashion-mlp")) {
      ArrayDataset trainSet = dataset(manager, train, batch, true);
      ArrayDataset valSet = dataset(manager, val, batch, false);
      model.setBlock(
          new SequentialBlock()
              .add(Linear.builder().setUnits(128).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(FashionMnistData.CLASSES).build()));
      TrainerAdapter coxswain = TrainerAdapter.learningRate(lr); // Coxswain
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(
                  Optimizer.adam()
                      .optLearningRateTracker(coxswain.tracker()) // Coxswain: was Tracker.fixed
                      .build())
              .addEvaluator(new Accuracy())
              .addTrainingListeners(TrainingListener.Defaults.basic())
              .addTrainingListeners(coxswain.listener()); // Coxswain
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(batch, FashionMnistData.SIDE * FashionMnistData.SIDE));
        return serve.serve( // Coxswain: the loop instead of calling fit here
            coxswain.loop(
                "easytrain",
                trainer,
                valSet,
                () -> EasyTrain.fit(trainer, epochs, trainSet, valSet)));
      }
    }
  }

  /** Flattened images scaled to 0-1, labels as class indices. */
  static ArrayDataset dataset(NDManager m, FashionMnistData d, int batch, boolean shuffle) {
    int side = FashionMnistData.SIDE;
    return new ArrayDataset.Builder()
        .setData(m.create(d.scaledPixels(), new Shape(d.count(), side * side)))
        .optLabels(m.create(d.floatLabels(), new Shape(d.count())))
        .setSampling(batch, shuffle)
        .build();
  }

  /** The batches {@code epochs} epochs take: the run's steps. */
  static long steps(int images, int batch, int epochs) {
    return (long) epochs * ((images + batch - 1) / batch);
  }

  @Override
  public Integer call() throws Exception {
    if (epochs < 1 || batch < 1 || !(lr > 0)) {
      System.err.println("error: --epochs, --batch and --lr must be positive");
      return 2;
    }
    String id =
        runId != null
            ? runId
            : "easytrain-"
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
    Engine.getInstance().setRandomSeed((int) seed);
    long steps = steps(train.count(), batch, epochs);
    TrainerConfig config =
        TrainerConfig.builder()
            .optRunId(id)
            .optMaxSteps(steps)
            .optSeed(seed)
            .optEvalEvery(evalEvery)
            .build();
    try {
      RunOutcome end =
          train(
              train,
              val,
              batch,
              epochs,
              lr,
              loop -> {
                Coxswain.Builder b =
                    Coxswain.builder(loop, config).optRunsRoot(runs).optListen(host, port);
                if (!agent.equals("off")) {
                  b.optAgent(agent, agentEvery);
                }
                try (Coxswain run = b.serve()) {
                  System.out.printf(
                      Locale.ROOT,
                      "easytrain: run %s, EasyTrain.fit for %d epochs (%d batches of %d) on %,d"
                          + " images, validation on %,d%n",
                      run.runId(),
                      epochs,
                      steps,
                      batch,
                      train.count(),
                      val.count());
                  System.out.println("easytrain: console " + run.consoleUrl());
                  RunOutcome out = run.awaitEnd();
                  System.out.printf(
                      Locale.ROOT,
                      "easytrain: %s at step %d, validation loss %.4f, validation accuracy %.4f"
                          + " (%,d images)%n",
                      out.status(),
                      out.step(),
                      out.validationLoss(),
                      out.metrics().getOrDefault("accuracy", Double.NaN),
                      val.count());
                  if (!exitWhenDone) {
                    System.out.println(
                        "easytrain: the console stays up (read-only) at "
                            + run.consoleUrl()
                            + " until Ctrl-C");
                    Thread.currentThread().join();
                  }
                  return out;
                }
              });
      return end.status().equals("failed") ? 1 : 0;
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
  }
}
