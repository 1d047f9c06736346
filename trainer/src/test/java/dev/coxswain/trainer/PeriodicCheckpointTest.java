package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.loop.StatePart;
import dev.coxswain.trainer.loop.StepFigures;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Periodic checkpoints and retention around non-finite steps, in Coxswain's loop and in a loop of
 * the user's own: a step whose update was skipped takes no periodic checkpoint, so retention (here
 * the newest one kept) cannot prune the last checkpoint from before the trouble while the trouble
 * lasts; the next healthy checkpoint prunes it as usual. A healthy run is checkpointed and pruned
 * at every scheduled step.
 */
class PeriodicCheckpointTest {
  @TempDir Path dir;

  private static final int STEPS = 10;

  private static TrainerConfig config() {
    return Fixtures.config(STEPS).optCheckpointEvery(2).optKeepCheckpoints(1).build();
  }

  /** Checkpoint steps, each with the ids its save pruned. */
  private static Map<Long, List<String>> checkpoints(Recorder rec) {
    Map<Long, List<String>> out = new TreeMap<>();
    for (Event e : rec.of(EventType.CHECKPOINT)) {
      Payload.Checkpoint c = (Payload.Checkpoint) e.body();
      out.put(e.step(), c.pruned() == null ? List.of() : c.pruned());
    }
    return out;
  }

  private static List<Long> nonFiniteSteps(Recorder rec) {
    return rec.of(EventType.HEALTH).stream()
        .filter(e -> "nonfinite".equals(((Payload.Health) e.body()).kind()))
        .map(Event::step)
        .toList();
  }

  private static final Map<Long, List<String>> SKIPPING_5_TO_8 =
      Map.of(2L, List.of(), 4L, List.of("main/2"), 10L, List.of("main/4"));

  private static final Map<Long, List<String>> HEALTHY =
      Map.of(
          2L,
          List.of(),
          4L,
          List.of("main/2"),
          6L,
          List.of("main/4"),
          8L,
          List.of("main/6"),
          10L,
          List.of("main/8"));

  private Recorder coxswainsLoop(boolean poisoned) throws Exception {
    Recorder rec = new Recorder();
    TrainerControlTest.PoisonableLoss loss = new TrainerControlTest.PoisonableLoss();
    if (poisoned) {
      for (long s = 4; s <= 7; s++) {
        rec.at(s, e -> loss.poison.set(true)); // steps 5 to 8 are NaN
      }
    }
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(3, loss), config())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      t.run();
    }
    return rec;
  }

  @Test
  void aSkippedStepTakesNoPeriodicCheckpointSoTheLastGoodOneOutlastsTheTrouble() throws Exception {
    Recorder rec = coxswainsLoop(true);
    assertEquals(List.of(5L, 6L, 7L, 8L), nonFiniteSteps(rec));
    assertEquals(SKIPPING_5_TO_8, checkpoints(rec), "none at 6 and 8; main/4 pruned only at 10");
  }

  @Test
  void aHealthyRunIsCheckpointedAndPrunedAtEveryScheduledStep() throws Exception {
    Recorder rec = coxswainsLoop(false);
    assertEquals(List.of(), nonFiniteSteps(rec));
    assertEquals(HEALTHY, checkpoints(rec));
  }

  private Recorder ownLoop(boolean poisoned) throws Exception {
    Recorder rec = new Recorder();
    byte[][] state = {{0}};
    OwnLoop loop =
        OwnLoop.builder("counter")
            .state(
                "state",
                new StatePart() {
                  @Override
                  public void save(OutputStream out) throws java.io.IOException {
                    out.write(state[0]);
                  }

                  @Override
                  public void restore(InputStream in) throws java.io.IOException {
                    state[0] = in.readAllBytes();
                  }
                })
            .loop(
                steer -> {
                  long n = 0;
                  do {
                    n++;
                  } while (steer.boundary(
                      StepFigures.loss(poisoned && n >= 5 && n <= 8 ? Double.NaN : 1.0 / n)));
                })
            .build();
    try (OwnLoopTrainer t =
        OwnLoopTrainer.builder(loop, config()).optRunDir(dir).optSink(rec).build()) {
      t.run();
    }
    return rec;
  }

  @Test
  void aLoopOfItsOwnFollowsTheSameRule() throws Exception {
    Recorder poisoned = ownLoop(true);
    assertEquals(SKIPPING_5_TO_8, checkpoints(poisoned));
  }

  @Test
  void aHealthyLoopOfItsOwnIsCheckpointedAtEveryScheduledStep() throws Exception {
    assertEquals(HEALTHY, checkpoints(ownLoop(false)));
  }
}
