package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Goal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop tells its listeners in one order after every step: the metrics, the health check, an
 * evaluation (and the best checkpoint it may make), the periodic checkpoint. Readers of the log
 * rely on it: an evaluation's step has its metrics already, a checkpoint its evaluation.
 */
class TrainingLoopTest {
  @TempDir Path dir;

  private static final int STEPS = 12;
  private static final int EVAL_EVERY = 4;
  private static final int CHECKPOINT_EVERY = 6;

  @Test
  void everyStepPublishesThenEvaluatesThenCheckpoints() throws Exception {
    Recorder rec = new Recorder();
    TrainerConfig config =
        Fixtures.config(STEPS)
            .optEvalEvery(EVAL_EVERY)
            .optCheckpointEvery(CHECKPOINT_EVERY)
            .optCheckpointAtEnd(true)
            .optGoal(new Goal("eval_loss", null, null, (long) STEPS, 2, false))
            .build();
    TrainerControlTest.PoisonableLoss loss = new TrainerControlTest.PoisonableLoss();
    rec.at(2, e -> loss.poison.set(true)); // step 3's loss is NaN: a health event
    RunOutcome end;
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(3, loss), config)
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      end = t.run();
    }
    List<Event> events = rec.events();
    assertEquals(expected(improvedAt(events)), withoutHealth(events));
    assertEquals(List.of(3L), rec.of(EventType.HEALTH).stream().map(Event::step).toList());
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).type() == EventType.HEALTH) {
        Event before = events.get(i - 1);
        assertTrue(
            before.type() == EventType.METRICS || before.type() == EventType.HEALTH,
            "a health event follows its step's metrics: " + events.get(i));
        assertEquals(3, before.step());
      }
    }
    assertEquals(STEPS, end.step());
    assertEquals("finished", end.status());
    assertEquals(1, end.skippedSteps());
    assertTrue(Double.isFinite(end.initialValidationLoss()), "the baseline at step 0");
  }

  /** What the log must say, health events aside. */
  private static List<String> expected(Set<Long> improved) {
    List<String> out = new ArrayList<>(List.of("status@0", "knobs@0", "eval@0"));
    for (long s = 1; s <= STEPS; s++) {
      out.add("metrics@" + s);
      if (s % EVAL_EVERY == 0) {
        out.add("eval@" + s);
        if (improved.contains(s)) {
          out.add("checkpoint@" + s); // the best, at the boundary that scored it
        }
      }
      if (s % CHECKPOINT_EVERY == 0) {
        out.add("checkpoint@" + s);
      }
    }
    // the end: the last step was evaluated already; then the checkpoint at the end
    out.add("checkpoint@" + STEPS);
    out.add("status@" + STEPS);
    return out;
  }

  private static Set<Long> improvedAt(List<Event> events) {
    Set<Long> out = new HashSet<>();
    for (Event e : events) {
      if (e.type() == EventType.EVAL
          && e.payload().get("goal") instanceof Map<?, ?> goal
          && Boolean.TRUE.equals(goal.get("improved"))
          && e.step() > 0) {
        out.add(e.step());
      }
    }
    assertTrue(out.size() > 0, "a tiny model improves on its first evaluations");
    return out;
  }

  private static List<String> withoutHealth(List<Event> events) {
    return events.stream()
        .filter(e -> e.type() != EventType.HEALTH)
        .map(e -> e.type().wire() + "@" + e.step())
        .toList();
  }
}
