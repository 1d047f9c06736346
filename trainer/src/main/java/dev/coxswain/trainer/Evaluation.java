package dev.coxswain.trainer;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.data.BatchSource;
import dev.coxswain.trainer.data.MixableSource;
import dev.coxswain.trainer.metric.EvalMetric;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pass over a workload's fixed validation batches: the mean loss, the workload's own metrics,
 * and with named data sources each source's own loss. Makes the {@code eval} event's payload.
 *
 * @param loss mean loss over every validation batch
 * @param metrics the workload's metrics by name (empty without any)
 * @param sources each data source's mean loss (empty without named sources)
 * @param better for each metric, "higher" or "lower"
 * @param batches validation batches used
 * @param millis how long it took
 */
record Evaluation(
    double loss,
    Map<String, Double> metrics,
    Map<String, Double> sources,
    Map<String, String> better,
    int batches,
    double millis) {

  /** Runs the validation batches through {@code block} (inference mode) on a sub-manager. */
  static Evaluation run(Workload workload, NDManager manager, Block block, ParameterStore store) {
    BatchSource data = workload.data();
    int n = data.validationBatches();
    if (n == 0) {
      throw new IllegalStateException("this workload has no validation data");
    }
    long t0 = System.nanoTime();
    double sum = 0;
    Map<String, double[]> bySource = new LinkedHashMap<>(); // name -> {sum, batches}
    List<EvalMetric.Accumulator> acc = new ArrayList<>();
    for (EvalMetric m : workload.metrics()) {
      acc.add(m.start());
    }
    try (NDScope scope = new NDScope();
        NDManager evalManager = manager.newSubManager()) {
      scope.suppressNotUsedWarning();
      for (int i = 0; i < n; i++) {
        Batch batch = data.validationBatch(evalManager, i);
        NDList out = block.forward(store, batch.data(), false);
        double l = workload.loss().evaluate(batch.labels(), out).getFloat();
        sum += l;
        if (data instanceof MixableSource mixed) {
          double[] a = bySource.computeIfAbsent(mixed.validationSource(i), k -> new double[2]);
          a[0] += l;
          a[1]++;
        }
        for (EvalMetric.Accumulator a : acc) {
          a.add(batch.labels(), out);
        }
      }
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    Map<String, String> better = new LinkedHashMap<>();
    for (int i = 0; i < acc.size(); i++) {
      EvalMetric m = workload.metrics().get(i);
      metrics.put(m.name(), acc.get(i).result());
      better.put(m.name(), m.higherIsBetter() ? "higher" : "lower");
    }
    Map<String, Double> sources = new LinkedHashMap<>();
    bySource.forEach((k, a) -> sources.put(k, a[0] / a[1]));
    return new Evaluation(sum / n, metrics, sources, better, n, (System.nanoTime() - t0) / 1e6);
  }

  /** Every value a goal may name: eval_loss, perplexity and the workload's metrics. */
  Map<String, Double> reported() {
    Map<String, Double> r = new LinkedHashMap<>(metrics);
    r.put("eval_loss", loss);
    r.put("perplexity", Math.exp(loss));
    return r;
  }

  /** The {@code eval} event's payload (the goal's progress is added by the trainer). */
  Payload.Eval payload() {
    boolean own = !metrics.isEmpty(); // the workload's own metrics, and which way is better
    return new Payload.Eval(
        loss,
        Math.exp(loss),
        own ? new LinkedHashMap<>(metrics) : null,
        own ? new LinkedHashMap<>(better) : null,
        sources.isEmpty() ? null : new LinkedHashMap<>(sources), // each data source's loss
        batches,
        millis,
        null);
  }
}
