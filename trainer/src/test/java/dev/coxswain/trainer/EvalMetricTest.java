package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.trainer.data.DatasetSource;
import dev.coxswain.trainer.metric.EvalMetric;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A workload's own evaluation metrics, reported with every evaluation. */
class EvalMetricTest {
  @TempDir Path dir;

  private static Workload.Builder classifier(NDManager data) {
    // two classes split by the line x0 + x1 = 0
    NDArray x = data.randomUniform(-1, 1, new Shape(1280, 2));
    NDArray y = x.sum(new int[] {1}).gt(0).toType(DataType.FLOAT32, false);
    ArrayDataset train =
        new ArrayDataset.Builder()
            .setData(x.get(":1024"))
            .optLabels(y.get(":1024"))
            .setSampling(64, false)
            .build();
    ArrayDataset val =
        new ArrayDataset.Builder()
            .setData(x.get("1024:"))
            .optLabels(y.get("1024:"))
            .setSampling(64, false)
            .build();
    SequentialBlock mlp =
        new SequentialBlock()
            .add(Linear.builder().setUnits(16).build())
            .add(Activation::relu)
            .add(Linear.builder().setUnits(2).build());
    return Workload.builder()
        .setBlock(mlp)
        .setInputShape(new Shape(64, 2))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new DatasetSource(train, val, 64, 1));
  }

  @Test
  void aWorkloadSaysWhatItReportsAndInWhichUnits() throws Exception {
    try (NDManager data = NDManager.newBaseManager()) {
      RunReports c =
          classifier(data)
              .optKind(Workload.Kind.CLASSIFIER)
              .optMetric(EvalMetric.accuracy())
              .build()
              .reports();
      // run.json's section keeps its shape: these four keys, no replayable
      assertEquals(
          "{\"kind\":\"classifier\",\"perplexity\":false,\"throughput_unit\":\"samples\","
              + "\"metrics\":[\"accuracy\"]}",
          Json.write(c));
      // not said: loss only, samples/s, no perplexity
      RunReports other = classifier(data).build().reports();
      assertEquals(new RunReports("other", false, "samples", List.of(), null), other);
      RunReports lm = classifier(data).optKind(Workload.Kind.LANGUAGE_MODEL).build().reports();
      assertEquals(true, lm.perplexity());
      assertEquals("tokens", lm.throughputUnit());
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void accuracyIsReportedWithItsDirectionAtEveryEvaluationAndRises() throws Exception {
    try (NDManager data = NDManager.newBaseManager()) {
      Workload w = classifier(data).optMetric(EvalMetric.accuracy()).build();
      Recorder rec = new Recorder();
      TrainerConfig config =
          TrainerConfig.builder().optMaxSteps(300).optLr(1e-2).optEvalEvery(100).build();
      try (InteractiveTrainer t =
          InteractiveTrainer.builder(w, config).optRunDir(dir).optSink(rec).build()) {
        t.run();
      }
      List<Event> evals = rec.of(EventType.EVAL);
      assertEquals(4, evals.size(), "steps 0, 100, 200, 300");
      for (Event e : evals) {
        assertEquals(Map.of("accuracy", "higher"), e.payload().get("better"));
      }
      double first =
          ((Number) ((Map<String, Object>) evals.get(0).payload().get("metrics")).get("accuracy"))
              .doubleValue();
      double last =
          ((Number) ((Map<String, Object>) evals.get(3).payload().get("metrics")).get("accuracy"))
              .doubleValue();
      System.out.printf(
          "accuracy of a 2-class MLP: %.3f before training, %.3f after 300 steps%n", first, last);
      assertTrue(last > 0.9, "accuracy after training: " + last);
      assertTrue(last > first, first + " -> " + last);
    }
  }

  @Test
  void aWorkloadWithoutMetricsReportsNoneAndBadNamesAreRefused() throws Exception {
    try (NDManager data = NDManager.newBaseManager()) {
      Recorder rec = new Recorder();
      TrainerConfig config =
          TrainerConfig.builder().optMaxSteps(5).optLr(1e-2).optEvalEvery(5).build();
      try (InteractiveTrainer t =
          InteractiveTrainer.builder(classifier(data).build(), config)
              .optRunDir(dir)
              .optSink(rec)
              .build()) {
        t.run();
      }
      assertTrue(
          rec.of(EventType.EVAL).stream().noneMatch(e -> e.payload().containsKey("metrics")));
      Workload.Builder b = classifier(data).optMetric(EvalMetric.accuracy());
      assertThrows(
          IllegalArgumentException.class, () -> b.optMetric(EvalMetric.accuracy()), "a name twice");
      assertThrows(IllegalArgumentException.class, () -> b.optMetric(named("Accuracy!")));
      assertThrows(IllegalArgumentException.class, () -> b.optMetric(named("perplexity")));
    }
  }

  private static EvalMetric named(String name) {
    return new EvalMetric() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public boolean higherIsBetter() {
        return true;
      }

      @Override
      public Accumulator start() {
        throw new UnsupportedOperationException();
      }
    };
  }
}
