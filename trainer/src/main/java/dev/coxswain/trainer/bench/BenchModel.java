package dev.coxswain.trainer.bench;

import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.io.IOException;
import java.util.Locale;

/** What a benchmark trains: a fresh workload for each arm, and how much data one step holds. */
public interface BenchModel {
  /** One line: the model, its size and its batch. */
  String describe();

  /** A fresh model on the same data (each arm trains its own). */
  Workload build(long seed) throws IOException;

  /** Tokens (language models) or examples per step, for the throughput figures. */
  long unitsPerStep();

  /** The default workload, or any size of it. */
  static BenchModel of(CharGptWorkload w) {
    return new BenchModel() {
      @Override
      public String describe() {
        return String.format(
            Locale.ROOT,
            "char-gpt %d layers, width %d, context %d, batch %d (%s tokens)",
            w.layers(),
            w.embed(),
            w.context(),
            w.batchSize(),
            w.tokenizer());
      }

      @Override
      public Workload build(long seed) throws IOException {
        return w.build(seed);
      }

      @Override
      public long unitsPerStep() {
        return (long) w.batchSize() * w.context();
      }
    };
  }
}
