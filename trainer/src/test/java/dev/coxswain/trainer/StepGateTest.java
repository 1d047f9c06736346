package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step gate holds training at each boundary until released; what is sent while it holds applies
 * at the next step, however long the hold: the step a slow follower's command lands at is fixed.
 */
class StepGateTest {
  @TempDir Path dir;

  @Test
  void aCommandSentWhileTheGateHoldsAppliesAtTheNextStep() throws Exception {
    Recorder rec = new Recorder();
    List<Long> held = new CopyOnWriteArrayList<>();
    CountDownLatch atThree = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(6).build())
            .optRunDir(dir)
            .optSink(rec)
            .optStepGate(
                step -> {
                  held.add(step);
                  if (step == 3) {
                    atThree.countDown();
                    assertTrue(release.await(60, TimeUnit.SECONDS), "released");
                  }
                })
            .build()) {
      Future<RunOutcome> run = pool.submit(t::run);
      assertTrue(atThree.await(60, TimeUnit.SECONDS), "held at step 3");
      // held: the run is still at step 3, and a command sent now has nowhere else to go
      assertEquals(3, t.step());
      CompletableFuture<CommandResult> sent =
          t.submit(Command.of("set_knobs", Source.AGENT, Map.of("lr", 1e-4)));
      assertEquals(3, t.step(), "no step while the gate holds");
      release.countDown();
      CommandResult r = sent.get(60, TimeUnit.SECONDS);
      assertTrue(r.isApplied(), r.toString());
      assertEquals(4, r.step(), "applies from the step after the hold");
      assertEquals("finished", run.get(120, TimeUnit.SECONDS).status());
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), held, "one hold before each boundary");
    List<Event> m = rec.of(EventType.METRICS);
    assertEquals(3e-3, lr(m.get(2)), 1e-12); // step 3: before
    assertEquals(1e-4, lr(m.get(3)), 1e-12); // step 4: the command's
  }

  @Test
  void noGateIsRefused() {
    NullPointerException e =
        assertThrows(
            NullPointerException.class,
            () ->
                InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(1).build())
                    .optStepGate(null));
    assertTrue(e.getMessage().contains("gate"), e.getMessage());
  }

  private static double lr(Event e) {
    return ((Number) e.payload().get("lr")).doubleValue();
  }
}
