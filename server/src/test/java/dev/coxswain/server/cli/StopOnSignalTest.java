package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stop line's wording (the signals themselves: StopSignalTest, with real processes). */
class StopOnSignalTest {
  @TempDir Path dir;

  @Test
  void aStoppedRunIsToldHowToResumeAndAFinishedOneIsNot() throws Exception {
    Path run = Files.createDirectories(dir.resolve("runs/r1"));
    String stopped = StopOnSignal.stoppedLine(12, run, "stopped");
    assertEquals(
        "coxswain: stopped at step 12; last checkpoint none (resume starts again at step 0);"
            + " resume with: coxswain resume "
            + run.toAbsolutePath(),
        stopped);
    String finished = StopOnSignal.stoppedLine(600, run, "finished");
    assertTrue(finished.startsWith("coxswain: the run had finished at step 600"), finished);
    assertFalse(finished.contains("resume"), "nothing to resume: " + finished);
    assertEquals(130, StopOnSignal.exitCode("SIGINT"));
    assertEquals(143, StopOnSignal.exitCode("SIGTERM"));
  }
}
