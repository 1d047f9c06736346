package dev.coxswain.trainer.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.OwnLoopTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.events.EventSink;
import dev.coxswain.trainer.loop.OwnLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL's own {@code EasyTrain.fit} hosted through the adapter, on a tiny regression: each training
 * batch is a step, the learning rate is a live knob read at the next update, stop ends the fit, the
 * parameters go into checkpoints and come back in place.
 */
class TrainerAdapterTest {
  static final int BATCH = 32;
  static final int BATCHES_PER_EPOCH = 8;

  @TempDir Path dir;
  NDManager data;
  ArrayDataset train;
  ArrayDataset val;
  final List<Event> events = new ArrayList<>();
  final Map<Long, Consumer<Event>> atStep = new ConcurrentHashMap<>();
  final Map<Integer, Float> lrByUpdate = new ConcurrentHashMap<>();
  String resumeFrom;

  @BeforeEach
  void data() {
    data = NDManager.newBaseManager();
    // y = 3*x0 - 2*x1 + 0.5 on 320 random points; 64 held out
    NDArray x = data.randomUniform(-1, 1, new Shape(320, 2));
    NDArray y = x.matMul(data.create(new float[] {3f, -2f}, new Shape(2, 1))).add(0.5f);
    train = dataset(x.get(":256"), y.get(":256"));
    val = dataset(x.get("256:"), y.get("256:"));
  }

  @AfterEach
  void close() {
    data.close();
  }

  static ArrayDataset dataset(NDArray x, NDArray y) {
    return new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(BATCH, false).build();
  }

  EventSink sink() {
    return e -> {
      synchronized (events) {
        events.add(e);
      }
      if (e.type() == EventType.METRICS) {
        Consumer<Event> a = atStep.remove(e.step());
        if (a != null) {
          a.accept(e);
        }
      }
    };
  }

  List<Event> of(EventType t) {
    synchronized (events) {
      return events.stream().filter(e -> e.type() == t).toList();
    }
  }

  /** Trains a small MLP with SGD under the adapter; {@code spy} sees every learning-rate read. */
  RunOutcome run(TrainerConfig config, boolean withTracker, boolean withListener, Hook hook)
      throws Exception {
    TrainerAdapter coxswain = TrainerAdapter.learningRate(0.05);
    Tracker spy =
        update -> {
          float v = coxswain.tracker().getNewValue(update);
          lrByUpdate.put(update, v);
          return v;
        };
    DefaultTrainingConfig cfg =
        new DefaultTrainingConfig(Loss.l2Loss())
            .optOptimizer(
                Optimizer.sgd()
                    .setLearningRateTracker(withTracker ? spy : Tracker.fixed(0.05f))
                    .build());
    if (withListener) {
      cfg.addTrainingListeners(coxswain.listener());
    }
    try (Model model = Model.newInstance("tiny")) {
      model.setBlock(
          new SequentialBlock()
              .add(Linear.builder().setUnits(16).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(1).build()));
      try (Trainer trainer = model.newTrainer(cfg)) {
        trainer.initialize(new Shape(BATCH, 2));
        OwnLoop loop =
            coxswain.loop("tiny", trainer, val, () -> EasyTrain.fit(trainer, 3, train, val));
        OwnLoopTrainer.Builder b =
            OwnLoopTrainer.builder(loop, config).optRunDir(dir).optSink(sink());
        if (resumeFrom != null) {
          b.optResumeFrom(resumeFrom);
        }
        try (OwnLoopTrainer host = b.build()) {
          hook.accept(host);
          return host.run();
        }
      }
    }
  }

  interface Hook {
    void accept(OwnLoopTrainer host) throws Exception;
  }

  static TrainerConfig.Builder config(long steps) {
    return TrainerConfig.builder().optRunId("tiny").optMaxSteps(steps).optCheckpointAtEnd(false);
  }

  static Command cmd(String type, Map<String, Object> args) {
    return Command.of(type, Source.HUMAN, args);
  }

  static CommandResult done(CompletableFuture<CommandResult> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  @Test
  void aLearningRateSetAtStep3IsReadByTheUpdateOfStep4() throws Exception {
    List<CompletableFuture<CommandResult>> sent = new ArrayList<>();
    RunOutcome end =
        run(
            config(6).build(),
            true,
            true,
            host ->
                atStep.put(3L, e -> sent.add(host.submit(cmd("set_knobs", Map.of("lr", 0.01))))));
    assertEquals("finished", end.status());
    assertEquals(6, end.step());
    CommandResult r = done(sent.get(0));
    assertEquals(CommandStatus.APPLIED, r.status(), r.toString());
    assertEquals(4, r.step(), "applied from the step after the boundary");
    // the optimizer's update k is batch k's: 1-3 at the old rate, 4 onwards at the new one
    for (int k = 1; k <= 3; k++) {
      assertEquals(0.05f, lrByUpdate.get(k), 1e-9, "update " + k);
    }
    for (int k = 4; k <= 6; k++) {
      assertEquals(0.01f, lrByUpdate.get(k), 1e-9, "update " + k);
    }
    List<Event> m = of(EventType.METRICS);
    assertEquals(6, m.size(), "one metrics event per training batch");
    assertEquals(0.05, ((Number) m.get(2).payload().get("lr")).doubleValue(), 1e-12);
    assertEquals(0.01, ((Number) m.get(3).payload().get("lr")).doubleValue(), 1e-12);
    for (Event e : m) {
      double loss = ((Number) e.payload().get("loss")).doubleValue();
      assertTrue(Double.isFinite(loss) && loss > 0, "the batch's loss: " + loss);
    }
  }

  @Test
  void fitRunsItsEpochsAndEveryBatchIsAStep() throws Exception {
    RunOutcome end = run(config(1000).optEvalEvery(8).build(), true, true, host -> {});
    assertEquals("finished", end.status());
    assertEquals(3 * BATCHES_PER_EPOCH, end.step(), "three epochs of eight batches");
    List<Event> evals = of(EventType.EVAL);
    assertEquals(
        List.of(0L, 8L, 16L, 24L),
        evals.stream().map(Event::step).toList(),
        "a baseline, then every 8 batches; the last one is the end's");
    double first = evalLoss(0);
    double last = evalLoss(3);
    assertTrue(last < first, "the validation loss falls: " + first + " -> " + last);
    assertEquals(first, end.initialValidationLoss(), 1e-12);
    assertEquals(last, end.validationLoss(), 1e-12);
  }

  @Test
  void stopEndsTheFitCleanly() throws Exception {
    List<CompletableFuture<CommandResult>> sent = new ArrayList<>();
    RunOutcome end =
        run(
            config(1000).build(),
            true,
            true,
            host -> atStep.put(5L, e -> sent.add(host.submit(cmd("stop", Map.of())))));
    assertEquals("stopped", end.status());
    assertEquals(5, end.step());
    assertEquals(CommandStatus.APPLIED, done(sent.get(0)).status());
    assertEquals(5, of(EventType.METRICS).size(), "no batch after the stop");
    assertEquals(5, lrByUpdate.size(), "the batch in flight at the stop is not applied");
    List<Event> evals = of(EventType.EVAL);
    assertEquals(List.of(0L, 5L), evals.stream().map(Event::step).toList(), "baseline and end");
    assertEquals(evalLoss(1), end.validationLoss(), 1e-12);
  }

  @Test
  void aLoadedCheckpointIsWhatTheTrainerTrains() throws Exception {
    List<CompletableFuture<CommandResult>> sent = new ArrayList<>();
    RunOutcome end =
        run(
            config(12).optEvalEvery(2).optCheckpointAtEnd(true).build(),
            true,
            true,
            host -> {
              atStep.put(
                  2L, e -> sent.add(host.submit(cmd("save_checkpoint", Map.of("tag", "two")))));
              atStep.put(
                  6L,
                  e -> {
                    sent.add(host.submit(cmd("load_checkpoint", Map.of("checkpoint", "two"))));
                    sent.add(host.submit(cmd("evaluate", Map.of())));
                    // the first step after the load, on branch b1
                    atStep.put(
                        3L,
                        e3 ->
                            sent.add(host.submit(cmd("save_checkpoint", Map.of("tag", "three")))));
                  });
            });
    assertEquals("finished", end.status());
    for (CompletableFuture<CommandResult> f : sent) {
      assertEquals(CommandStatus.APPLIED, done(f).status(), done(f).toString());
    }
    // the trainer's cached arrays now hold step 2's values: its evaluation is step 2's
    double atTwo = evalLoss(1); // after the baseline at step 0
    double atSix = evalLoss(3);
    double afterLoad = ((Number) done(sent.get(2)).detail().get("eval_loss")).doubleValue();
    assertEquals(2, of(EventType.EVAL).get(1).step());
    assertEquals(6, of(EventType.EVAL).get(3).step());
    assertNotEquals(atTwo, atSix);
    assertEquals(atTwo, afterLoad, 1e-6, "the evaluation right after the load is step 2's");
    assertEquals("b1", end.branch());
    // the batch in flight at the load had its gradient zeroed: plain SGD left step 2's values
    Path ckpts = dir.resolve("checkpoints");
    assertArrayEquals(
        Files.readAllBytes(ckpts.resolve("main/2/parameters")),
        Files.readAllBytes(ckpts.resolve("b1/3/parameters")));
    assertFalse(
        Arrays.equals(
            Files.readAllBytes(ckpts.resolve("main/2/parameters")),
            Files.readAllBytes(ckpts.resolve("b1/12/parameters"))),
        "and training went on from there");
  }

  @Test
  void aFreshModelResumedFromACheckpointHasItsParameters() throws Exception {
    RunOutcome first = run(config(6).optCheckpointAtEnd(true).build(), true, true, host -> {});
    assertEquals(6, first.step());
    // a new model and trainer (new random weights) resumed from that run's last checkpoint
    synchronized (events) {
      events.clear();
    }
    resumeFrom = "latest";
    RunOutcome resumed = run(config(6).build(), true, true, host -> {});
    assertEquals(6, resumed.step(), "nothing left to train");
    assertEquals(List.of(6L), of(EventType.EVAL).stream().map(Event::step).toList());
    assertEquals(first.validationLoss(), resumed.validationLoss(), 1e-6);
  }

  double evalLoss(int i) {
    return ((Number) of(EventType.EVAL).get(i).payload().get("eval_loss")).doubleValue();
  }

  @Test
  void anOptimizerWithoutTheTrackerFailsTheRunSayingSo() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> run(config(4).build(), false, true, host -> {}));
    assertTrue(
        e.getMessage().contains("optLearningRateTracker(adapter.tracker())"), e.getMessage());
  }

  @Test
  void aTrainerWithoutTheListenerFailsTheRunSayingSo() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> run(config(4).build(), true, false, host -> {}));
    assertTrue(e.getMessage().contains("addTrainingListeners(adapter.listener())"), e.getMessage());
  }

  @Test
  void outsideARunTheListenerAndTrackerChangeNothing() throws Exception {
    TrainerAdapter coxswain = TrainerAdapter.learningRate(0.05);
    try (Model model = Model.newInstance("plain")) {
      model.setBlock(Linear.builder().setUnits(1).build());
      DefaultTrainingConfig cfg =
          new DefaultTrainingConfig(Loss.l2Loss())
              .optOptimizer(Optimizer.sgd().setLearningRateTracker(coxswain.tracker()).build())
              .addTrainingListeners(coxswain.listener());
      try (Trainer trainer = model.newTrainer(cfg)) {
        trainer.initialize(new Shape(BATCH, 2));
        EasyTrain.fit(trainer, 1, train, val);
      }
    }
    assertEquals(0.05f, coxswain.tracker().getNewValue(1), 1e-9);
  }

  @Test
  void djlEvaluatorNamesBecomeTheRunsFigureNames() {
    assertEquals("accuracy", TrainerEvaluation.figureName("Accuracy"));
    assertEquals("top_3_accuracy", TrainerEvaluation.figureName("Top-3 Accuracy"));
    assertEquals("m_1x", TrainerEvaluation.figureName("1x"));
    assertEquals(32, TrainerEvaluation.figureName("a".repeat(40)).length());
  }

  @Test
  void aLearningRateKnobMustBeRealAndPositive() {
    assertThrows(IllegalArgumentException.class, () -> TrainerAdapter.learningRate(0));
    assertThrows(IllegalArgumentException.class, () -> TrainerAdapter.learningRate(Double.NaN));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainerAdapter.learningRate(
                    dev.coxswain.protocol.Knob.integer("lr").bounds(1, 3).initial(1).build()));
    assertTrue(e.getMessage().contains("'lr' is int"), e.getMessage());
    var k = TrainerAdapter.learningRate(1e-3).knob();
    assertEquals("learning_rate", k.role());
    assertEquals(1e-6, k.min(), 1e-18);
    assertEquals(0.1, k.max(), 1e-15);
  }
}
