package dev.coxswain.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report read straight from a run's directory, with no server and no command line: the
 * committed run of 2026-12-02 (three branches, a rollback, a stop), and what is not a run.
 */
class RunReportTest {
  // the server module's committed run (OldRunDirectoryTest serves and resumes it)
  private static final Path FIXTURE =
      Path.of("../server/src/test/resources/fixtures/run-2026-12-02");

  @TempDir Path dir;

  @Test
  void aRunDirectoryIsReportedWithoutBeingWritten() throws Exception {
    byte[] log = Files.readAllBytes(FIXTURE.resolve("events.jsonl"));

    RunReport r = RunReport.read(FIXTURE, null, null);
    ReportFiles.Written w = ReportFiles.write(r, dir.resolve("report.html"));

    assertEquals("stopped", r.run().status());
    assertEquals(713, r.run().step());
    assertTrue(r.logDamage().isEmpty(), "the fixture's log is sound: " + r.logDamage());
    String md = Files.readString(w.markdown());
    assertTrue(md.contains("## Summary"), md);
    assertTrue(md.contains("| validation loss | main | 9 | 3.179 (step 0) |"), md);
    assertTrue(md.contains("| validation loss | b2 | 3 |"), md);
    String html = Files.readString(w.html());
    assertTrue(html.startsWith("<!doctype html>"), html);
    assertFalse(html.contains("src=\"http"), "one self-contained page");
    assertArrayEquals(log, Files.readAllBytes(FIXTURE.resolve("events.jsonl")), "log untouched");
    assertFalse(Files.exists(FIXTURE.resolve("report.html")), "nothing written beside the run");
  }

  @Test
  void aDirectoryWithoutRunJsonIsNotARun() throws Exception {
    Files.writeString(dir.resolve("events.jsonl"), "");
    RunReport.NotARun e =
        assertThrows(RunReport.NotARun.class, () -> RunReport.read(dir, null, null));
    assertTrue(e.getMessage().contains("it has no run.json"), e.getMessage());
  }

  @Test
  void aMetricTheRunNeverEvaluatedIsRefusedByName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> RunReport.read(FIXTURE, "accuracy", null));
    assertTrue(e.getMessage().contains("no metric 'accuracy'"), e.getMessage());
  }
}
