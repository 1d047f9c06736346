package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Source;
import dev.coxswain.trainer.metric.StepProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forking, resetting a module and rolling back replace arrays; each closes what it replaced, so the
 * model's live native arrays stay flat however often it is done. Prints the figures it measured.
 */
class ForkMemoryTest {
  private static final int TIMES = 50;

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  private static CommandResult applied(InteractiveTrainer t, String type, Map<String, Object> args)
      throws Exception {
    CommandResult r = t.submit(Command.of(type, Source.HUMAN, args)).get(60, TimeUnit.SECONDS);
    assertEquals(CommandStatus.APPLIED, r.status(), type + " " + args + ": " + r.reason());
    return r;
  }

  /** Runs {@code action} 50 times on a paused tiny GPT and returns the live arrays after each. */
  private List<Learner.LiveArrays> measure(String what, ThrowingAction action) throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(100).build())
            .optRunDir(dir.resolve(what))
            .optSink(rec)
            .build()) {
      rec.at(2, e -> t.submit(Command.of("save_checkpoint", Source.HUMAN, Map.of("tag", "s2"))));
      rec.at(3, e -> t.submit(Command.of("pause", Source.HUMAN, Map.of())));
      Future<RunOutcome> run = pool.submit(t::run);
      rec.await(Recorder.status("paused"), 60);
      List<Learner.LiveArrays> after = new ArrayList<>();
      after.add(t.liveArrays());
      for (int i = 0; i < TIMES; i++) {
        action.apply(t);
        after.add(t.liveArrays());
      }
      applied(t, "stop", Map.of());
      run.get(60, TimeUnit.SECONDS);
      System.out.printf(
          "%s x%d: live arrays %d (%d bytes) before, %d (%d bytes) after the first,"
              + " %d (%d bytes) after the last%n",
          what,
          TIMES,
          after.get(0).count(),
          after.get(0).bytes(),
          after.get(1).count(),
          after.get(1).bytes(),
          after.get(TIMES).count(),
          after.get(TIMES).bytes());
      return after;
    }
  }

  /** After the first time the model holds exactly what it held then: nothing accumulates. */
  private static void assertFlat(String what, List<Learner.LiveArrays> after) {
    Supplier<String> figures = () -> what + ": " + after;
    assertTrue(after.get(0).count() > 0, figures);
    for (int i = 1; i < after.size(); i++) {
      assertEquals(after.get(1), after.get(i), figures);
    }
  }

  @Test
  void fiftyForksFromACheckpointLeaveTheLiveArraysFlat() throws Exception {
    List<Learner.LiveArrays> after =
        measure("load_checkpoint", t -> applied(t, "load_checkpoint", Map.of("checkpoint", "s2")));
    assertFlat("load_checkpoint", after);
    // the same weights and moments as before the first fork: nothing of the old model is left
    assertEquals(after.get(0), after.get(TIMES), "load_checkpoint: " + after);
  }

  @Test
  void fiftyModuleResetsLeaveTheLiveArraysFlat() throws Exception {
    List<Learner.LiveArrays> after =
        measure("reset_module", t -> applied(t, "reset_module", Map.of("module", "block0")));
    assertFlat("reset_module", after);
    // the reset module's moments are forgotten (closed); its weights are rewritten in place
    assertTrue(after.get(1).count() < after.get(0).count(), "reset_module: " + after);
  }

  @Test
  void fiftyTornLoadsPutTheWeightsBackAndLeaveTheLiveArraysFlat() throws Exception {
    // another model's parameters cut in half: some arrays load before the file ends
    byte[] whole = paramsOf(Fixtures.tinyGpt(2));
    byte[] torn = java.util.Arrays.copyOf(whole, whole.length / 2);
    try (Learner learner =
        new Learner(Fixtures.tinyGpt(1), Fixtures.config(10).build(), new StepProfile())) {
      Map<String, float[]> weights = learner.weights();
      List<Learner.LiveArrays> after = new ArrayList<>();
      after.add(learner.liveArrays());
      for (int i = 0; i < TIMES; i++) {
        IOException e =
            assertThrows(IOException.class, () -> learner.load(torn, new byte[0], "torn"));
        assertTrue(e.getMessage().contains("checkpoint torn does not fit"), e.getMessage());
        after.add(learner.liveArrays());
      }
      System.out.printf(
          "torn load x%d: live arrays %d before, %d after the last%n",
          TIMES, after.get(0).count(), after.get(TIMES).count());
      assertFlat("torn load", after);
      assertEquals(after.get(0), after.get(TIMES), "torn load: " + after);
      Map<String, float[]> back = learner.weights();
      weights.forEach((name, w) -> assertArrayEquals(w, back.get(name), name));
    }
  }

  private static byte[] paramsOf(Workload w) throws IOException {
    try (Learner other = new Learner(w, Fixtures.config(10).build(), new StepProfile())) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      other.parts().get(Learner.PARAMS_PART).write(new java.io.DataOutputStream(out));
      return out.toByteArray();
    }
  }

  @FunctionalInterface
  private interface ThrowingAction {
    void apply(InteractiveTrainer t) throws Exception;
  }
}
