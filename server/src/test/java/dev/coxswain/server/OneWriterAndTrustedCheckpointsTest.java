package dev.coxswain.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.run.RunLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per run directory, across real processes, and a resume that trusts only checkpoints
 * that verify: a second {@code resume} of a live run exits 2 naming the holder and touches nothing;
 * after kill -9 of the holder the lock is gone; a resume that finds no sound checkpoint writes
 * nothing; one that finds a broken newest checkpoint falls back to the one before and says so.
 */
class OneWriterAndTrustedCheckpointsTest {
  @TempDir Path dir;

  private static String log(Path runDir) throws Exception {
    return Files.readString(runDir.resolve("events.jsonl"));
  }

  private ServerProcess resume(Path runDir) throws Exception {
    return ServerProcess.start(
        dir.resolve("logs"),
        Map.of("COXSWAIN_TOKEN", TestRuns.TOKEN),
        "resume",
        runDir.toString(),
        "--port",
        "0");
  }

  private static int exit(ServerProcess p) throws Exception {
    assertTrue(p.process().waitFor(120, TimeUnit.SECONDS), "no exit: " + p.output());
    return p.process().exitValue();
  }

  @Test
  void aSecondWriterIsRefusedAndBrokenCheckpointsArePassedOver() throws Exception {
    Path runDir = dir.resolve("runs/one");
    try (ServerProcess serve =
        ServerProcess.start(
            dir.resolve("logs"),
            Map.of("COXSWAIN_TOKEN", TestRuns.TOKEN),
            "serve",
            "--port",
            "0",
            "--config",
            TestRuns.config(dir, 1_000_000, 10).toString(),
            "--run-dir",
            runDir.toString())) {
      serve.awaitServing(120);
      TestRuns.Http http = new TestRuns.Http(serve.port());
      http.awaitState(serve.runId(), s -> ((Number) s.get("step")).longValue() >= 25, 120);

      // a second writer: exit 2, the holder named, no line of its own in the log
      try (ServerProcess second = resume(runDir)) {
        assertEquals(2, exit(second), second.output());
        assertTrue(
            second.output().contains("pid " + serve.process().pid()),
            "names the holder: " + second.output());
      }
      assertFalse(log(runDir).contains("\"resuming\""), "the refused resume wrote nothing");
      assertTrue(RunLock.heldElsewhere(runDir).isPresent(), "the serve holds the lock");

      // pause so the checkpoints stop moving, then kill -9: the OS drops the lock
      assertEquals(202, http.command(serve.runId(), "{\"type\":\"pause\"}").statusCode());
      http.awaitState(serve.runId(), s -> "paused".equals(s.get("status")), 60);
      serve.kill();
    }
    assertTrue(RunLock.heldElsewhere(runDir).isEmpty(), "a dead holder's lock does not block");

    Path checkpoints = runDir.resolve("checkpoints/main");
    List<Path> steps;
    try (var s = Files.list(checkpoints)) {
      steps =
          s.filter(p -> p.getFileName().toString().matches("[0-9]+"))
              .sorted((a, b) -> Long.compare(step(a), step(b)))
              .toList();
    }
    assertTrue(steps.size() >= 2, "two checkpoints at least: " + steps);

    // no checkpoint sound: exit 2, every one named, nothing appended to the log
    String before = log(runDir);
    Map<Path, byte[]> metas = new java.util.HashMap<>();
    for (Path s : steps) {
      metas.put(s, Files.readAllBytes(s.resolve("meta.json")));
      Files.writeString(s.resolve("meta.json"), "{ not json");
    }
    try (ServerProcess none = resume(runDir)) {
      assertEquals(2, exit(none), none.output());
      for (Path s : steps) {
        assertTrue(
            none.output().contains("skipping checkpoint main/" + s.getFileName()), none.output());
      }
    }
    assertEquals(before, log(runDir), "a failed resume leaves the log as it was");
    for (Map.Entry<Path, byte[]> e : metas.entrySet()) {
      Files.write(e.getKey().resolve("meta.json"), e.getValue());
    }

    // the newest checkpoint lost its weights: the one before is used, and the skip is said
    Path newest = steps.get(steps.size() - 1);
    Path previous = steps.get(steps.size() - 2);
    Files.delete(newest.resolve("params.bin"));
    try (ServerProcess again = resume(runDir)) {
      again.awaitServing(120);
      String out = again.output();
      assertTrue(
          out.contains(
              "skipping checkpoint main/"
                  + newest.getFileName()
                  + ": checkpoint main/"
                  + newest.getFileName()
                  + " is missing its params.bin"),
          out);
      assertTrue(out.contains("resuming from checkpoint main/" + previous.getFileName()), out);
      TestRuns.Http http = new TestRuns.Http(again.port());
      http.awaitState(
          again.runId(), s -> ((Number) s.get("step")).longValue() > step(previous), 120);
      String status =
          log(runDir)
              .lines()
              .filter(l -> l.contains("\"resuming\""))
              .reduce((a, b) -> b)
              .orElseThrow();
      assertTrue(status.contains("\"from_step\":" + step(previous)), status);
      assertTrue(status.contains("\"skipped\""), status);
      assertEquals(143, again.terminate(60), again.output());
    }
  }

  private static long step(Path p) {
    return Long.parseLong(p.getFileName().toString());
  }

  @Test
  void theLockInOneProcessRefusesASecondTakerAndAHandWrittenFileBlocksNobody() throws Exception {
    Path run = Files.createDirectories(dir.resolve("r"));
    Files.writeString(run.resolve(RunLock.FILE), "pid 1 (coxswain serve, since yesterday)\n");
    assertTrue(RunLock.heldElsewhere(run).isEmpty(), "a file with no live holder");
    try (RunLock held = RunLock.acquire(run, "serve")) {
      RunLock.HeldException e =
          assertThrows(RunLock.HeldException.class, () -> RunLock.acquire(run, "resume"));
      assertTrue(e.getMessage().contains("this process"), e.getMessage());
      assertTrue(RunLock.heldElsewhere(run).isEmpty(), "held here, not elsewhere");
    }
    RunLock.acquire(run, "resume").close(); // free again once released
    // (read only once released: a holder must never open its own lock file, see RunLock)
    assertTrue(Files.readString(run.resolve(RunLock.FILE)).startsWith("pid "));
  }
}
