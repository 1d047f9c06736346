package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.control.ActionOutcome;
import dev.coxswain.trainer.loop.LoopEvaluation;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.loop.StatePart;
import dev.coxswain.trainer.loop.StepFigures;
import dev.coxswain.trainer.optim.OptimizerChoice;
import dev.coxswain.trainer.optim.ParamGroup;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loop of its own under the control point: a linear regression trained with DJL arrays, its
 * batches drawn from (seed, step), with knobs, an action, a state part and an evaluation.
 */
class OwnLoopTrainerTest {
  @TempDir Path dir;
  private final NDManager manager = NDManager.newBaseManager();

  @AfterEach
  void close() {
    manager.close();
  }

  /** y = x . (1, -2, 3, 0.5) + noise; SGD on the mean squared error, n_inner updates a step. */
  final class Regression {
    float[] w = new float[4];
    double lr;
    int inner;
    final boolean extraKnob;

    Regression(boolean extraKnob) {
      this.extraKnob = extraKnob;
    }

    OwnLoop loop() {
      OwnLoop.Builder b =
          OwnLoop.builder("regression")
              .knob(
                  Knob.real("lr")
                      .bounds(1e-4, 1)
                      .initial(0.05)
                      .log()
                      .role(Knob.LEARNING_RATE)
                      .build(),
                  v -> lr = v)
              .knob(Knob.integer("n_inner").bounds(1, 5).initial(1).build(), v -> inner = (int) v)
              .action(
                  new ActionSpec(
                      "jolt",
                      "multiply the weights by a factor",
                      true,
                      List.of(ActionSpec.Field.real("factor", 0, 10, "the factor"))),
                  (args, next) -> {
                    double f = (Double) args.get("factor");
                    if (f == 0) {
                      throw new IllegalStateException("a zero factor would erase the model");
                    }
                    for (int i = 0; i < w.length; i++) {
                      w[i] *= (float) f;
                    }
                    return ActionOutcome.applied(Map.of("factor", f));
                  })
              .state("weights", weights())
              .evaluation(step -> new LoopEvaluation.Result(mse(batch(999_999, 7)), Map.of()))
              .loop(
                  steer -> {
                    do {
                      float[][] xy = batch(steer.step(), steer.seed());
                      double loss = 0;
                      for (int k = 0; k < inner; k++) {
                        loss = sgd(xy);
                      }
                      if (!Double.isFinite(loss)) {
                        throw new IllegalStateException("diverged");
                      }
                    } while (steer.boundary(
                        StepFigures.loss(mse(batch(steer.step(), steer.seed()))).with("w0", w[0])));
                  });
      if (extraKnob) {
        b.knob(Knob.bool("ema").build(), v -> {});
      }
      return b.build();
    }

    StatePart weights() {
      return new StatePart() {
        @Override
        public void save(java.io.OutputStream out) throws IOException {
          DataOutputStream d = new DataOutputStream(out);
          for (float v : w) {
            d.writeFloat(v);
          }
          d.flush();
        }

        @Override
        public void restore(java.io.InputStream in) throws IOException {
          DataInputStream d = new DataInputStream(in);
          for (int i = 0; i < w.length; i++) {
            w[i] = d.readFloat();
          }
        }
      };
    }

    float[][] batch(long step, long seed) {
      SplittableRandom r = new SplittableRandom(seed * 1_000_003L + step);
      float[] x = new float[32 * 4];
      float[] y = new float[32];
      float[] truth = {1, -2, 3, 0.5f};
      for (int i = 0; i < 32; i++) {
        for (int j = 0; j < 4; j++) {
          x[i * 4 + j] = (float) r.nextGaussian();
          y[i] += x[i * 4 + j] * truth[j];
        }
        y[i] += (float) (0.1 * r.nextGaussian());
      }
      return new float[][] {x, y};
    }

    private NDArray residual(float[][] xy, NDManager m) {
      NDArray x = m.create(xy[0], new Shape(32, 4));
      return x.matMul(m.create(w, new Shape(4, 1))).reshape(32).sub(m.create(xy[1]));
    }

    double mse(float[][] xy) {
      try (NDManager m = manager.newSubManager()) {
        return residual(xy, m).square().mean().getFloat();
      }
    }

    double sgd(float[][] xy) {
      try (NDManager m = manager.newSubManager()) {
        NDArray x = m.create(xy[0], new Shape(32, 4));
        NDArray r = residual(xy, m);
        NDArray grad = x.transpose().matMul(r.reshape(32, 1)).reshape(4).mul(2.0 / 32);
        w = m.create(w).sub(grad.mul(lr)).toFloatArray();
        return r.square().mean().getFloat();
      }
    }
  }

  private static Command cmd(String type, Map<String, Object> args) {
    return Command.of(type, Source.HUMAN, args);
  }

  private static CommandResult result(CompletableFuture<CommandResult> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  private OwnLoopTrainer trainer(Regression reg, long steps, Recorder rec) throws IOException {
    return OwnLoopTrainer.builder(reg.loop(), Fixtures.config(steps).build())
        .optRunDir(dir)
        .optSink(rec)
        .build();
  }

  private static Future<RunOutcome> start(OwnLoopTrainer t) {
    CompletableFuture<RunOutcome> f = new CompletableFuture<>();
    Thread th =
        new Thread(
            () -> {
              try {
                f.complete(t.run());
              } catch (Throwable e) {
                f.completeExceptionally(e);
              }
            });
    th.start();
    return f;
  }

  @Test
  void knobsAndActionsApplyAtTheNextStepAndAFailingHandlerLeavesTheRunGoing() throws Exception {
    Recorder rec = new Recorder();
    Regression reg = new Regression(false);
    OwnLoopTrainer t = trainer(reg, 12, rec);
    List<CompletableFuture<CommandResult>> sent = new java.util.ArrayList<>();
    rec.at(3, e -> sent.add(t.submit(cmd("set_knobs", Map.of("lr", 0.2, "n_inner", 2)))));
    rec.at(5, e -> sent.add(t.submit(cmd("run_action", Map.of("action", "jolt", "factor", 0)))));
    rec.at(6, e -> sent.add(t.submit(cmd("run_action", Map.of("action", "jolt", "factor", 2)))));
    rec.at(7, e -> sent.add(t.submit(cmd("set_knobs", Map.of("n_inner", 9)))));
    rec.at(8, e -> sent.add(t.submit(cmd("reset_module", Map.of("module", "x")))));
    RunOutcome end = start(t).get(120, TimeUnit.SECONDS);
    assertEquals("finished", end.status());
    assertEquals(12, end.step());

    CommandResult set = result(sent.get(0));
    assertEquals(CommandStatus.APPLIED, set.status());
    assertEquals(4, set.step(), "applied from the step after the boundary");
    assertEquals(0.2, reg.lr, "the setter ran");
    assertEquals(2, reg.inner);
    var metrics = rec.of(EventType.METRICS);
    assertEquals(0.05, ((Number) metrics.get(2).payload().get("lr")).doubleValue());
    assertEquals(0.2, ((Number) metrics.get(3).payload().get("lr")).doubleValue());
    assertTrue(
        ((Map<?, ?>) metrics.get(3).payload().get("values")).containsKey("w0"),
        "the loop's named values are in its metrics");

    CommandResult failed = result(sent.get(1));
    assertEquals(CommandStatus.FAILED, failed.status());
    assertTrue(failed.reason().contains("a zero factor would erase the model"), failed.reason());
    assertEquals(CommandStatus.APPLIED, result(sent.get(2)).status());
    CommandResult bad = result(sent.get(3));
    assertEquals(CommandStatus.REJECTED, bad.status());
    assertTrue(bad.reason().contains("out of bounds [1.0, 5.0]"), bad.reason());
    assertEquals(2, reg.inner, "nothing changed");
    CommandResult tree = result(sent.get(4));
    assertEquals(CommandStatus.REJECTED, tree.status());
    assertTrue(tree.reason().contains("needs Coxswain's own loop"), tree.reason());
  }

  @Test
  void pauseHoldsAtTheBoundaryAndStopEndsTheLoop() throws Exception {
    Recorder rec = new Recorder();
    Regression reg = new Regression(false);
    OwnLoopTrainer t = trainer(reg, 1000, rec);
    rec.at(2, e -> t.submit(cmd("pause", Map.of())));
    Future<RunOutcome> run = start(t);
    rec.await(Recorder.status("paused"), 60);
    assertEquals(2, t.step());
    CommandResult eval = result(t.submit(cmd("evaluate", Map.of())));
    assertEquals(CommandStatus.APPLIED, eval.status(), "an evaluation runs while paused");
    assertEquals(2, t.step(), "no step while paused");
    assertEquals(CommandStatus.APPLIED, result(t.submit(cmd("stop", Map.of()))).status());
    RunOutcome end = run.get(60, TimeUnit.SECONDS);
    assertEquals("stopped", end.status());
    assertEquals(2, end.step());
    assertEquals(
        List.of(0L, 2L),
        rec.of(EventType.EVAL).stream().map(e -> e.step()).toList(),
        "the baseline before step 1 and the one asked for while paused (the last one is current)");
  }

  @Test
  void aCheckpointRestoredIntoAFreshRunGivesTheSameLossesAndKnobs() throws Exception {
    Recorder first = new Recorder();
    Regression a = new Regression(false);
    OwnLoopTrainer t = trainer(a, 20, first);
    List<CompletableFuture<CommandResult>> sent = new java.util.ArrayList<>();
    first.at(5, e -> sent.add(t.submit(cmd("set_knobs", Map.of("n_inner", 3, "lr", 0.02)))));
    first.at(10, e -> sent.add(t.submit(cmd("save_checkpoint", Map.of("tag", "ten")))));
    first.at(
        14,
        e ->
            sent.add(
                t.submit(cmd("load_checkpoint", Map.of("checkpoint", "ten", "branch", "retry")))));
    start(t).get(120, TimeUnit.SECONDS);
    assertEquals(CommandStatus.APPLIED, result(sent.get(1)).status());
    assertEquals(CommandStatus.APPLIED, result(sent.get(2)).status());
    Map<Long, Double> main = first.losses("main");
    Map<Long, Double> retry = first.losses("retry");
    for (long s = 11; s <= 14; s++) {
      assertEquals(main.get(s), retry.get(s), 1e-6, "retry replays main at step " + s);
    }

    Recorder second = new Recorder();
    Regression b = new Regression(false);
    OwnLoopTrainer resumed =
        OwnLoopTrainer.builder(b.loop(), Fixtures.config(20).build())
            .optRunDir(dir)
            .optSink(second)
            .optResumeFrom("ten")
            .build();
    assertEquals(3, b.inner, "the knob's setter had the checkpoint's value");
    assertEquals(0.02, b.lr);
    resumed.run();
    Map<Long, Double> again = second.losses("main");
    assertEquals(11L, again.keySet().iterator().next());
    for (long s = 11; s <= 14; s++) {
      assertEquals(main.get(s), again.get(s), 1e-6, "the resumed run replays step " + s);
    }

    Regression c = new Regression(true);
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                OwnLoopTrainer.builder(c.loop(), Fixtures.config(20).build())
                    .optRunDir(dir)
                    .optResumeFrom("ten")
                    .build());
    assertTrue(e.getMessage().contains("lacks knobs this run registers: [ema]"), e.getMessage());
    OwnLoopTrainer.builder(c.loop(), Fixtures.config(20).build())
        .optRunDir(dir)
        .optResumeFrom("ten")
        .optIgnoreKnobMismatch()
        .build();
    assertEquals(3, c.inner, "told to go on: the knobs it has are restored");
  }

  @Test
  void theOwnLoopSettingsOfCoxswainsLoopAreRefusedNotIgnored() {
    for (TrainerConfig.Builder b :
        List.of(
            Fixtures.config(2).optOptimizer(OptimizerChoice.sgd(0.9, false)),
            Fixtures.config(2).optParamGroup(new ParamGroup("g", List.of("w"), 1)),
            Fixtures.config(2).optAccumulate(2))) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  OwnLoopTrainer.builder(new Regression(false).loop(), b.build())
                      .optRunDir(dir)
                      .build());
      assertTrue(e.getMessage().contains("a loop of its own updates its weights"), e.getMessage());
    }
  }
}
