package dev.coxswain.trainer.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.regex.Pattern;

/**
 * A number a workload reports at every evaluation besides the validation loss (accuracy, F1,
 * anything named), with the direction that is better. It is computed over the same fixed validation
 * batches as the loss, lands in the {@code eval} event's {@code metrics}, and the agent's summary
 * carries it as {@code eval_<name>}.
 */
public interface EvalMetric {
  /** Names are short identifiers: letters, digits and underscores. */
  Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,31}");

  /** The metric's name, e.g. {@code accuracy}. */
  String name();

  /** Whether a higher value is better (accuracy) or a lower one (error rate). */
  boolean higherIsBetter();

  /** A fresh accumulator for one evaluation. */
  Accumulator start();

  /** Sums one evaluation's batches. */
  interface Accumulator {
    /** Adds one validation batch: its labels and the block's output for it. */
    void add(NDList labels, NDList predictions);

    /** The metric over every batch added. */
    double result();
  }

  /**
   * Classification accuracy: the share of examples whose highest-scoring class (the last axis of
   * the first output) is the label.
   */
  static EvalMetric accuracy() {
    return new EvalMetric() {
      @Override
      public String name() {
        return "accuracy";
      }

      @Override
      public boolean higherIsBetter() {
        return true;
      }

      @Override
      public Accumulator start() {
        return new Accumulator() {
          private long right;
          private long total;

          @Override
          public void add(NDList labels, NDList predictions) {
            NDArray predicted =
                predictions.singletonOrThrow().argMax(-1).toType(DataType.INT64, false);
            NDArray truth =
                labels
                    .singletonOrThrow()
                    .toType(DataType.INT64, false)
                    .reshape(predicted.getShape());
            right += predicted.eq(truth).sum().toType(DataType.INT64, false).getLong();
            total += predicted.size();
          }

          @Override
          public double result() {
            return total == 0 ? Double.NaN : (double) right / total;
          }
        };
      }
    };
  }
}
