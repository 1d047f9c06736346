package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad experiment configurations fail before any training, and the message names the field. */
class LrRecoveryConfigTest {
  static final String GOOD =
      """
      steps: 1200
      seeds: [1, 2, 3]
      eval_every: 100
      checkpoint_every: 100
      pretrain: {steps: 300, lr: 0.001}
      run:
        model: {layers: 2, embed: 128, heads: 4, context: 64}
      arms:
        too_high: {lr: 0.01}
        agent: {every: 100, prompt: lr-recovery, policies: [rule, openai]}
        sweep: {lrs: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01], seeds: [1]}
        linear_decay: {lr: 0.002, final_lr: 0}
        plateau: {lr: 0.002, patience: 2, factor: 0.5}
      """;

  private static LrRecoveryConfig parse(String yaml) throws InvalidExperimentException {
    return LrRecoveryConfig.parse(yaml, "x.yaml", "x");
  }

  private static String fails(String yaml) {
    return assertThrows(InvalidExperimentException.class, () -> parse(yaml)).getMessage();
  }

  @Test
  void theCommittedShapeParses() throws Exception {
    LrRecoveryConfig c = parse(GOOD);
    assertEquals(1200, c.steps());
    assertEquals(List.of(1L, 2L, 3L), c.seeds());
    assertEquals(300, c.pretrainSteps());
    assertEquals(0.01, c.highLr());
    assertEquals(6, c.sweepLrs().size());
    assertEquals(List.of(1L), c.sweepSeeds());
    assertEquals(2, c.plateauPatience());
    assertEquals("x", c.name());
    assertEquals(128, c.run().model().embed());
  }

  @Test
  void theCommittedExperimentParses() throws Exception {
    Path committed = Path.of("../experiments/lr-recovery/experiment.yaml");
    if (!committed.toFile().exists()) {
      committed = Path.of("experiments/lr-recovery/experiment.yaml");
    }
    LrRecoveryConfig c = LrRecoveryConfig.load(committed);
    assertTrue(c.seeds().size() >= 3, "at least 3 seeds");
    assertTrue(c.sweepLrs().size() >= 6, "a sweep of at least 6 values");
    assertEquals(100, c.agentEvery());
    assertEquals("lr-recovery", c.name());
  }

  @Test
  void aMissingFieldIsNamed() {
    assertTrue(
        fails(GOOD.replace("steps: 1200\n", "")).contains("missing field 'steps'"),
        fails(GOOD.replace("steps: 1200\n", "")));
    String m = fails(GOOD.replace("patience: 2, ", ""));
    assertTrue(m.contains("missing field 'arms.plateau.patience'"), m);
    m = fails(GOOD.replace("  too_high: {lr: 0.01}\n", ""));
    assertTrue(m.contains("missing field 'arms.too_high'"), m);
    m = fails(GOOD.replace("final_lr: 0", "final_lr: null"));
    assertTrue(m.contains("missing field 'arms.linear_decay.final_lr'"), m);
  }

  @Test
  void unknownAndMistypedFieldsAreNamed() {
    String m = fails(GOOD.replace("eval_every: 100", "eval_every: 100\nevals_every: 50"));
    assertTrue(m.contains("unknown field 'evals_every'"), m);
    m = fails(GOOD.replace("{lr: 0.01}", "{lr: 0.01, scheduler: none}"));
    assertTrue(m.contains("unknown field 'arms.too_high.scheduler'"), m);
    m = fails(GOOD.replace("seeds: [1, 2, 3]", "seeds: three"));
    assertTrue(m.contains("'seeds'"), m);
    m = fails(GOOD.replace("{lr: 0.01}", "{lr: -0.01}"));
    assertTrue(m.contains("'arms.too_high.lr' must be a positive number"), m);
    m = fails(GOOD.replace("context: 64}", "context: 64, depth: 3}"));
    assertTrue(m.contains("run") && m.contains("depth"), m);
  }

  @Test
  void contradictoryFieldsAreNamed() {
    String m = fails(GOOD.replace("checkpoint_every: 100", "checkpoint_every: 300"));
    assertTrue(m.contains("'checkpoint_every' (300) is more than 'arms.agent.every' (100)"), m);
    m = fails(GOOD.replace("final_lr: 0", "final_lr: 0.005"));
    assertTrue(m.contains("'arms.linear_decay.final_lr'"), m);
    m = fails(GOOD.replace("steps: 300", "steps: 1200"));
    assertTrue(m.contains("'pretrain.steps' (1200) must be below 'steps'"), m);
    m = fails(GOOD.replace("steps: 300", "steps: 250"));
    assertTrue(m.contains("'pretrain.steps' (250) is not a multiple of 'checkpoint_every'"), m);
    m = fails(GOOD.replace("seeds: [1]}", "seeds: [7]}"));
    assertTrue(m.contains("'arms.sweep.seeds' has 7"), m);
    m = fails(GOOD.replace("seeds: [1, 2, 3]", "seeds: [1, 2, 1]"));
    assertTrue(m.contains("lists seed 1 twice"), m);
    m = fails(GOOD.replace("run:\n", "run:\n  lr: 0.001\n"));
    assertTrue(m.contains("'run.lr' contradicts the experiment"), m);
    m = fails(GOOD.replace("factor: 0.5", "factor: 2"));
    assertTrue(m.contains("'arms.plateau.factor'"), m);
    m = fails(GOOD.replace("policies: [rule, openai]", "policies: [openai]"));
    assertTrue(m.contains("'arms.agent.policies' must include rule"), m);
    m = fails(GOOD.replace("context: 64}", "context: 64}\n  knobs: {lr: {max: 0.005}}"));
    assertTrue(m.contains("'run.knobs.lr.max'"), m);
    m = fails(GOOD.replace("every: 100,", "every: 5000,"));
    assertTrue(m.contains("'arms.agent.every' (5000) is more than 'steps'"), m);
  }

  @Test
  void aGoalIsCheckedBeforeAnyTraining() throws Exception {
    String arms = "arms:\n";
    LrRecoveryConfig ok =
        parse(GOOD.replace(arms, "goal: {metric: eval_loss, deadline: 1200}\n" + arms));
    assertEquals("eval_loss", ok.goal().get("metric"));
    assertEquals(null, parse(GOOD).goal(), "optional");
    String m = fails(GOOD.replace(arms, "goal: {metric: accuracy}\n" + arms));
    assertTrue(m.contains("goal.metric") && m.contains("no metric 'accuracy'"), m);
    m = fails(GOOD.replace(arms, "goal: {metric: eval_loss, deadline: 200}\n" + arms));
    assertTrue(m.contains("goal.deadline (200) must lie after the pretraining (300)"), m);
    m = fails(GOOD.replace(arms, "goal: {metric: eval_loss, deadline: 5000}\n" + arms));
    assertTrue(m.contains("at most at 'steps' (1200)"), m);
    m = fails(GOOD.replace(arms, "goal: {metric: eval_loss, patience: 0}\n" + arms));
    assertTrue(m.contains("goal.patience"), m);
    m = fails(GOOD.replace("run:\n", "run:\n  goal: {metric: eval_loss}\n"));
    assertTrue(m.contains("'run.goal' contradicts the experiment"), m);
  }
}
