package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a result says is what the command did: a saved checkpoint is named by the step its result
 * names, and an evaluation says that it runs (and that it runs while paused) before its result.
 */
class CommandResultsTest {
  @TempDir Path dir;
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  private static Command cmd(String type, Map<String, Object> args) {
    return Command.of(type, Source.HUMAN, args);
  }

  private static CommandResult result(CompletableFuture<CommandResult> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  private InteractiveTrainer trainer(long steps, int evalEvery, Recorder rec) throws Exception {
    return InteractiveTrainer.builder(
            Fixtures.tinyGpt(1), Fixtures.config(steps).optEvalEvery(evalEvery).build())
        .optRunDir(dir)
        .optSink(rec)
        .build();
  }

  @Test
  void aSavedCheckpointIsNamedByTheStepItsResultNamesRunningOrPaused() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t = trainer(8, 0, rec)) {
      AtomicReference<CompletableFuture<CommandResult>> running = new AtomicReference<>();
      rec.at(3, e -> running.set(t.submit(cmd("save_checkpoint", Map.of()))));
      rec.at(5, e -> t.submit(cmd("pause", Map.of())));
      Future<RunOutcome> run = pool.submit(t::run);
      rec.await(Recorder.status("paused"), 60);
      CommandResult atRun = result(running.get());
      assertEquals(CommandStatus.APPLIED, atRun.status(), atRun.reason());
      assertEquals(3, atRun.step());
      assertEquals("main/" + atRun.step(), atRun.detail().get("checkpoint"));
      assertTrue(Files.isDirectory(dir.resolve("checkpoints/main/3")));

      CommandResult atPause = result(t.submit(cmd("save_checkpoint", Map.of("tag", "p"))));
      assertEquals(CommandStatus.APPLIED, atPause.status(), atPause.reason());
      assertEquals(5, atPause.step());
      assertEquals("main/5", atPause.detail().get("checkpoint"));
      result(t.submit(cmd("resume", Map.of())));
      assertEquals("finished", run.get(120, TimeUnit.SECONDS).status());
    }
  }

  @Test
  void aSaveBeforeTheFirstStepIsRefusedAndMakesNoCheckpoint() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t = trainer(3, 0, rec)) {
      t.submit(cmd("pause", Map.of())); // held at the first boundary, before step 1
      Future<RunOutcome> run = pool.submit(t::run);
      rec.await(Recorder.status("paused"), 60);
      CommandResult r = result(t.submit(cmd("save_checkpoint", Map.of())));
      assertEquals(CommandStatus.REJECTED, r.status());
      assertEquals("nothing to save before the first step", r.reason());
      assertTrue(rec.of(EventType.CHECKPOINT).isEmpty());
      result(t.submit(cmd("stop", Map.of())));
      run.get(120, TimeUnit.SECONDS);
    }
  }

  @Test
  void anEvaluationSaysThatItRunsAndThatItRunsWhilePaused() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t = trainer(8, 0, rec)) {
      rec.at(3, e -> t.submit(cmd("pause", Map.of())));
      Future<RunOutcome> run = pool.submit(t::run);
      rec.await(Recorder.status("paused"), 60);
      Command paused = cmd("evaluate", Map.of());
      CommandResult r = result(t.submit(paused));
      assertEquals(CommandStatus.APPLIED, r.status(), r.reason());
      assertEquals(true, r.detail().get("paused"));
      List<Event> all = rec.events();
      int started = indexOf(all, 0, EventType.EVALUATING, paused.id());
      assertTrue(started >= 0, "an evaluating event for the command");
      assertEquals(true, all.get(started).payload().get("paused"));
      assertEquals(3, all.get(started).step());
      int eval = indexOf(all, started, EventType.EVAL, null);
      int res = indexOf(all, 0, EventType.COMMAND_RESULT, paused.id());
      assertTrue(started < eval && eval < res, "started, evaluated, then the result");
      assertEquals("paused", t.status(), "it ran while paused and the run is still paused");

      // queued together while paused: the resume comes first, so this one runs while running
      CompletableFuture<CommandResult> resumed = t.submit(cmd("resume", Map.of()));
      Command running = cmd("evaluate", Map.of());
      CommandResult r2 = result(t.submit(running));
      assertEquals(CommandStatus.APPLIED, result(resumed).status());
      assertEquals(CommandStatus.APPLIED, r2.status(), r2.reason());
      assertEquals(false, r2.detail().get("paused"));
      Event s2 = rec.events().get(indexOf(rec.events(), 0, EventType.EVALUATING, running.id()));
      assertEquals(false, s2.payload().get("paused"));
      assertEquals("finished", run.get(120, TimeUnit.SECONDS).status());
    }
  }

  @Test
  void periodicEvaluationsNeedNoSuchWord() throws Exception {
    Recorder rec = new Recorder();
    try (InteractiveTrainer t = trainer(4, 2, rec)) {
      assertEquals("finished", pool.submit(t::run).get(120, TimeUnit.SECONDS).status());
      assertFalse(rec.of(EventType.EVAL).isEmpty());
      assertTrue(rec.of(EventType.EVALUATING).isEmpty(), "only a command's evaluation says so");
    }
  }

  /** The first event from {@code from} on of the type (for a command id, when given), or -1. */
  private static int indexOf(List<Event> all, int from, EventType type, String commandId) {
    for (int i = from; i < all.size(); i++) {
      Event e = all.get(i);
      if (e.type() == type
          && (commandId == null || commandId.equals(e.payload().get("command_id")))) {
        return i;
      }
    }
    return -1;
  }
}
