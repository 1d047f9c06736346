package dev.coxswain.trainer.djl;

import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.loss.Loss;
import dev.coxswain.trainer.loop.LoopEvaluation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The trainer's own loss and evaluators (an {@code Accuracy} added with {@code addEvaluator}) over
 * a validation dataset, on an accumulator of its own: the evaluators' epoch figures that DJL's
 * listeners log are left alone.
 */
final class TrainerEvaluation implements LoopEvaluation {
  private static final String KEY = "coxswain_eval";
  private final Trainer trainer;
  private final Dataset validation;

  TrainerEvaluation(Trainer trainer, Dataset validation) {
    this.trainer = trainer;
    this.validation = validation;
  }

  @Override
  public Result evaluate(long step) throws Exception {
    Loss loss = trainer.getLoss();
    List<Evaluator> others =
        trainer.getEvaluators().stream().filter(e -> !(e instanceof Loss)).toList();
    loss.addAccumulator(KEY);
    others.forEach(e -> e.addAccumulator(KEY));
    try {
      for (Batch batch : trainer.iterateDataset(validation)) {
        try (batch) {
          for (Batch split : batch.split(trainer.getDevices(), false)) {
            NDList predictions = trainer.evaluate(split.getData());
            loss.updateAccumulator(KEY, split.getLabels(), predictions);
            for (Evaluator e : others) {
              e.updateAccumulator(KEY, split.getLabels(), predictions);
            }
          }
        }
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      for (Evaluator e : others) {
        metrics.put(figureName(e.getName()), (double) e.getAccumulator(KEY));
      }
      return new Result(loss.getAccumulator(KEY), metrics);
    } finally {
      loss.resetAccumulator(KEY);
      others.forEach(e -> e.resetAccumulator(KEY));
    }
  }

  // DJL names evaluators "Accuracy", "TopKAccuracy": the run's figures are lower-case words
  static String figureName(String evaluator) {
    String n = evaluator.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    n = n.matches("[a-z].*") ? n : "m_" + n;
    return n.length() > 32 ? n.substring(0, 32) : n;
  }
}
