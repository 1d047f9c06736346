package dev.coxswain.examples.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.OwnLoopTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.control.OwnKnob;
import dev.coxswain.trainer.events.EventSink;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GAN in its own loop, hosted in-process: a checkpoint taken after {@code n_critic} changed
 * (and with the discriminator frozen across it) continues in a fresh run exactly as the original
 * did; a checkpoint whose knobs are not the run's is refused, naming the knob.
 */
class GanLoopTest {
  static final Path DATA =
      Path.of(System.getProperty("fashion.mnist", FashionMnistData.DEBIAN_DIR.toString()));
  static FashionMnistData train;
  static FashionMnistData val;

  @TempDir Path dir;

  @BeforeAll
  static void data() throws IOException {
    train = FashionMnistData.train(DATA, 512);
    val = FashionMnistData.test(DATA, 200);
  }

  static TrainerConfig config(long steps) {
    return TrainerConfig.builder()
        .optRunId("gan")
        .optMaxSteps(steps)
        .optSeed(7)
        .optEvalEvery(0)
        .optCheckpointEvery(0)
        .optCheckpointAtEnd(false)
        .build();
  }

  /** Keeps each step's named figures and acts on the training thread after a given step. */
  static final class Steps implements EventSink {
    final Map<Long, Map<String, Double>> figures = new TreeMap<>();
    final Map<Long, Consumer<Long>> at = new ConcurrentHashMap<>();

    @Override
    @SuppressWarnings("unchecked")
    public synchronized void accept(Event e) {
      if (e.type() == EventType.METRICS) {
        Map<String, Double> v = new TreeMap<>();
        ((Map<String, Number>) e.payload().get("values"))
            .forEach((k, n) -> v.put(k, n.doubleValue()));
        figures.put(e.step(), v);
        Consumer<Long> a = at.remove(e.step());
        if (a != null) {
          a.accept(e.step());
        }
      }
    }
  }

  static Command cmd(String type, Map<String, Object> args) {
    return Command.of(type, Source.HUMAN, args);
  }

  @Test
  void aCheckpointAfterChangingNCriticGivesTheSameLossesInAFreshRun() throws Exception {
    Steps first = new Steps();
    List<CompletableFuture<CommandResult>> sent = new ArrayList<>();
    RunOutcome end;
    try (GanLoop a = new GanLoop(train, val, 32, 7)) {
      OwnLoopTrainer t =
          OwnLoopTrainer.builder(a.loop(), config(16)).optRunDir(dir).optSink(first).build();
      first.at.put(4L, s -> sent.add(t.submit(cmd("set_knobs", Map.of("n_critic", 3)))));
      first.at.put(
          8L, s -> sent.add(t.submit(cmd("run_action", Map.of("action", "freeze_d", "steps", 3)))));
      first.at.put(10L, s -> sent.add(t.submit(cmd("save_checkpoint", Map.of("tag", "ten")))));
      end = t.run();
    }
    assertEquals("finished", end.status());
    for (CompletableFuture<CommandResult> f : sent) {
      assertEquals(CommandStatus.APPLIED, f.get(10, TimeUnit.SECONDS).status());
    }
    assertEquals(1.0, first.figures.get(4L).get("n_critic"));
    assertEquals(3.0, first.figures.get(5L).get("n_critic"), "applied at the next step");
    assertEquals(1.0, first.figures.get(10L).get("d_frozen"), "frozen over steps 9-11");
    assertEquals(0.0, first.figures.get(11L).get("d_frozen"));

    Steps second = new Steps();
    // another initialization: only what the checkpoint restores can make the steps agree
    try (GanLoop b = new GanLoop(train, val, 32, 1234)) {
      OwnLoopTrainer resumed =
          OwnLoopTrainer.builder(b.loop(), config(16))
              .optRunDir(dir)
              .optSink(second)
              .optResumeFrom("ten")
              .build();
      assertEquals("finished", resumed.run().status());
    }
    assertEquals(List.of(11L, 12L, 13L, 14L, 15L, 16L), List.copyOf(second.figures.keySet()));
    for (long s = 11; s <= 16; s++) {
      for (String f : List.of("loss_d", "loss_g", "n_critic", "d_frozen")) {
        assertEquals(
            first.figures.get(s).get(f),
            second.figures.get(s).get(f),
            1e-5,
            f + " at step " + s + " of the resumed run");
      }
    }
    // the discriminator's loss moved while it trained: the comparison is not of constants
    assertNotEquals(first.figures.get(12L).get("loss_d"), first.figures.get(16L).get("loss_d"));
  }

  @Test
  void aCheckpointWhoseKnobsDifferIsRefusedNamingTheKnob() throws Exception {
    // a run that no longer registers n_critic, from a checkpoint that holds it
    try (GanLoop a = new GanLoop(train, val, 32, 7)) {
      Steps steps = new Steps();
      OwnLoopTrainer t =
          OwnLoopTrainer.builder(a.loop(), config(2)).optRunDir(dir).optSink(steps).build();
      steps.at.put(2L, s -> t.submit(cmd("save_checkpoint", Map.of("tag", "two"))));
      t.run();
    }
    try (GanLoop b = new GanLoop(train, val, 32, 7)) {
      OwnLoop without = withoutKnob(b.loop(), "n_critic");
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  OwnLoopTrainer.builder(without, config(4))
                      .optRunDir(dir)
                      .optResumeFrom("two")
                      .build());
      assertTrue(
          e.getMessage().contains("holds knobs this run does not register: [n_critic]"),
          e.getMessage());
    }
  }

  // the same loop with one knob fewer
  private static OwnLoop withoutKnob(OwnLoop loop, String name) {
    OwnLoop.Builder b = OwnLoop.builder(loop.name());
    for (OwnKnob k : loop.knobs()) {
      if (!k.knob().name().equals(name)) {
        b.knob(k.knob(), k.setter());
      }
    }
    loop.actions().forEach(a -> b.action(a.spec(), a.handler()));
    loop.state().forEach(b::state);
    return b.evaluation(loop.evaluation()).loop(loop.body()).build();
  }
}
