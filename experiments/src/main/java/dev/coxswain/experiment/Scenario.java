package dev.coxswain.experiment;

import dev.coxswain.run.RunConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A benchmark scenario as read from its YAML file ({@link ScenarioParser} checks it): a workload of
 * a size, the steps and seeds, the goal every arm is scored on, and the troubles injected.
 *
 * @param name directory name of its results
 * @param workload {@code char-gpt} (the default workload) or {@code fashion-mnist} (the classifier)
 * @param size the workload's size preset (tiny, small, default)
 * @param run the trainer's settings, and for char-gpt its model and data, as a run configuration
 * @param images for fashion-mnist: the directory of its IDX files; null for char-gpt
 * @param steps every run's length, the pretraining included
 * @param seeds the reported seeds
 * @param tuneSeed the seed the baselines' lr sweep runs on; never reported
 * @param evalEvery steps between evaluations
 * @param lr the lr the run is configured with: where {@code none} and the agent start
 * @param pretrainSteps steps every arm shares at {@code pretrainLr} before its own part (0: none)
 * @param pretrainLr the pretraining's lr
 * @param metric the goal's metric ({@code eval_loss}, {@code perplexity} or {@code accuracy})
 * @param direction minimize or maximize (accuracy)
 * @param deadline the step at which the goal is scored
 * @param troubles what goes wrong, in step order
 * @param tuningLrs the constant lrs of the baselines' sweep
 * @param agentEvery steps between the agent's decisions
 * @param digest a fingerprint of the settings that shape a run, kept in every result
 */
public record Scenario(
    String name,
    String workload,
    String size,
    RunConfig run,
    Path images,
    long steps,
    List<Long> seeds,
    long tuneSeed,
    int evalEvery,
    double lr,
    long pretrainSteps,
    double pretrainLr,
    String metric,
    String direction,
    long deadline,
    List<Trouble> troubles,
    List<Double> tuningLrs,
    int agentEvery,
    String digest) {

  /** The step where each arm's own part starts (after the shared pretraining). */
  public long start() {
    return pretrainSteps;
  }

  /** Checkpoints often enough that an automatic rollback has a target in the last window. */
  public int checkpointEvery() {
    return Math.min(evalEvery, agentEvery);
  }

  public boolean maximize() {
    return "maximize".equals(direction);
  }

  /**
   * Whether {@code a} is a better value of the goal's metric than {@code b} (higher when it
   * maximizes, else lower); a finite value is better than NaN.
   */
  public boolean better(double a, double b) {
    if (!Double.isFinite(a)) {
      return false;
    }
    return Double.isNaN(b) || (maximize() ? a > b : a < b);
  }

  /** Whether the workload is the Fashion-MNIST classifier (else the character GPT). */
  public boolean classifier() {
    return FASHION_MNIST.equals(workload);
  }

  /** The classifier workload's name in a scenario file. */
  public static final String FASHION_MNIST = "fashion-mnist";

  /** The goal as {@code set_goal} takes it. */
  public Map<String, Object> goal() {
    return Map.of("metric", metric, "direction", direction, "deadline", deadline);
  }
}
