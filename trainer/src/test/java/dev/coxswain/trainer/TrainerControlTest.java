package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control point, driven by real commands against a real (tiny) DJL GPT. */
class TrainerControlTest {
  @TempDir Path dir;
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  private static Command cmd(String type, Map<String, Object> args) {
    return Command.of(type, Source.HUMAN, args);
  }

  private Future<RunOutcome> start(InteractiveTrainer t) {
    return pool.submit(t::run);
  }

  private static CommandResult result(CompletableFuture<CommandResult> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  @Test
  void lrAtItsFloorLeavesWeightsUnchangedOnTheNextStep() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(50).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      rec.at(3, e -> t.submit(cmd("pause", Map.of())));
      Future<RunOutcome> run = start(t);
      rec.await(Recorder.status("paused"), 60);
      Map<String, float[]> before = t.weights();
      // lr is a log knob: its floor 1e-12 moves no float32 weight (0 is outside a log range)
      CommandResult r = result(t.submit(cmd("set_knobs", Map.of("lr", 1e-12))));
      assertEquals(CommandStatus.APPLIED, r.status());
      assertEquals(4, r.step());
      rec.at(4, e -> t.submit(cmd("pause", Map.of())));
      result(t.submit(cmd("resume", Map.of())));
      rec.await(
          e ->
              e.type() == EventType.STATUS
                  && "paused".equals(e.payload().get("status"))
                  && e.step() == 4,
          60);
      Map<String, float[]> after = t.weights();
      // AdamW's step is about lr per weight: 1e-12 leaves every weight within 1e-10 of itself
      before.forEach(
          (name, w) -> assertArrayEquals(w, after.get(name), 1e-10f, name + " moved at lr 1e-12"));
      Event step4 = rec.of(EventType.METRICS).get(3);
      assertEquals(1e-12, ((Number) step4.payload().get("lr")).doubleValue());
      assertTrue(
          ((Number) step4.payload().get("grad_norm")).doubleValue() > 0, "gradients were real");

      // and a positive learning rate moves them again
      result(t.submit(cmd("set_knobs", Map.of("lr", 1e-3))));
      rec.at(5, e -> t.submit(cmd("stop", Map.of())));
      result(t.submit(cmd("resume", Map.of())));
      assertEquals("stopped", run.get(60, TimeUnit.SECONDS).status());
      Map<String, float[]> moved = t.weights();
      String first = after.keySet().iterator().next();
      double most = 0;
      for (int i = 0; i < after.get(first).length; i++) {
        most = Math.max(most, Math.abs(after.get(first)[i] - moved.get(first)[i]));
      }
      assertTrue(most > 1e-5, "lr 1e-3 moved the weights by " + most);
    }
  }

  @Test
  void commandTakesEffectAtExactlyTheNextStepBoundary() throws Exception {
    Recorder rec = new Recorder();
    List<CompletableFuture<CommandResult>> results = new ArrayList<>();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(10).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      rec.at(
          5,
          e ->
              results.add(t.submit(cmd("set_knobs", Map.of("lr", 1.25e-3, "weight_decay", 0.05)))));
      rec.at(7, e -> results.add(t.submit(cmd("scale_knob", Map.of("knob", "lr", "factor", 2.0)))));
      assertEquals("finished", start(t).get(120, TimeUnit.SECONDS).status());
      CommandResult set = result(results.get(0));
      CommandResult scale = result(results.get(1));
      assertEquals(CommandStatus.APPLIED, set.status());
      assertEquals(6, set.step());
      assertEquals(8, scale.step());
      List<Event> m = rec.of(EventType.METRICS);
      assertEquals(3e-3, lr(m.get(4)), 1e-12); // step 5: before
      assertEquals(1.25e-3, lr(m.get(5)), 1e-12); // step 6: after
      assertEquals(1.25e-3, lr(m.get(6)), 1e-12); // step 7
      assertEquals(2.5e-3, lr(m.get(7)), 1e-12); // step 8: doubled
      // one knobs event per change, and exactly one result per command
      assertEquals(3, rec.of(EventType.KNOBS).size(), "the start table and one per change");
      assertTrue(rec.of(EventType.KNOBS).get(0).payload().containsKey("specs"));
      assertEquals(2, rec.of(EventType.COMMAND_RESULT).size());
      assertEquals(2, rec.of(EventType.COMMAND).size());
      assertEquals(
          0.05,
          t.knobs().stream()
              .filter(k -> k.name().equals("weight_decay"))
              .findFirst()
              .orElseThrow()
              .value());
    }
  }

  private static double lr(Event e) {
    return ((Number) e.payload().get("lr")).doubleValue();
  }

  @Test
  void pausedRunKeepsHandlingCommandsAndStopsWhilePaused() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(1000).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      rec.at(3, e -> t.submit(cmd("pause", Map.of())));
      Future<RunOutcome> run = start(t);
      rec.await(Recorder.status("paused"), 60);
      // while paused: commands are still handled, and no step runs
      CommandResult note = result(t.submit(cmd("note", Map.of("text", "looking at the curves"))));
      assertEquals(CommandStatus.APPLIED, note.status());
      CommandResult again = result(t.submit(cmd("pause", Map.of())));
      assertEquals(CommandStatus.REJECTED, again.status());
      assertTrue(again.reason().contains("already paused"));
      CommandResult lr = result(t.submit(cmd("set_knobs", Map.of("lr", 5e-4))));
      assertEquals(CommandStatus.APPLIED, lr.status());
      assertEquals(3, t.step());
      assertFalse(run.isDone());
      CommandResult stop = result(t.submit(cmd("stop", Map.of())));
      assertEquals(CommandStatus.APPLIED, stop.status());
      RunOutcome end = run.get(60, TimeUnit.SECONDS);
      assertEquals("stopped", end.status());
      assertEquals(3, end.step());
      assertEquals(3, rec.of(EventType.METRICS).size());
      // a command after the end still gets its one result: a rejection
      CommandResult late = result(t.submit(cmd("resume", Map.of())));
      assertEquals(CommandStatus.REJECTED, late.status());
      assertTrue(late.reason().contains("stopped"), late.reason());
    }
  }

  @Test
  void checkpointReplayInAFreshTrainerMatchesTheOriginalLosses() throws Exception {
    Recorder first = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(30).build())
            .optRunDir(dir)
            .optSink(first)
            .build()) {
      first.at(10, e -> t.submit(cmd("save_checkpoint", Map.of("tag", "s10"))));
      assertEquals("finished", start(t).get(120, TimeUnit.SECONDS).status());
    }
    Map<Long, Double> original = first.losses("main");

    // a fresh trainer and model (different random init) loads step 10 and forks a branch
    Recorder second = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(30).optSeed(99).build())
            .optRunDir(dir)
            .optSink(second)
            .build()) {
      CompletableFuture<CommandResult> load =
          t.submit(cmd("load_checkpoint", Map.of("checkpoint", "s10", "branch", "replay")));
      assertEquals("finished", start(t).get(120, TimeUnit.SECONDS).status());
      CommandResult r = result(load);
      assertEquals(CommandStatus.APPLIED, r.status(), r.reason());
      assertEquals(11, r.step());
    }
    Map<Long, Double> replay = second.losses("replay");
    assertEquals(20, replay.size());
    for (long s = 11; s <= 30; s++) {
      assertEquals(original.get(s), replay.get(s), 1e-5, "loss at step " + s);
    }
    assertTrue(second.losses("main").isEmpty(), "nothing trained before the load");

    // resuming (no fork) from the same checkpoint also reproduces them
    Recorder third = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(30).build())
            .optRunDir(dir)
            .optSink(third)
            .optResumeFrom("main/10")
            .build()) {
      assertEquals(10, t.step());
      t.run();
    }
    Map<Long, Double> resumed = third.losses("main");
    for (long s = 11; s <= 30; s++) {
      assertEquals(original.get(s), resumed.get(s), 1e-5, "resumed loss at step " + s);
    }
  }

  /** A loss that turns NaN once when poisoned, as a diverging step would. */
  static final class PoisonableLoss extends Loss {
    private final Loss inner = Loss.softmaxCrossEntropyLoss();
    final AtomicBoolean poison = new AtomicBoolean();

    PoisonableLoss() {
      super("poisonable");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      NDArray l = inner.evaluate(labels, predictions);
      return poison.getAndSet(false) ? l.mul(Float.NaN) : l;
    }
  }

  @Test
  void nonFiniteLossSkipsTheStepAndLeavesWeightsUntouched() throws Exception {
    Recorder rec = new Recorder();
    PoisonableLoss loss = new PoisonableLoss();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1, loss), Fixtures.config(8).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      rec.at(4, e -> t.submit(cmd("pause", Map.of())));
      Future<RunOutcome> run = start(t);
      rec.await(Recorder.status("paused"), 60);
      Map<String, float[]> before = t.weights();
      loss.poison.set(true);
      rec.at(5, e -> t.submit(cmd("pause", Map.of())));
      result(t.submit(cmd("resume", Map.of())));
      rec.await(
          e ->
              e.type() == EventType.STATUS
                  && "paused".equals(e.payload().get("status"))
                  && e.step() == 5,
          60);
      Map<String, float[]> after = t.weights();
      before.forEach(
          (name, w) -> assertArrayEquals(w, after.get(name), 0f, name + " changed on a NaN step"));
      result(t.submit(cmd("resume", Map.of())));
      RunOutcome end = run.get(60, TimeUnit.SECONDS);
      assertEquals(1, end.skippedSteps());
      Event m5 = rec.of(EventType.METRICS).get(4);
      assertEquals(Boolean.TRUE, m5.payload().get("skipped"));
      Event health = rec.of(EventType.HEALTH).get(0);
      assertEquals("nonfinite", health.payload().get("kind"));
      assertEquals(5, health.step());
      // the steps after it train normally: stale NaN gradients were zeroed
      for (Event e : rec.of(EventType.METRICS).subList(5, 8)) {
        assertEquals(Boolean.FALSE, e.payload().get("skipped"));
        assertTrue(Double.isFinite(((Number) e.payload().get("loss")).doubleValue()));
      }
      assertTrue(Double.isFinite(end.validationLoss()));
    }
  }

  @Test
  void loadingACheckpointForksANewBranchAndKeepsTheOldHistory() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1),
                Fixtures.config(20).optCheckpointEvery(5).optKeepCheckpoints(2).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      List<CompletableFuture<CommandResult>> r = new ArrayList<>();
      rec.at(12, e -> r.add(t.submit(cmd("load_checkpoint", Map.of("checkpoint", "main/10")))));
      RunOutcome end = start(t).get(120, TimeUnit.SECONDS);
      CommandResult load = result(r.get(0));
      assertEquals(CommandStatus.APPLIED, load.status(), load.reason());
      assertEquals("b1", load.detail().get("branch"));
      assertEquals("b1", end.branch());
      assertEquals(20, end.step());
      Event branch = rec.of(EventType.BRANCH).get(0);
      assertEquals("main", branch.payload().get("parent_branch"));
      assertEquals(12L, ((Number) branch.payload().get("left_at_step")).longValue());
      assertEquals(12, rec.losses("main").size(), "main keeps steps 1..12");
      assertEquals(
          List.of(11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L),
          new ArrayList<>(rec.losses("b1").keySet()));
      // the fork really continues from step 10's state: steps 11 and 12 repeat main's exactly
      assertEquals(rec.losses("main").get(11L), rec.losses("b1").get(11L), 1e-5);
      assertEquals(rec.losses("main").get(12L), rec.losses("b1").get(12L), 1e-5);
      // retention keeps the newest two periodic checkpoints per branch
      List<String> ids = t.checkpoints().stream().map(c -> c.id()).toList();
      assertEquals(List.of("b1/15", "b1/20", "main/5", "main/10"), ids);
    }
  }

  @Test
  void aCommandAfterALoadInTheSameBatchReportsTheForksStep() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1), Fixtures.config(16).optCheckpointEvery(5).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      List<CompletableFuture<CommandResult>> r = new ArrayList<>();
      rec.at(
          12,
          e -> {
            r.add(t.submit(cmd("load_checkpoint", Map.of("checkpoint", "main/10"))));
            r.add(t.submit(cmd("scale_knob", Map.of("knob", "lr", "factor", 0.5))));
          });
      start(t).get(120, TimeUnit.SECONDS);
      CommandResult load = result(r.get(0));
      CommandResult scale = result(r.get(1));
      assertEquals(CommandStatus.APPLIED, load.status(), load.reason());
      assertEquals(CommandStatus.APPLIED, scale.status(), scale.reason());
      assertEquals(11, load.step(), "the fork's first step");
      assertEquals(11, scale.step(), "applied from the fork's first step, not main's step 13");
    }
  }

  @Test
  void everyBadCommandIsRejectedWithItsReasonAndChangesNothing() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(100).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      rec.at(2, e -> t.submit(cmd("save_checkpoint", Map.of("tag", "good"))));
      rec.at(3, e -> t.submit(cmd("save_checkpoint", Map.of("tag", "broken"))));
      rec.at(4, e -> t.submit(cmd("pause", Map.of())));
      Future<RunOutcome> run = start(t);
      rec.await(Recorder.status("paused"), 60);
      // corrupt one checkpoint on disk
      Path params = dir.resolve("checkpoints/main/3/params.bin");
      byte[] bytes = Files.readAllBytes(params);
      bytes[bytes.length / 2] ^= 0x5a;
      Files.write(params, bytes);

      Map<String, float[]> weights = t.weights();
      var knobs = t.knobs();
      Map<String, Object> nan = new HashMap<>();
      nan.put("lr", Double.NaN);
      Map<String, Object> mixed = new LinkedHashMap<>();
      mixed.put("weight_decay", 0.2);
      mixed.put("lr", 50.0);
      Map<Command, String> bad = new LinkedHashMap<>();
      bad.put(cmd("warp_speed", Map.of()), "unknown command 'warp_speed'");
      bad.put(cmd("set_knobs", Map.of("lr", -1.0)), "out of bounds");
      bad.put(cmd("set_knobs", Map.of("lr", 100.0)), "out of bounds");
      bad.put(cmd("set_knobs", mixed), "out of bounds");
      bad.put(cmd("set_knobs", Map.of("momentum", 0.9)), "unknown knob 'momentum'");
      bad.put(cmd("set_knobs", Map.of("lr", "fast")), "takes a number");
      bad.put(cmd("set_knobs", Map.of("lr", true)), "takes a number, got boolean");
      bad.put(cmd("set_knobs", Map.of("lr", 0.0)), "out of bounds");
      bad.put(cmd("set_knobs", nan), "must be finite");
      bad.put(cmd("set_knobs", Map.of()), "at least one knob");
      bad.put(cmd("scale_knob", Map.of("knob", "lr")), "'factor' is required");
      bad.put(cmd("scale_knob", Map.of("knob", "lr", "factor", 0.0)), "factor must be > 0");
      bad.put(cmd("scale_knob", Map.of("knob", "lr", "factor", 1e6)), "out of bounds");
      bad.put(
          cmd("scale_knob", Map.of("knob", "dropout", "factor", 2.0)), "unknown knob 'dropout'");
      bad.put(cmd("load_checkpoint", Map.of("checkpoint", "main/999")), "no checkpoint 'main/999'");
      bad.put(
          cmd("load_checkpoint", Map.of("checkpoint", "../../etc")), "checkpoint must be an id");
      bad.put(cmd("load_checkpoint", Map.of("checkpoint", "broken")), "corrupt");
      bad.put(
          cmd("load_checkpoint", Map.of("checkpoint", "good", "branch", "main")), "already exists");
      bad.put(cmd("save_checkpoint", Map.of("tag", "a/b")), "'tag' must be");
      bad.put(cmd("pause", Map.of("now", true)), "unexpected argument 'now'");
      bad.put(cmd("note", Map.of()), "'text' is required");
      bad.put(cmd("note", Map.of("text", "x".repeat(5000))), "at most");
      for (Map.Entry<Command, String> e : bad.entrySet()) {
        CommandResult r = result(t.submit(e.getKey()));
        assertEquals(
            CommandStatus.REJECTED,
            r.status(),
            e.getKey().type() + " " + e.getKey().args() + ": " + r);
        assertTrue(
            r.reason().contains(e.getValue()),
            "reason '" + r.reason() + "' should contain '" + e.getValue() + "'");
        assertEquals(e.getKey().id(), r.commandId());
      }
      assertEquals(knobs, t.knobs());
      assertEquals(4, t.step());
      assertEquals("main", t.branch());
      Map<String, float[]> now = t.weights();
      weights.forEach((name, w) -> assertArrayEquals(w, now.get(name), 0f, name));
      assertEquals(1, rec.of(EventType.KNOBS).size(), "only the start table");
      assertEquals(0, rec.of(EventType.BRANCH).size());

      // the good checkpoint still loads, and training goes on
      CommandResult ok = result(t.submit(cmd("load_checkpoint", Map.of("checkpoint", "good"))));
      assertEquals(CommandStatus.APPLIED, ok.status(), ok.reason());
      assertNotEquals("main", t.branch());
      result(t.submit(cmd("stop", Map.of())));
      assertEquals("stopped", run.get(60, TimeUnit.SECONDS).status());
    }
  }
}
