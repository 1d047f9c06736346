package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Goal;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run's goal: checked against the workload, tracked at every evaluation, its best tagged. */
class GoalTest {
  @TempDir Path dir;

  private static final Goal LOWER_LOSS = new Goal("eval_loss", null, null, 60L, 2, false);

  private static CommandResult send(InteractiveTrainer t, Map<String, Object> args)
      throws Exception {
    return t.submit(Command.of("set_goal", Source.HUMAN, args)).get(30, TimeUnit.SECONDS);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> goalOf(Event eval) {
    return (Map<String, Object>) eval.payload().get("goal");
  }

  @Test
  void everyEvaluationReportsProgressAndTheBestWeightsAreTaggedBest() throws Exception {
    Recorder rec = new Recorder();
    TrainerConfig config = Fixtures.config(60).optEvalEvery(10).optGoal(LOWER_LOSS).build();
    List<CheckpointMeta> saved;
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), config)
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      t.run();
      saved = t.checkpoints();
    }
    List<Event> evals = rec.of(EventType.EVAL);
    assertEquals(7, evals.size(), "step 0 and every 10 steps");
    double best = Double.POSITIVE_INFINITY;
    long bestStep = -1;
    for (Event e : evals) {
      Map<String, Object> g = goalOf(e);
      assertEquals("eval_loss", g.get("metric"));
      assertEquals("minimize", g.get("direction"), "filled in from the metric");
      double v = ((Number) e.payload().get("eval_loss")).doubleValue();
      boolean improved = v < best;
      assertEquals(improved, g.get("improved"), "at step " + e.step());
      if (improved) {
        best = v;
        bestStep = e.step();
      }
      assertEquals(best, ((Number) g.get("best")).doubleValue(), 1e-12);
      assertEquals(60 - e.step(), ((Number) g.get("steps_left")).longValue());
      boolean tagged = saved.stream().anyMatch(m -> m.step() == e.step() && "best".equals(m.tag()));
      assertEquals(improved && e.step() > 0, tagged, "a best checkpoint at step " + e.step());
    }
    assertTrue(bestStep > 0, "training improved on the start");
    long newestBest =
        saved.stream()
            .filter(m -> "best".equals(m.tag()))
            .mapToLong(CheckpointMeta::step)
            .max()
            .orElseThrow();
    assertEquals(bestStep, newestBest, "'best' resolves to the best evaluation's weights");
  }

  @Test
  void aGoalThatCannotBeMetIsRefusedAndTheGoalInForceStays() throws Exception {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            InteractiveTrainer.builder(
                    Fixtures.tinyGpt(1),
                    Fixtures.config(60)
                        .optEvalEvery(10)
                        .optGoal(new Goal("accuracy", null, 0.9, null, null, false))
                        .build())
                .optRunDir(dir.resolve("refused"))
                .build(),
        "a start goal on a metric the workload does not report");
    Recorder rec = new Recorder();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1), Fixtures.config(100).optEvalEvery(10).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      rec.at(25, e -> t.submit(Command.of("pause", Source.HUMAN, Map.of())));
      Future<RunOutcome> run = pool.submit(t::run);
      rec.await(Recorder.status("paused"), 60);
      CommandResult none = send(t, Map.of("clear", true));
      assertEquals(CommandStatus.REJECTED, none.status());
      assertTrue(none.reason().contains("no goal"), none.reason());
      CommandResult ok = send(t, Map.of("metric", "eval_loss", "target", 0.5, "deadline", 90));
      assertEquals(CommandStatus.APPLIED, ok.status(), String.valueOf(ok.reason()));
      record Bad(Map<String, Object> args, String words) {}
      for (Bad b :
          List.of(
              new Bad(Map.of("metric", "accuracy"), "reports no metric 'accuracy'"),
              new Bad(Map.of("metric", "eval_loss", "deadline", 20), "in the past"),
              new Bad(Map.of("metric", "eval_loss", "deadline", 500), "after the run's last"),
              new Bad(Map.of("metric", "perplexity", "direction", "maximize"), "wrong way"))) {
        CommandResult r = send(t, b.args());
        assertEquals(CommandStatus.REJECTED, r.status(), b.toString());
        assertTrue(r.reason().contains(b.words()), r.reason() + " should say " + b.words());
      }
      t.submit(Command.of("resume", Source.HUMAN, Map.of())).get(30, TimeUnit.SECONDS);
      run.get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    List<Event> after = rec.of(EventType.EVAL).stream().filter(e -> e.step() > 25).toList();
    assertFalse(after.isEmpty());
    for (Event e : after) {
      Map<String, Object> g = goalOf(e);
      assertEquals(0.5, ((Number) g.get("target")).doubleValue(), "the accepted goal stays");
      assertEquals(90L, ((Number) g.get("deadline")).longValue());
    }
    assertTrue(
        rec.of(EventType.EVAL).stream()
            .filter(e -> e.step() <= 20)
            .allMatch(e -> goalOf(e) == null),
        "no goal before it was declared");
  }

  @Test
  void aResumedRunGoesOnWithItsGoalAndItsBestSoFar() throws Exception {
    TrainerConfig first =
        Fixtures.config(30)
            .optEvalEvery(10)
            .optCheckpointAtEnd(true)
            .optGoal(new Goal("perplexity", null, 1.0, null, null, false))
            .build();
    Recorder rec1 = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), first)
            .optRunDir(dir)
            .optSink(rec1)
            .build()) {
      t.run();
    }
    Map<String, Object> last =
        goalOf(rec1.of(EventType.EVAL).get(rec1.of(EventType.EVAL).size() - 1));
    Recorder rec2 = new Recorder();
    // the resumed trainer is given no goal: it comes from the checkpoint
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1), Fixtures.config(60).optEvalEvery(10).build())
            .optRunDir(dir)
            .optSink(rec2)
            .optResumeFrom("latest")
            .build()) {
      t.run();
    }
    Event firstAfter = rec2.of(EventType.EVAL).get(0);
    Map<String, Object> g = goalOf(firstAfter);
    assertEquals("perplexity", g.get("metric"));
    assertEquals(1.0, ((Number) g.get("target")).doubleValue());
    double v = ((Number) firstAfter.payload().get("perplexity")).doubleValue();
    double before = ((Number) last.get("best")).doubleValue();
    assertEquals(Math.min(v, before), ((Number) g.get("best")).doubleValue(), 1e-12);
  }
}
