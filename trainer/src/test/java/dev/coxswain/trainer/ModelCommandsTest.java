package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.optim.AdamW;
import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model commands against a real (tiny) DJL GPT: the tree, resets, dropout, refusals. */
class ModelCommandsTest {
  private static final String ATTN = "01block0_02attn_";

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  private static Command cmd(String type, Map<String, Object> args) {
    return Command.of(type, Source.HUMAN, args);
  }

  private static CommandResult result(CompletableFuture<CommandResult> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  private static CommandResult applied(CompletableFuture<CommandResult> f) throws Exception {
    CommandResult r = result(f);
    assertEquals(CommandStatus.APPLIED, r.status(), r.reason());
    return r;
  }

  private InteractiveTrainer trainer(Path runDir, long steps, Recorder rec) throws Exception {
    return InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(steps).build())
        .optRunDir(runDir)
        .optSink(rec)
        .build();
  }

  /** Starts the run and waits until it holds paused after {@code step}. */
  private Future<RunOutcome> startPausedAt(InteractiveTrainer t, Recorder rec, long step)
      throws Exception {
    rec.at(step, e -> t.submit(cmd("pause", Map.of())));
    Future<RunOutcome> run = pool.submit(t::run);
    rec.await(Recorder.status("paused"), 60);
    assertEquals(step, t.step());
    return run;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> module(InteractiveTrainer t, String path) {
    List<Map<String, Object>> modules = (List<Map<String, Object>>) t.model().get("modules");
    return modules.stream().filter(m -> path.equals(m.get("module"))).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static double dropout(InteractiveTrainer t) {
    List<Map<String, Object>> s =
        (List<Map<String, Object>>) module(t, "block0.drop").get("settable");
    return ((Number) s.get(0).get("value")).doubleValue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void theTreeListsEveryModuleWithItsParametersOperationsAndSettables() throws Exception {
    try (InteractiveTrainer t = trainer(dir, 1, new Recorder())) {
      Map<String, Object> tree = t.model();
      assertEquals(t.parameterCount(), ((Number) tree.get("parameter_count")).longValue());
      List<Map<String, Object>> modules = (List<Map<String, Object>>) tree.get("modules");
      assertEquals(
          List.of(
              "",
              "block0",
              "block0.ln1",
              "block0.attn",
              "block0.attn.qkv",
              "block0.attn.proj",
              "block0.ln2",
              "block0.fc",
              "block0.out",
              "block0.drop",
              "ln_f",
              "head"),
          modules.stream().map(m -> m.get("module")).toList());
      Map<String, Object> root = modules.get(0);
      assertEquals("CharGpt", root.get("type"));
      assertEquals(List.of(), root.get("operations"), "the whole model is not reset by name");
      Map<String, Object> qkv = module(t, "block0.attn.qkv");
      assertEquals("Linear", qkv.get("type"));
      assertEquals(List.of("reset"), qkv.get("operations"));
      List<Map<String, Object>> params = (List<Map<String, Object>>) qkv.get("parameters");
      assertEquals("weight", params.get(0).get("name"));
      assertArrayEquals(new long[] {96, 32}, (long[]) params.get(0).get("shape"));
      assertEquals(96L * 32, params.get(0).get("count"));
      assertEquals(96L * 32 + 96, qkv.get("parameter_count"));
      Map<String, Object> attn = module(t, "block0.attn");
      assertEquals("CausalSelfAttention", attn.get("type"));
      assertEquals(List.of(), attn.get("parameters"), "its parameters are its children's");
      assertEquals(96L * 32 + 96 + 32L * 32 + 32, attn.get("parameter_count"));
      Map<String, Object> drop = module(t, "block0.drop");
      assertEquals(List.of(), drop.get("operations"), "nothing to reset");
      Map<String, Object> p = ((List<Map<String, Object>>) drop.get("settable")).get(0);
      assertEquals("p", p.get("param"));
      assertEquals("double", p.get("type"));
      assertEquals(0.0, p.get("value"));
      assertEquals(0.0, p.get("min"));
      assertEquals(0.9, p.get("max"));
      assertEquals(List.of(), qkv.get("settable"));
      Map<String, Object> eps =
          ((List<Map<String, Object>>) module(t, "ln_f").get("settable")).get(0);
      assertEquals("SettableLayerNorm", module(t, "ln_f").get("type"));
      assertEquals("eps", eps.get("param"));
      assertEquals(1e-5, eps.get("value"));
      assertEquals(1e-12, eps.get("min"));
    }
  }

  @Test
  void aLayerNormsEpsIsSetWithinItsBoundsAndActsInEvaluationToo() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t = trainer(dir, 4, rec)) {
      Future<RunOutcome> run = startPausedAt(t, rec, 2);
      double before =
          ((Number) applied(t.submit(cmd("evaluate", Map.of()))).detail().get("eval_loss"))
              .doubleValue();
      CommandResult set =
          applied(
              t.submit(
                  cmd(
                      "set_module_param",
                      Map.of("module", "ln_f", "param", "eps", "value", 1e-2))));
      assertEquals(1e-2, set.detail().get("to"));
      double after =
          ((Number) applied(t.submit(cmd("evaluate", Map.of()))).detail().get("eval_loss"))
              .doubleValue();
      assertNotEquals(before, after, "eps is read by evaluation as well");
      CommandResult zero =
          result(
              t.submit(
                  cmd("set_module_param", Map.of("module", "ln_f", "param", "eps", "value", 0))));
      assertEquals(CommandStatus.REJECTED, zero.status());
      assertTrue(
          zero.reason().contains("ln_f eps = 0.0 is out of bounds [1.0E-12, 0.01]"), zero.reason());
      applied(t.submit(cmd("resume", Map.of())));
      assertEquals("finished", run.get(120, TimeUnit.SECONDS).status());
    }
  }

  private record Paused(Map<String, float[]> before, Map<String, float[]> after, Path opt) {}

  /** Pauses after step 5, optionally resets a module, saves a checkpoint and finishes the run. */
  private Paused pauseAt5(Path runDir, String reset) throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t = trainer(runDir, 8, rec)) {
      Future<RunOutcome> run = startPausedAt(t, rec, 5);
      Map<String, float[]> before = t.weights();
      if (reset != null) {
        CommandResult r = applied(t.submit(cmd("reset_module", Map.of("module", reset))));
        assertEquals(6, r.step());
        assertEquals(reset, r.detail().get("module"));
      }
      Map<String, float[]> after = t.weights();
      applied(t.submit(cmd("save_checkpoint", Map.of("tag", "at5"))));
      applied(t.submit(cmd("resume", Map.of())));
      RunOutcome end = run.get(120, TimeUnit.SECONDS);
      assertEquals("finished", end.status(), "training goes on after the reset");
      assertEquals(8, end.step());
      assertTrue(Double.isFinite(end.trainLoss()));
      return new Paused(before, after, runDir.resolve("checkpoints/main/5/optimizer.bin"));
    }
  }

  @Test
  void resetModuleChangesExactlyThatModulesParametersAndOptimizerState() throws Exception {
    Paused plain = pauseAt5(dir.resolve("plain"), null);
    Paused reset = pauseAt5(dir.resolve("reset"), "block0.attn");
    Paused again = pauseAt5(dir.resolve("again"), "block0.attn");
    int changed = 0;
    try (NDManager m = NDManager.newBaseManager()) {
      AdamW plainState = new AdamW(m);
      AdamW resetState = new AdamW(m);
      try (DataInputStream in = new DataInputStream(Files.newInputStream(plain.opt()))) {
        plainState.load(in);
      }
      try (DataInputStream in = new DataInputStream(Files.newInputStream(reset.opt()))) {
        resetState.load(in);
      }
      assertEquals(plainState.updates(), resetState.updates(), "t is the run's, not the module's");
      for (String name : plain.before().keySet()) {
        // the two runs are the same run up to the boundary
        assertArrayEquals(plain.before().get(name), reset.before().get(name), name);
        if (name.startsWith(ATTN)) {
          changed++;
          assertFalse(
              java.util.Arrays.equals(reset.before().get(name), reset.after().get(name)),
              name + " is re-initialized");
          assertArrayEquals(
              reset.after().get(name), again.after().get(name), name + ": the same draw again");
          assertTrue(resetState.moments(name).isEmpty(), name + " has no optimizer state");
          assertTrue(plainState.moments(name).isPresent());
        } else {
          assertArrayEquals(
              reset.before().get(name), reset.after().get(name), name + " is untouched");
          assertArrayEquals(
              plainState.moments(name).orElseThrow()[0],
              resetState.moments(name).orElseThrow()[0],
              name + "'s first moment is kept");
          assertArrayEquals(
              plainState.moments(name).orElseThrow()[1],
              resetState.moments(name).orElseThrow()[1],
              name + "'s second moment is kept");
        }
      }
      // LayerNorm-free Linear pair: qkv and proj, weight and bias each
      assertEquals(4, changed);
      // biases re-initialize to zeros, weights to a fresh normal draw
      float[] bias = reset.after().get(ATTN + "01qkv_bias");
      for (float b : bias) {
        assertEquals(0f, b);
      }
    }
  }

  @Test
  void dropoutChangesTrainingFromTheNextStepAndLeavesEvaluationUntouched() throws Exception {
    Recorder base = new Recorder();
    try (InteractiveTrainer t = trainer(dir.resolve("base"), 8, base)) {
      base.at(5, e -> t.submit(cmd("evaluate", Map.of())));
      pool.submit(t::run).get(120, TimeUnit.SECONDS);
    }
    Recorder drop = new Recorder();
    List<CompletableFuture<CommandResult>> results = new ArrayList<>();
    try (InteractiveTrainer t = trainer(dir.resolve("drop"), 8, drop)) {
      drop.at(
          5,
          e -> {
            results.add(
                t.submit(
                    cmd(
                        "set_module_param",
                        Map.of("module", "block0.drop", "param", "p", "value", 0.3))));
            results.add(t.submit(cmd("evaluate", Map.of())));
          });
      pool.submit(t::run).get(120, TimeUnit.SECONDS);
      CommandResult set = applied(results.get(0));
      assertEquals(6, set.step(), "from the next step");
      assertEquals(0.0, set.detail().get("from"));
      assertEquals(0.3, set.detail().get("to"));
      assertEquals(0.3, dropout(t), 1e-12);
    }
    Map<Long, Double> a = base.losses("main");
    Map<Long, Double> b = drop.losses("main");
    Recorder.assertSameLosses(a, b, 1, 5, "ran before the change");
    for (long s = 6; s <= 8; s++) {
      double moved = Math.abs(a.get(s) - b.get(s));
      assertTrue(moved > 100 * Recorder.SAME_LOSS, "step " + s + " trains with dropout: " + moved);
    }
    assertEquals(
        evalAt(base, 5),
        evalAt(drop, 5),
        Recorder.SAME_LOSS,
        "evaluation after the change drops nothing: same loss");
  }

  private static double evalAt(Recorder rec, long step) {
    return rec.of(EventType.EVAL).stream()
        .filter(e -> e.step() == step)
        .map(e -> ((Number) e.payload().get("eval_loss")).doubleValue())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aReplayFromACheckpointRestoresTheDropoutRateAndTheResetState() throws Exception {
    Recorder first = new Recorder();
    try (InteractiveTrainer t = trainer(dir, 20, first)) {
      first.at(
          3,
          e ->
              t.submit(
                  cmd(
                      "set_module_param",
                      Map.of("module", "block0.drop", "param", "p", "value", 0.2))));
      first.at(5, e -> t.submit(cmd("reset_module", Map.of("module", "block0.fc"))));
      first.at(8, e -> t.submit(cmd("save_checkpoint", Map.of("tag", "s8"))));
      first.at(
          12,
          e -> {
            t.submit(cmd("save_checkpoint", Map.of("tag", "s12")));
            t.submit(
                cmd(
                    "set_module_param",
                    Map.of("module", "block0.drop", "param", "p", "value", 0.0)));
          });
      pool.submit(t::run).get(120, TimeUnit.SECONDS);
    }
    Map<Long, Double> original = first.losses("main");
    assertEquals(20, original.size());

    // a fresh trainer of the same run loads step 8: p = 0.2 and fc's reset state come back with it
    Recorder second = new Recorder();
    try (InteractiveTrainer t = trainer(dir, 20, second)) {
      assertEquals(0.0, dropout(t), "a fresh model has no dropout");
      CompletableFuture<CommandResult> load =
          t.submit(cmd("load_checkpoint", Map.of("checkpoint", "s8", "branch", "replay")));
      pool.submit(t::run).get(120, TimeUnit.SECONDS);
      applied(load);
    }
    Map<Long, Double> replay = second.losses("replay");
    assertEquals(12, replay.size());
    for (long s = 9; s <= 12; s++) {
      // dropout at 0.2 draws the same masks: the step's seed, not the history, fixes them
      assertEquals(original.get(s), replay.get(s), 1e-5, "loss at step " + s);
    }
    assertNotEquals(
        original.get(13L), replay.get(13L), "the original turned dropout off after step 12");

    // resuming from step 12 (saved just before p went back to 0) restores p = 0.2; turning it
    // off as the original did gives the original's losses
    Recorder third = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(20).build())
            .optRunDir(dir)
            .optSink(third)
            .optResumeFrom("s12")
            .build()) {
      assertEquals(0.2, dropout(t), 1e-12, "the checkpoint's rate, not the fresh model's");
      CompletableFuture<CommandResult> off =
          t.submit(
              cmd("set_module_param", Map.of("module", "block0.drop", "param", "p", "value", 0.0)));
      pool.submit(t::run).get(120, TimeUnit.SECONDS);
      assertEquals(13, applied(off).step());
    }
    for (long s = 13; s <= 20; s++) {
      assertEquals(original.get(s), third.losses("main").get(s), 1e-5, "resumed loss at " + s);
    }
  }

  @Test
  void everyBadModelCommandIsRejectedWithItsReasonAndChangesNothing() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t = trainer(dir, 6, rec)) {
      Future<RunOutcome> run = startPausedAt(t, rec, 3);
      Map<String, float[]> weights = t.weights();
      Map<String, Object> tree = t.model();
      record Bad(String type, Map<String, Object> args, String words) {}
      List<Bad> bad =
          List.of(
              new Bad("reset_module", Map.of("module", "block9"), "no module 'block9'"),
              new Bad("reset_module", Map.of("module", "block0.drop"), "no parameters to reset"),
              new Bad("reset_module", Map.of("module", ""), "must not be empty"),
              new Bad(
                  "set_module_param",
                  Map.of("module", "nope", "param", "p", "value", 0.1),
                  "no module 'nope'; settable parameters: block0.ln1.eps, block0.ln2.eps, block0.drop.p"),
              new Bad(
                  "set_module_param",
                  Map.of("module", "head", "param", "p", "value", 0.1),
                  "'head' (Linear) has no settable parameters"),
              new Bad(
                  "set_module_param",
                  Map.of("module", "block0.drop", "param", "q", "value", 0.1),
                  "no settable parameter 'q'; it has: p"),
              new Bad(
                  "set_module_param",
                  Map.of("module", "block0.drop", "param", "p", "value", "high"),
                  "'value' must be a number, got string"),
              new Bad(
                  "set_module_param",
                  Map.of("module", "block0.drop", "param", "p", "value", 1.5),
                  "block0.drop p = 1.5 is out of bounds [0.0, 0.9]"),
              new Bad(
                  "set_module_param",
                  Map.of("module", "block0.drop", "param", "p", "value", -0.1),
                  "out of bounds"));
      for (Bad b : bad) {
        CommandResult r = result(t.submit(cmd(b.type(), b.args())));
        assertEquals(CommandStatus.REJECTED, r.status(), b.toString());
        assertTrue(r.reason().contains(b.words()), r.reason() + " should say " + b.words());
      }
      assertEquals(tree.toString(), t.model().toString(), "the tree and its values unchanged");
      weights.forEach((n, w) -> assertArrayEquals(w, t.weights().get(n), n + " unchanged"));
      applied(t.submit(cmd("resume", Map.of())));
      assertEquals("finished", run.get(120, TimeUnit.SECONDS).status(), "training goes on");
      assertEquals(6, t.step());
      long rejected =
          rec.of(EventType.COMMAND_RESULT).stream()
              .map(Event::payload)
              .filter(p -> "rejected".equals(p.get("status")))
              .count();
      assertEquals(bad.size(), rejected, "one result each");
    }
  }
}
