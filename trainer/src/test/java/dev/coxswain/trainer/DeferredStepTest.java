package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.metric.StepProfile;
import dev.coxswain.trainer.optim.AdamW;
import dev.coxswain.trainer.optim.Optimizer;
import dev.coxswain.trainer.optim.OptimizerChoice;
import dev.coxswain.trainer.optim.Sgd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step that decides clipping and skipping on the device and whose figures the host reads every
 * {@code read_every} steps: the same losses as the step that read them every step, a skipped step
 * that changes nothing, commands at the next step, every step published in order.
 */
class DeferredStepTest {
  private static final int STEPS = 12;

  @TempDir Path dir;

  /** The step as it was: the host reads loss and norm, then decides the clip and the skip. */
  private static List<Double> hostDecidedLosses(TrainerConfig config, int steps) {
    Workload w = Fixtures.tinyGpt(1);
    Block block = w.block();
    List<Double> losses = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      JniUtils.setGradMode(false); // as the run does: autograd records only in the collector
      Engine.getInstance().setRandomSeed((int) config.seed());
      block.initialize(manager, DataType.FLOAT32, w.inputShapes());
      ParameterStore store = new ParameterStore(manager, false);
      List<Pair<String, Parameter>> trainable = new ArrayList<>();
      for (Pair<String, Parameter> p : block.getParameters()) {
        if (p.getValue().requiresGradient()) {
          trainable.add(p);
          p.getValue().getArray().setRequiresGradient(true);
        }
      }
      Optimizer opt = config.optimizer().create(manager);
      Knobs knobs = Knobs.of(config.optimizer().knobs(config.lr()));
      config.knobOverrides().forEach(knobs::register);
      Knobs.Snapshot k = knobs.snapshot();
      for (long s = 1; s <= steps; s++) {
        try (NDScope scope = new NDScope();
            NDManager sm = manager.newSubManager()) {
          scope.suppressNotUsedWarning();
          Engine.getInstance().setRandomSeed((int) (config.seed() * 1_000_003L + s));
          Batch batch = w.data().trainBatch(sm, s);
          NDArray loss;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList out = block.forward(store, batch.data(), true);
            loss = w.loss().evaluate(batch.labels(), out);
            gc.backward(loss);
          }
          List<Optimizer.Slot> slots = new ArrayList<>();
          double sum = 0;
          for (Pair<String, Parameter> p : trainable) {
            NDArray a = p.getValue().getArray();
            slots.add(new Optimizer.Slot(p.getKey(), a, a.getGradient()));
            double n = a.getGradient().norm().getFloat();
            sum += n * n;
          }
          double norm = Math.sqrt(sum);
          double l = loss.getFloat();
          losses.add(l);
          double max = k.get("max_grad_norm");
          double clip = max > 0 && norm > max ? max / (norm + 1e-6) : 1;
          opt.update(slots, k, clip, false);
          for (Optimizer.Slot slot : slots) {
            JniUtils.zeroGrad((PtNDArray) slot.weight());
          }
        }
      }
      opt.clear();
    }
    return losses;
  }

  private List<Event> train(TrainerConfig config, Recorder rec) throws Exception {
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), config)
            .optRunDir(dir.resolve(config.runId() + config.readEvery()))
            .optSink(rec)
            .build()) {
      t.run();
    }
    return rec.of(EventType.METRICS);
  }

  private static double loss(Event e) {
    return ((Number) e.payload().get("loss")).doubleValue();
  }

  @Test
  void theDeferredStepGivesTheLossesOfTheHostDecidedStep() throws Exception {
    // max_grad_norm 0.5 clips most of these steps: the clip scale is the device's too
    TrainerConfig base = Fixtures.config(STEPS).optKnob(clipAt(0.5)).build();
    List<Double> host = hostDecidedLosses(base, STEPS);
    for (int every : new int[] {1, 5}) {
      TrainerConfig c = Fixtures.config(STEPS).optKnob(clipAt(0.5)).optReadEvery(every).build();
      List<Event> m = train(c, new Recorder());
      assertEquals(STEPS, m.size());
      boolean clipped = false;
      for (int i = 0; i < STEPS; i++) {
        assertEquals(
            host.get(i), loss(m.get(i)), 1e-6, "step " + (i + 1) + ", read every " + every);
        clipped |= ((Number) m.get(i).payload().get("clip_scale")).doubleValue() < 1;
      }
      assertTrue(clipped, "some step was clipped");
    }
  }

  private static dev.coxswain.protocol.Knob clipAt(double v) {
    return OptimizerChoice.DEFAULT.knobs(3e-3).stream()
        .filter(k -> k.name().equals("max_grad_norm"))
        .findFirst()
        .orElseThrow()
        .withValue(v);
  }

  @Test
  void aNonFiniteStepLeavesWeightsAndAdamWStateBitIdenticalBeforeTheHostHasReadIt()
      throws Exception {
    assertSkippedStepChangesNothing(Fixtures.config(8).optReadEvery(4).build());
  }

  @Test
  void aNonFiniteStepLeavesWeightsAndSgdVelocityBitIdentical() throws Exception {
    assertSkippedStepChangesNothing(
        Fixtures.config(8).optReadEvery(4).optOptimizer(OptimizerChoice.sgd(0.9, true)).build());
  }

  private static void assertSkippedStepChangesNothing(TrainerConfig c) {
    TrainerControlTest.PoisonableLoss loss = new TrainerControlTest.PoisonableLoss();
    Knobs.Snapshot k = Knobs.of(c.optimizer().knobs(c.lr())).snapshot();
    try (Learner l = new Learner(Fixtures.tinyGpt(1, loss), c, new StepProfile())) {
      JniUtils.setGradMode(false);
      StepReadback read = new StepReadback(c.readEvery(), l);
      for (long s = 1; s <= 3; s++) {
        read.add(l.step(s, k));
      }
      Map<String, float[]> weights = l.weights();
      Map<String, float[][]> state = state(l.optimizer(), weights.keySet());
      long updates = l.optimizerUpdates();
      loss.poison.set(true);
      read.add(l.step(4, k)); // not read yet: the device alone decided to skip it
      Map<String, float[]> after = l.weights();
      Map<String, float[][]> stateAfter = state(l.optimizer(), weights.keySet());
      weights.forEach((n, w) -> assertArrayEquals(w, after.get(n), 0f, n + " changed"));
      state.forEach(
          (n, s) -> {
            for (int i = 0; i < s.length; i++) {
              assertArrayEquals(s[i], stateAfter.get(n)[i], 0f, n + " state " + i + " changed");
            }
          });
      List<StepResult> r = read.read();
      assertEquals(List.of(true, true, true, false), r.stream().map(StepResult::finite).toList());
      assertEquals(updates, l.optimizerUpdates(), "the skipped step is not counted");
      read.add(l.step(5, k));
      assertTrue(read.read().get(0).finite(), "the next step trains");
      assertEquals(updates + 1, l.optimizerUpdates());
    }
  }

  private static Map<String, float[][]> state(Optimizer opt, Iterable<String> names) {
    Map<String, float[][]> out = new java.util.LinkedHashMap<>();
    for (String n : names) {
      if (opt instanceof AdamW a) {
        out.put(n, a.moments(n).orElseThrow());
      } else {
        out.put(n, new float[][] {((Sgd) opt).velocity(n).orElseThrow()});
      }
    }
    return out;
  }

  @Test
  void readingEveryFourStepsPublishesEveryStepInOrderAndACommandAppliesAtTheNextStep()
      throws Exception {
    List<Event> every = train(Fixtures.config(STEPS).build(), new Recorder());
    Recorder rec = new Recorder();
    AtomicReference<CompletableFuture<CommandResult>> sent = new AtomicReference<>();
    TrainerConfig c = Fixtures.config(STEPS).optReadEvery(4).build();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), c)
            .optRunDir(dir.resolve("four"))
            .optSink(rec)
            .build()) {
      // seen when step 2's figures are read (after step 4 ran): the next step is 5
      rec.at(2, e -> sent.set(t.submit(Command.of("set_knobs", Source.HUMAN, Map.of("lr", 1e-3)))));
      t.run();
    }
    CommandResult r = sent.get().get(60, TimeUnit.SECONDS);
    assertEquals(CommandStatus.APPLIED, r.status());
    assertEquals(5, r.step(), "applied at the step after those already run");
    List<Event> m = rec.of(EventType.METRICS);
    assertEquals(STEPS, m.size());
    for (int i = 0; i < STEPS; i++) {
      assertEquals(i + 1, m.get(i).step(), "in order, each stamped with its own step");
      double lr = ((Number) m.get(i).payload().get("lr")).doubleValue();
      assertEquals(i + 1 < 5 ? 3e-3 : 1e-3, lr, 1e-12, "lr of step " + (i + 1));
      if (i + 1 < 5) {
        assertEquals(loss(every.get(i)), loss(m.get(i)), 0.0, "the same step, read later");
      }
    }
  }

  @Test
  void aSkippedStepReadLaterIsReportedAtItsOwnStepAndTheRunTrainsOn() throws Exception {
    TrainerControlTest.PoisonableLoss loss = new TrainerControlTest.PoisonableLoss();
    Recorder rec = new Recorder();
    // step 2's figures are read after step 3 ran: the poison reaches step 4, decided on the device
    rec.at(2, e -> loss.poison.set(true));
    RunOutcome end;
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(
                Fixtures.tinyGpt(1, loss), Fixtures.config(9).optReadEvery(3).build())
            .optRunDir(dir.resolve("poison"))
            .optSink(rec)
            .build()) {
      end = t.run();
    }
    assertEquals(1, end.skippedSteps());
    List<Event> m = rec.of(EventType.METRICS);
    assertEquals(9, m.size());
    for (Event e : m) {
      assertEquals(e.step() == 4, e.payload().get("skipped"), "step " + e.step());
    }
    Event health = rec.of(EventType.HEALTH).get(0);
    assertEquals("nonfinite", health.payload().get("kind"));
    assertEquals(4, health.step());
    for (Event e : m.subList(4, 9)) {
      assertTrue(Double.isFinite(loss(e)), "step " + e.step() + " trains after the skipped one");
    }
  }
}
