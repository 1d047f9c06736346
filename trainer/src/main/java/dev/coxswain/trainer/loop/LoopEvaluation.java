package dev.coxswain.trainer.loop;

import java.util.Map;

/** A loop's own evaluation, run at the control point when asked or on the run's schedule. */
@FunctionalInterface
public interface LoopEvaluation {
  /**
   * @param step the last finished step
   */
  Result evaluate(long step) throws Exception;

  /**
   * @param loss the figure a lower value of which is better (the run's eval_loss)
   * @param metrics named figures beside it (a sample-quality score, an accuracy)
   */
  record Result(double loss, Map<String, Double> metrics) {
    public Result {
      metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }
  }
}
