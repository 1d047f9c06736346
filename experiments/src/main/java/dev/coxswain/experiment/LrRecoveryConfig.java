package dev.coxswain.experiment;

import dev.coxswain.run.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An LR-recovery experiment as written in YAML. Every field is required unless it says otherwise; a
 * missing, unknown or contradictory field fails here, before any training, and the message names
 * it: {@link LrRecoveryConfigParser} reads the sections, {@link YamlFields} the typed fields,
 * {@link LrRecoveryConfigChecks} the contradictions between them.
 *
 * <pre>
 * steps: 1500               # every run of every arm
 * seeds: [1, 2, 3]
 * eval_every: 100
 * checkpoint_every: 100     # at most agent.every, so an automatic rollback has a target
 * pretrain: {steps: 300, lr: 0.001}  # every arm starts from this model (0 steps: from scratch)
 * run: {model: {...}, data: {...}}   # optional: the workload, as in a run configuration
 * goal: {metric: eval_loss, deadline: 1500}  # optional: declared in every arm when its own part
 *                                            # starts (after the pretraining); the agent plans for it
 * arms:
 *   too_high: {lr: 0.01}                             # (a) constant, far too high
 *   agent: {every: 100, prompt: lr-recovery, policies: [rule, openai]}   # (b) same start
 *   sweep: {lrs: [...], seeds: [1]}                  # (c) oracle: best constant lr
 *   linear_decay: {lr: 0.002, final_lr: 0}           # (d)
 *   plateau: {lr: 0.002, patience: 2, factor: 0.5}   # (e)
 * </pre>
 *
 * @param sweepSeeds the seeds the sweep runs on; the oracle's other seeds run at the winning lr
 */
public record LrRecoveryConfig(
    String name,
    long steps,
    List<Long> seeds,
    int evalEvery,
    int checkpointEvery,
    RunConfig run,
    long pretrainSteps,
    double pretrainLr,
    double highLr,
    int agentEvery,
    String agentPrompt,
    List<String> agentPolicies,
    List<Double> sweepLrs,
    List<Long> sweepSeeds,
    double decayLr,
    double decayFinalLr,
    double plateauLr,
    int plateauPatience,
    double plateauFactor,
    Map<String, Object> goal) {

  public static LrRecoveryConfig load(Path file) throws InvalidExperimentException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new InvalidExperimentException("experiment file not found: " + file);
    } catch (IOException e) {
      throw new InvalidExperimentException(file + ": " + e.getMessage());
    }
    return parse(text, file.toString(), defaultName(file));
  }

  private static String defaultName(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? "experiment" : parent.getFileName().toString();
  }

  /** Parses and checks ({@link LrRecoveryConfigParser}); {@code origin} prefixes every message. */
  public static LrRecoveryConfig parse(String text, String origin, String defaultName)
      throws InvalidExperimentException {
    return LrRecoveryConfigParser.parse(text, origin, defaultName);
  }
}
