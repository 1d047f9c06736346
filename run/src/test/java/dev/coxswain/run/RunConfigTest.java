package dev.coxswain.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.optim.OptimizerChoice;
import dev.coxswain.trainer.optim.ParamGroup;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigTest {
  @TempDir Path dir;

  private Path yaml(String text) throws Exception {
    Path f = dir.resolve("run.yaml");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void readsEveryKeyAndFlagsWin() throws Exception {
    RunConfig c =
        RunConfig.load(
            yaml(
                """
        max_steps: 50
        seed: 3
        lr: 0.002
        eval_every: 10
        checkpoint_every: 25
        keep_checkpoints: 2
        spike: {factor: 3.0, window: 20}
        model: {layers: 1, embed: 32, heads: 2, context: 16}
        data: {corpus: some/where, holdout_every: 5, batch_size: 4, validation_batches: 2}
        knobs:
          lr: {min: 0.0001, max: 0.5}
          weight_decay: {value: 0.2}
        """));
    CharGptWorkload w = c.workload();
    assertEquals(Path.of("some/where"), w.corpus());
    assertEquals(1, w.layers());
    assertEquals(16, w.context());
    assertEquals(4, w.batchSize());
    TrainerConfig t = c.trainer("r1", null, null, null);
    assertEquals(50, t.maxSteps());
    assertEquals(0.002, t.lr());
    assertEquals(3, t.seed());
    assertEquals(10, t.evalEvery());
    assertEquals(3.0, t.spikeFactor());
    Knob lr =
        t.knobOverrides().stream().filter(k -> k.name().equals("lr")).findFirst().orElseThrow();
    assertEquals(0.5, lr.max());
    TrainerConfig flags = c.trainer("r1", 7L, 0.01, 9L);
    assertEquals(7, flags.maxSteps());
    assertEquals(0.01, flags.lr());
    assertEquals(9, flags.seed());
  }

  @Test
  void anEmptyFileMeansDefaults() throws Exception {
    RunConfig c = RunConfig.load(yaml(""));
    assertEquals(CharGptWorkload.defaults(), c.workload());
  }

  @Test
  void theTokenizerIsCharByDefaultGpt2OnRequestAndNothingElse() throws Exception {
    assertEquals("char", RunConfig.load(yaml("")).workload().tokenizer());
    assertEquals("gpt2", RunConfig.load(yaml("data: {tokenizer: gpt2}\n")).workload().tokenizer());
    RunConfig.ConfigException bad =
        assertThrows(
            RunConfig.ConfigException.class,
            () -> RunConfig.load(yaml("data: {tokenizer: bpe}\n")));
    assertTrue(bad.getMessage().contains("data.tokenizer"), bad.getMessage());
    assertTrue(bad.getMessage().contains("'bpe'"), bad.getMessage());
  }

  @Test
  void theGpt2SmallPresetIsGpt2SmallsShapeAndSizesBesideItWin() throws Exception {
    CharGptWorkload g = RunConfig.load(yaml("model: {preset: gpt2-small}\n")).workload();
    assertEquals(
        List.of(12, 768, 12, 1024, 8, "gpt2"),
        List.of(g.layers(), g.embed(), g.heads(), g.context(), g.batchSize(), g.tokenizer()));
    assertEquals(CharGptWorkload.defaults().corpus(), g.corpus());
    CharGptWorkload small =
        RunConfig.load(
                yaml(
                    "model: {preset: gpt2-small, layers: 2, embed: 64, heads: 4, context: 64}\n"
                        + "data: {batch_size: 4}\n"))
            .workload();
    assertEquals(
        List.of(2, 64, 4, 64, 4, "gpt2"),
        List.of(
            small.layers(),
            small.embed(),
            small.heads(),
            small.context(),
            small.batchSize(),
            small.tokenizer()));
    // the default stays the character-level model
    assertEquals(
        CharGptWorkload.defaults(), RunConfig.load(yaml("model: {preset: char}\n")).workload());
    RunConfig.ConfigException bad =
        assertThrows(
            RunConfig.ConfigException.class, () -> RunConfig.load(yaml("model: {preset: gpt3}\n")));
    assertTrue(bad.getMessage().contains("model.preset"), bad.getMessage());
    assertTrue(bad.getMessage().contains("'gpt3'"), bad.getMessage());
    assertTrue(bad.getMessage().contains("gpt2-small"), bad.getMessage());
  }

  @Test
  void namedSourcesMakeAMixtureOfTheCorpusDirectory() throws Exception {
    java.nio.file.Path corpus = dir.resolve("eras");
    java.nio.file.Files.createDirectories(corpus);
    for (String year : List.of("1850", "1860", "1870", "1950", "1960", "1970")) {
      java.nio.file.Files.writeString(
          corpus.resolve(year + ".txt"), ("the address of " + year + ". ").repeat(200));
    }
    RunConfig c =
        RunConfig.load(
            yaml(
                "model: {layers: 1, embed: 16, heads: 2, context: 8}\n"
                    + "data: {corpus: "
                    + corpus
                    + ", holdout_every: 3, batch_size: 4, validation_batches: 1,"
                    + " sources: {early: \"18*.txt\", late: \"19*.txt\"}, weights: {late: 0}}\n"));
    dev.coxswain.trainer.Workload w = c.workload().build(3);
    dev.coxswain.trainer.data.MixableSource m = (dev.coxswain.trainer.data.MixableSource) w.data();
    assertEquals(Map.of("early", 1.0, "late", 0.0), m.weights());
    assertEquals(2, w.data().validationBatches(), "one per source");
    RunConfig.ConfigException bpe =
        assertThrows(
            RunConfig.ConfigException.class,
            () -> RunConfig.load(yaml("data: {tokenizer: gpt2, sources: {a: \"x\"}}\n")));
    assertTrue(bpe.getMessage().contains("char tokenizer only"), bpe.getMessage());
  }

  @Test
  void aGoalIsReadAndItsShapeChecked() throws Exception {
    RunConfig c =
        RunConfig.load(
            yaml("goal: {metric: eval_loss, target: 1.4, deadline: 500, stop_early: true}\n"));
    dev.coxswain.protocol.Goal g = c.trainer("r", 600L, null, null).goal();
    assertEquals(new dev.coxswain.protocol.Goal("eval_loss", null, 1.4, 500L, null, true), g);
    RunConfig bad = RunConfig.load(yaml("goal: {metric: eval_loss, direction: down}\n"));
    RunConfig.ConfigException e =
        assertThrows(RunConfig.ConfigException.class, () -> bad.trainer("r", null, null, null));
    assertTrue(e.getMessage().contains("goal.direction"), e.getMessage());
    assertEquals(null, RunConfig.load(yaml("")).trainer("r", null, null, null).goal());
  }

  @Test
  void aFloorUnderTheAgentMustBePositiveAndWithinTheKnobsBounds() throws Exception {
    RunConfig good = RunConfig.load(yaml("knobs: {lr: {agent_floor: 1e-6}}\n"));
    good.trainer("r", null, null, null);
    assertEquals(1e-6, good.knobs().get("lr").agentFloor());
    assertEquals(
        Map.of("lr", Map.of("agent_floor", 1e-6)),
        good.toMap().get("knobs"),
        "kept in run.json, where the agent finds it on resume");
    for (String bad :
        List.of(
            "knobs: {lr: {agent_floor: 0}}\n",
            "knobs: {lr: {agent_floor: -1e-6}}\n",
            "knobs: {lr: {agent_floor: 11}}\n",
            "knobs: {lr: {max: 0.1, agent_floor: 0.2}}\n",
            "knobs: {weight_decay: {agent_floor: 2}}\n")) {
      RunConfig c = RunConfig.load(yaml(bad));
      RunConfig.ConfigException e =
          assertThrows(
              RunConfig.ConfigException.class, () -> c.trainer("r", null, null, null), bad);
      assertTrue(e.getMessage().contains(".agent_floor"), e.getMessage());
    }
  }

  @Test
  void theOptimizerGroupsAndAccumulationSurviveRunJsonForResume() throws Exception {
    RunConfig c =
        RunConfig.load(
            yaml(
                """
        optimizer: {name: sgd, momentum: 0.8}
        param_groups: [{name: head, match: head, lr_mult: 0.1}]
        accumulate: 4
        """));
    RunConfig back = RunConfig.fromMap(c.toMap());
    assertEquals(c, back);
    TrainerConfig t = back.trainer("r", null, null, null);
    assertEquals(OptimizerChoice.sgd(0.8, false), t.optimizer());
    assertEquals(List.of(new ParamGroup("head", List.of("head"), 0.1)), t.paramGroups());
    assertEquals(4, t.accumulate());
    TrainerConfig plain = RunConfig.load(yaml("")).trainer("r", null, null, null);
    assertEquals(OptimizerChoice.DEFAULT, plain.optimizer(), "AdamW unless the file says");
    assertEquals(1, plain.accumulate());
    assertTrue(plain.paramGroups().isEmpty());
  }

  @Test
  void readEveryReachesTheTrainerAndSurvivesRunJson() throws Exception {
    RunConfig c = RunConfig.load(yaml("read_every: 8\n"));
    assertEquals(c, RunConfig.fromMap(c.toMap()));
    assertEquals(8, c.trainer("r", null, null, null).readEvery());
    assertEquals(
        1, RunConfig.load(yaml("")).trainer("r", null, null, null).readEvery(), "the default");
    RunConfig zero = RunConfig.load(yaml("read_every: 0\n"));
    RunConfig.ConfigException e =
        assertThrows(RunConfig.ConfigException.class, () -> zero.trainer("r", null, null, null));
    assertTrue(e.getMessage().contains("read every must be >= 1"), e.getMessage());
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
  }

  @Test
  void mistakesAreNamed() throws Exception {
    RunConfig.ConfigException typo =
        assertThrows(RunConfig.ConfigException.class, () -> RunConfig.load(yaml("max_stepz: 5\n")));
    assertTrue(typo.getMessage().contains("unknown key 'max_stepz'"), typo.getMessage());
    RunConfig.ConfigException missing =
        assertThrows(
            RunConfig.ConfigException.class, () -> RunConfig.load(dir.resolve("nope.yaml")));
    assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    RunConfig.ConfigException type =
        assertThrows(
            RunConfig.ConfigException.class, () -> RunConfig.load(yaml("max_steps: lots\n")));
    assertTrue(type.getMessage().contains("run.yaml"), type.getMessage());
    RunConfig knob = RunConfig.load(yaml("knobs: {momentum: {value: 0.9}}\n"));
    RunConfig.ConfigException k =
        assertThrows(RunConfig.ConfigException.class, () -> knob.trainer("r", null, null, null));
    assertTrue(k.getMessage().contains("unknown knob 'momentum'"), k.getMessage());
    RunConfig bounds = RunConfig.load(yaml("lr: 2.0\nknobs: {lr: {max: 1.0}}\n"));
    RunConfig.ConfigException b =
        assertThrows(RunConfig.ConfigException.class, () -> bounds.trainer("r", null, null, null));
    assertTrue(b.getMessage().contains("out of bounds"), b.getMessage());
    RunConfig neg = RunConfig.load(yaml("eval_every: -1\n"));
    assertThrows(RunConfig.ConfigException.class, () -> neg.trainer("r", null, null, null));
  }
}
