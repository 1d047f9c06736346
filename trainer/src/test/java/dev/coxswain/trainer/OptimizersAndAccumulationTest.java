package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.data.CharCorpus;
import dev.coxswain.trainer.data.CharWindowSource;
import dev.coxswain.trainer.model.CharGpt;
import dev.coxswain.trainer.model.GptConfig;
import dev.coxswain.trainer.optim.OptimizerChoice;
import dev.coxswain.trainer.optim.ParamGroup;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SGD beside AdamW, parameter groups with their lr_mult knobs, and gradient accumulation, on the
 * real loop with a tiny GPT: each replays from a checkpoint, accumulation learns what the whole
 * batch teaches, and a group's knob moves its group only.
 */
class OptimizersAndAccumulationTest {
  private static final ParamGroup HEAD = new ParamGroup("head", List.of("head"), 1);
  private static final ParamGroup EMBEDDINGS =
      new ParamGroup("embeddings", List.of("tokens", "positions"), 0.5);

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  private static Command cmd(String type, Map<String, Object> args) {
    return Command.of(type, Source.HUMAN, args);
  }

  /** Trains 30 steps with a checkpoint at 10, then replays 11-30 from it in a fresh trainer. */
  private Map<Long, Double> assertReplays(
      String name, UnaryOperator<TrainerConfig.Builder> settings, Map<String, Object> atStep3)
      throws Exception {
    Path runDir = dir.resolve(name);
    Recorder first = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), settings.apply(Fixtures.config(30)).build())
            .optRunDir(runDir)
            .optSink(first)
            .build()) {
      if (!atStep3.isEmpty()) {
        first.at(3, e -> t.submit(cmd("set_knobs", atStep3)));
      }
      first.at(10, e -> t.submit(cmd("save_checkpoint", Map.of("tag", "s10"))));
      assertEquals("finished", pool.submit(t::run).get(120, TimeUnit.SECONDS).status());
    }
    Map<Long, Double> original = first.losses("main");

    // another seed: another initial model, knobs at their starting values until the load
    Recorder second = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1), settings.apply(Fixtures.config(30)).optSeed(99).build())
            .optRunDir(runDir)
            .optSink(second)
            .build()) {
      CompletableFuture<CommandResult> load =
          t.submit(cmd("load_checkpoint", Map.of("checkpoint", "s10", "branch", "replay")));
      assertEquals("finished", pool.submit(t::run).get(120, TimeUnit.SECONDS).status());
      CommandResult r = load.get(60, TimeUnit.SECONDS);
      assertEquals(CommandStatus.APPLIED, r.status(), r.reason());
    }
    Map<Long, Double> replay = second.losses("replay");
    assertEquals(20, replay.size());
    double worst = 0;
    for (long s = 11; s <= 30; s++) {
      assertEquals(original.get(s), replay.get(s), 1e-5, name + ": loss at step " + s);
      worst = Math.max(worst, Math.abs(original.get(s) - replay.get(s)));
    }
    System.out.printf("%s: replayed steps 11-30, largest loss difference %.3g%n", name, worst);
    return original;
  }

  @Test
  void sgdWithNesterovMomentumReplaysFromACheckpointAndTrainsDifferentlyFromAdamW()
      throws Exception {
    Map<Long, Double> nesterov =
        assertReplays(
            "sgd-nesterov",
            b -> b.optOptimizer(OptimizerChoice.sgd(0.9, true)).optLr(0.3),
            Map.of("momentum", 0.8));
    Map<Long, Double> heavyBall =
        assertReplays(
            "sgd-heavy-ball",
            b -> b.optOptimizer(OptimizerChoice.sgd(0.9, false)).optLr(0.3),
            Map.of());
    Map<Long, Double> adamw = assertReplays("adamw", b -> b, Map.of());
    assertTrue(nesterov.get(30L) < nesterov.get(1L), "SGD learns: " + nesterov);
    assertFalse(nesterov.equals(heavyBall), "Nesterov's momentum is not the heavy ball's");
    assertFalse(nesterov.equals(adamw), "SGD is not AdamW");
    assertEquals(nesterov.get(1L), adamw.get(1L), 1e-6, "the same model and batch at step 1");
  }

  @Test
  void sgdRegistersItsKnobsInsteadOfAdamWs() throws Exception {
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1),
                Fixtures.config(1).optOptimizer(OptimizerChoice.sgd(0.9, true)).build())
            .optRunDir(dir)
            .build()) {
      List<String> names = t.knobs().stream().map(Knob::name).toList();
      assertEquals(List.of("lr", "weight_decay", "max_grad_norm", "momentum"), names);
      assertEquals(0.9, t.knobs().get(3).value());
      assertTrue(t.knobs().get(0).description().contains("SGD (Nesterov)"));
    }
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(1).build())
            .optRunDir(dir)
            .build()) {
      assertEquals(
          List.of("lr", "weight_decay", "max_grad_norm", "beta1", "beta2", "eps"),
          t.knobs().stream().map(Knob::name).toList(),
          "AdamW by default, with the knobs it always had");
    }
  }

  @Test
  void parameterGroupsReplayWithTheirMultipliersKeptInCheckpoints() throws Exception {
    // lr_mult.head changes at step 3: the replay finds 0.25 in the checkpoint, or drifts
    assertReplays(
        "groups",
        b -> b.optParamGroup(HEAD).optParamGroup(EMBEDDINGS),
        Map.of("lr_mult.head", 0.25));
  }

  @Test
  void accumulationReplaysFromACheckpoint() throws Exception {
    assertReplays("accumulate", b -> b.optAccumulate(3), Map.of()); // 8 rows: 3 + 3 + 2
  }

  /** A tiny GPT with batches of 32 rows. */
  private static Workload batchOf32() {
    CharCorpus corpus = Fixtures.tinyCorpus();
    return Workload.builder()
        .setBlock(new CharGpt(new GptConfig(corpus.vocabSize(), Fixtures.CONTEXT, 1, 32, 2)))
        .setInputShape(new Shape(32, Fixtures.CONTEXT))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new CharWindowSource(corpus, 32, Fixtures.CONTEXT, 1, 2))
        .build();
  }

  private Map<Long, Double> train32(int accumulate, Map<String, float[]> weightsOut)
      throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                batchOf32(), Fixtures.config(6).optAccumulate(accumulate).build())
            .optRunDir(dir.resolve("acc" + accumulate))
            .optSink(rec)
            .build()) {
      t.run();
      weightsOut.putAll(t.weights());
    }
    return rec.losses("main");
  }

  @Test
  void fourMicroBatchesOfEightLearnWhatOneBatchOf32Teaches() throws Exception {
    Map<String, float[]> whole = new java.util.HashMap<>();
    Map<String, float[]> micro = new java.util.HashMap<>();
    Map<Long, Double> one = train32(1, whole);
    Map<Long, Double> four = train32(4, micro);
    double worst = 0;
    for (long s = 1; s <= 6; s++) {
      assertEquals(one.get(s), four.get(s), 1e-5, "loss of the whole step " + s);
      worst = Math.max(worst, Math.abs(one.get(s) - four.get(s)));
    }
    float worstWeight = 0;
    for (Map.Entry<String, float[]> e : whole.entrySet()) {
      float[] a = e.getValue();
      float[] b = micro.get(e.getKey());
      assertArrayEquals(a, b, 1e-4f, e.getKey());
      for (int i = 0; i < a.length; i++) {
        worstWeight = Math.max(worstWeight, Math.abs(a[i] - b[i]));
      }
    }
    System.out.printf(
        "4 x 8 against 32, 6 AdamW steps: largest loss difference %.3g, weight %.3g%n",
        worst, worstWeight);
  }

  /** Weights after steps 5 and 6 of a run with a head group; {@code atStep5} sent after step 5. */
  private List<Map<String, float[]>> headGroupRun(String name, Map<String, Object> atStep5)
      throws Exception {
    Recorder rec = new Recorder();
    List<Map<String, float[]>> out = new java.util.ArrayList<>();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1), Fixtures.config(6).optParamGroup(HEAD).build())
            .optRunDir(dir.resolve(name))
            .optSink(rec)
            .build()) {
      CompletableFuture<CompletableFuture<CommandResult>> sent = new CompletableFuture<>();
      rec.at(
          5,
          e -> {
            out.add(t.weights());
            sent.complete(atStep5.isEmpty() ? null : t.submit(cmd("set_knobs", atStep5)));
          });
      rec.at(6, e -> out.add(t.weights()));
      t.run();
      CompletableFuture<CommandResult> f = sent.get(10, TimeUnit.SECONDS);
      if (f != null) {
        CommandResult r = f.get(10, TimeUnit.SECONDS);
        assertEquals(CommandStatus.APPLIED, r.status(), r.reason());
        assertEquals(6, r.step(), "from the next step");
      }
    }
    return out;
  }

  @Test
  void aGroupsMultiplierAppliesAtTheNextStepToItsGroupOnly() throws Exception {
    List<Map<String, float[]>> plain = headGroupRun("plain", Map.of());
    List<Map<String, float[]>> frozen = headGroupRun("frozen", Map.of("lr_mult.head", 0.0));
    Map<String, float[]> before = frozen.get(0);
    Map<String, float[]> after = frozen.get(1);
    int heads = 0;
    for (String name : after.keySet()) {
      assertArrayEquals(plain.get(0).get(name), before.get(name), 0f, "step 5 alike: " + name);
      boolean inHead = name.contains("head");
      if (inHead) {
        heads++;
        assertArrayEquals(before.get(name), after.get(name), 0f, "lr_mult 0 froze " + name);
        assertFalse(
            java.util.Arrays.equals(plain.get(1).get(name), after.get(name)),
            "the plain run moved " + name);
      } else {
        assertArrayEquals(
            plain.get(1).get(name), after.get(name), 0f, "outside the group, as before: " + name);
      }
    }
    assertEquals(2, heads, "the head's weight and bias");
  }

  @Test
  void groupsThatMatchNothingOrTakeAnotherGroupsParametersAreRefusedAtBuild() {
    record Bad(List<ParamGroup> groups, String says) {}
    for (Bad bad :
        List.of(
            new Bad(
                List.of(new ParamGroup("emb", List.of("tok_emb*"), 1)),
                "group 'emb': 'tok_emb*' matches no module or parameter; the model's top level:"
                    + " tokens, positions, block0, ln_f, head"),
            new Bad(
                List.of(
                    new ParamGroup("blocks", List.of("block*"), 1),
                    new ParamGroup("attn", List.of("block0.attn"), 1)),
                "group 'attn': 'block0.attn' matches block0.attn.qkv.weight, which group 'blocks'"
                    + " matched already"),
            new Bad(
                List.of(new ParamGroup("drop", List.of("block0.drop"), 1)),
                "'block0.drop' matches no module or parameter with trainable values"),
            new Bad(
                List.of(HEAD, new ParamGroup("head", List.of("tokens"), 1)),
                "two groups are named 'head'"))) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  InteractiveTrainer.builder(
                          Fixtures.tinyGpt(1), groups(Fixtures.config(1), bad.groups()).build())
                      .optRunDir(dir)
                      .build());
      assertTrue(e.getMessage().contains(bad.says()), e.getMessage());
    }
  }

  private static TrainerConfig.Builder groups(TrainerConfig.Builder b, List<ParamGroup> groups) {
    groups.forEach(b::optParamGroup);
    return b;
  }

  @Test
  void badSettingsAreRefusedNamingTheValue() throws Exception {
    IllegalArgumentException zero =
        assertThrows(IllegalArgumentException.class, () -> Fixtures.config(1).optAccumulate(0));
    assertTrue(zero.getMessage().contains("got 0"), zero.getMessage());
    IllegalArgumentException name =
        assertThrows(IllegalArgumentException.class, () -> new OptimizerChoice("adam", 0, false));
    assertTrue(name.getMessage().contains("unknown optimizer 'adam'"), name.getMessage());
    for (double m : new double[] {1.0, -0.1, Double.NaN}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> OptimizerChoice.sgd(m, false));
      assertTrue(e.getMessage().contains("in [0, 1), got " + m), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> new ParamGroup("x", List.of("head"), 11));

    // more micro-batches than the batch has rows: the first step fails and says so
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(2).optAccumulate(9).build())
            .optRunDir(dir)
            .build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::run);
      assertTrue(e.getMessage().contains("accumulate 9 is above the batch size 8"), e.getMessage());
      assertEquals(0, t.step());
    }
  }

  @Test
  void aCheckpointOfAnotherOptimizerIsRefusedAndTheRunGoesOnAsIfItHadNotBeenAsked()
      throws Exception {
    Path runDir = dir.resolve("mixed");
    Recorder sgd = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1),
                Fixtures.config(5).optOptimizer(OptimizerChoice.sgd(0.9, false)).build())
            .optRunDir(runDir)
            .optSink(sgd)
            .build()) {
      sgd.at(5, e -> t.submit(cmd("save_checkpoint", Map.of("tag", "sgd"))));
      t.run();
    }

    Recorder plain = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(6).build())
            .optRunDir(dir.resolve("plain"))
            .optSink(plain)
            .build()) {
      t.run();
    }
    Recorder asked = new Recorder();
    CompletableFuture<CompletableFuture<CommandResult>> sent = new CompletableFuture<>();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(6).build())
            .optRunDir(runDir)
            .optSink(asked)
            .build()) {
      asked.at(
          3, e -> sent.complete(t.submit(cmd("load_checkpoint", Map.of("checkpoint", "sgd")))));
      assertEquals("finished", t.run().status());
    }
    CommandResult r = sent.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
    assertEquals(CommandStatus.REJECTED, r.status(), r.toString());
    assertTrue(r.reason().contains("not an AdamW state file"), r.reason());
    // the parameters the load had replaced were put back: the same losses as never asked
    assertEquals(plain.losses("main").keySet(), asked.losses("main").keySet());
    Recorder.assertSameLosses(plain.losses("main"), asked.losses("main"), 1, 6, "as never asked");
  }
}
