package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.Main;
import dev.coxswain.server.TestRuns;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code coxswain report}: bad input, and a run that is still being written. */
class ReportCommandTest {
  @TempDir Path dir;
  @RegisterExtension final CapturedOutput io = new CapturedOutput();
  private final ByteArrayOutputStream out = io.out;
  private final ByteArrayOutputStream err = io.err;

  private int run(String... args) {
    out.reset();
    err.reset();
    return new CommandLine(new Main()).execute(args);
  }

  private String errLine() {
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, e.lines().count(), "one line: " + e);
    return e;
  }

  private static List<Path> tree(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.sorted().toList();
    }
  }

  @Test
  void aDirectoryThatIsNotARunExitsTwoWithOneLineAndNothingIsWritten() throws Exception {
    Path notRun = Files.createDirectories(dir.resolve("photos"));
    Files.writeString(notRun.resolve("cat.txt"), "not a run");
    Files.createDirectories(dir.resolve("runs"));
    List<Path> before = tree(dir);

    assertEquals(2, run("report", notRun.toString()));
    assertTrue(errLine().contains(notRun + " is not a run directory"), err.toString());

    assertEquals(2, run("report", "no-such-run", "--runs", dir.resolve("runs").toString()));
    assertTrue(errLine().contains("no run 'no-such-run'"), err.toString());

    Path broken = Files.createDirectories(dir.resolve("broken"));
    Files.writeString(broken.resolve("run.json"), "{not json");
    List<Path> withBroken = tree(dir);
    assertEquals(
        2, run("report", broken.toString(), "--out", dir.resolve("elsewhere.html").toString()));
    assertTrue(errLine().contains(broken + " is not a run directory"), err.toString());

    assertEquals(2, run("report", notRun.toString(), "--server", "http://x/\"><script>"));
    assertTrue(errLine().contains("--server"), err.toString());

    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertEquals(withBroken, tree(dir), "nothing written");
    assertTrue(withBroken.containsAll(before));
  }

  @Test
  void aRunStillBeingWrittenIsReadNotTouched() throws Exception {
    Path runDir = dir.resolve("runs/r1");
    Path cfg = dir.resolve("small.yaml");
    Files.writeString(
        cfg,
        "eval_every: 10\ncheckpoint_every: 10\nmodel: {layers: 1, embed: 16, heads: 2, context: 8}\n"
            + "data: {holdout_every: 4, batch_size: 8, validation_batches: 2}\n");
    int trained =
        run(
            "train",
            "--config",
            cfg.toString(),
            "--corpus",
            TestRuns.corpus(dir).toString(),
            "--max-steps",
            "20",
            "--run-dir",
            runDir.toString());
    assertEquals(0, trained, err.toString());
    // a writer in the middle of its next line: the reader must leave it be
    Path log = runDir.resolve("events.jsonl");
    Files.writeString(log, "{\"seq\":99999,\"run\":\"r", StandardOpenOption.APPEND);
    byte[] logBefore = Files.readAllBytes(log);

    assertEquals(2, run("report", runDir.toString(), "--metric", "accuracy"));
    assertTrue(errLine().contains("no metric 'accuracy'"), err.toString());
    assertFalse(Files.exists(runDir.resolve("report.html")));

    assertEquals(0, run("report", "r1", "--runs", dir.resolve("runs").toString()), err.toString());
    String said = out.toString(StandardCharsets.UTF_8);
    assertTrue(said.startsWith("report: " + runDir.resolve("report.html")), said);
    assertTrue(said.contains("finished at step 20"), said);
    assertArrayEquals(logBefore, Files.readAllBytes(log), "the log is not repaired or truncated");
    String html = Files.readString(runDir.resolve("report.html"));
    String md = Files.readString(runDir.resolve("report.md"));
    assertTrue(html.contains("<code id=\"best-checkpoint\">main/"), "evaluated checkpoints");
    assertTrue(html.contains("No rollback"));
    assertTrue(md.contains("No command and no decision."), md);
    assertFalse(md.contains("damaged"), "a sound log has nothing to confess");
    assertTrue(md.contains("- **agent**: off: 0 decisions"), md);

    Path other = dir.resolve("out/night.html");
    assertEquals(0, run("report", runDir.toString(), "--out", other.toString()), err.toString());
    assertTrue(Files.exists(other) && Files.exists(dir.resolve("out/night.md")));
    try (Stream<Path> s = Files.list(dir.resolve("out"))) {
      assertEquals(2, s.count(), "no temporary file left behind");
    }
  }

  @Test
  void aDamagedLogIsReportedWithItsLinesAndWhatWasSkipped() throws Exception {
    Path runDir = dir.resolve("runs/r2");
    Path cfg = dir.resolve("small.yaml");
    Files.writeString(
        cfg,
        "eval_every: 10\ncheckpoint_every: 10\nmodel: {layers: 1, embed: 16, heads: 2, context: 8}\n"
            + "data: {holdout_every: 4, batch_size: 8, validation_batches: 2}\n");
    assertEquals(
        0,
        run(
            "train",
            "--config",
            cfg.toString(),
            "--corpus",
            TestRuns.corpus(dir).toString(),
            "--max-steps",
            "12",
            "--run-dir",
            runDir.toString()),
        err.toString());
    Path log = runDir.resolve("events.jsonl");
    List<String> lines = new java.util.ArrayList<>(Files.readAllLines(log));
    lines.remove(5); // line 6 gone: a gap
    lines.set(7, "garbage where line 8 was");
    Files.write(log, lines);

    assertEquals(0, run("report", runDir.toString()), err.toString());
    String md = Files.readString(runDir.resolve("report.md"));
    assertTrue(md.contains("**The event log is damaged**"), md);
    assertTrue(md.contains("events.jsonl line 6: seq 7 after 5: 1 event missing"), md);
    assertTrue(md.contains("events.jsonl line 8: unreadable"), md);
    String html = Files.readString(runDir.resolve("report.html"));
    assertTrue(html.contains("<section id=\"damage\">"), "the page says so too");
  }

  /** The committed run written by the code of 2026-12-02, copied where a test may change it. */
  private Path fixtureRun(String name) throws Exception {
    Path from = Path.of("src/test/resources/fixtures/run-2026-12-02");
    Path to = dir.resolve(name);
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
    return to;
  }

  @Test
  void anEventOfAShapeTheReaderDoesNotKnowIsSkippedAndNamedAndTheRestIsRead() throws Exception {
    Path sound = fixtureRun("sound");
    assertEquals(0, run("report", sound.toString()), err.toString());
    String soundMd = Files.readString(sound.resolve("report.md"));
    assertFalse(soundMd.contains("damaged"), "the fixture's log is sound");
    assertTrue(soundMd.contains("| validation loss | main | 9 | 3.179 (step 0) |"), soundMd);

    // a newer writer's evaluation at step 50 of main, whose eval_loss is not a number
    Path odd = fixtureRun("odd");
    Path log = odd.resolve("events.jsonl");
    List<String> lines = new java.util.ArrayList<>(Files.readAllLines(log));
    String eval = lines.get(53);
    assertTrue(eval.startsWith("{\"seq\":54,") && eval.contains("\"type\":\"eval\""), eval);
    lines.set(53, eval.replaceFirst("\"eval_loss\":[0-9.]+", "\"eval_loss\":\"low\""));
    Files.write(log, lines);

    assertEquals(0, run("report", odd.toString()), err.toString());
    String md = Files.readString(odd.resolve("report.md"));
    assertTrue(md.contains("**The event log is damaged**"), md);
    String said = md.lines().filter(l -> l.startsWith("- events.jsonl")).findFirst().orElse("none");
    // the log's reader names the line and skips it: the report says what it said
    assertTrue(
        said.startsWith("- events.jsonl line 54: skipped: eval payload: 'eval\\_loss': "), said);
    assertEquals(1, md.lines().filter(l -> l.startsWith("- events.jsonl")).count(), md);
    // that evaluation is gone; everything after it is read as in the sound log
    assertTrue(md.contains("| validation loss | main | 8 | 3.179 (step 0) |"), md);
    assertTrue(md.contains("stopped at step 713"), md);
    for (String kept :
        new String[] {
          "| validation loss | retry | 9 |",
          "| validation loss | b2 | 3 |",
          "- **last evaluation**: 0.3093 (perplexity 1.362) at step 713 of branch b2"
        }) {
      assertTrue(soundMd.contains(kept) && md.contains(kept), kept + " in\n" + md);
    }
  }

  @Test
  void aRunWithNoStepsIsRefusedWithOneLineAndNothingIsWritten() throws Exception {
    RunConfig cfg =
        RunConfig.load(TestRuns.config(dir, 10, 50)).withOverrides("empty", null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, 10, Map.of("agent", Map.of("mode", "off")));
    Path runDir = dir.resolve("runs/empty");
    RunStore.create(runDir, spec.runJson()).close(); // what a start-up that failed left behind
    List<Path> before = tree(dir);

    assertEquals(2, run("report", "empty", "--runs", dir.resolve("runs").toString()));
    String line = errLine();
    assertTrue(line.contains("run empty in " + runDir + " has no steps"), line);
    assertTrue(line.contains("nothing to report"), line);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertEquals(before, tree(dir), "nothing written");
  }

  @Test
  void aBestCheckpointThatDoesNotVerifyIsPassedOverAndSaid() throws Exception {
    Path runDir = dir.resolve("runs/r3");
    Path cfg = dir.resolve("small.yaml");
    Files.writeString(
        cfg,
        "eval_every: 10\ncheckpoint_every: 10\nkeep_checkpoints: 5\n"
            + "model: {layers: 1, embed: 16, heads: 2, context: 8}\n"
            + "data: {holdout_every: 4, batch_size: 8, validation_batches: 2}\n");
    assertEquals(
        0,
        run(
            "train",
            "--config",
            cfg.toString(),
            "--corpus",
            TestRuns.corpus(dir).toString(),
            "--max-steps",
            "30",
            "--run-dir",
            runDir.toString()),
        err.toString());
    assertEquals(0, run("report", runDir.toString()), err.toString());
    java.util.regex.Pattern bestId =
        java.util.regex.Pattern.compile("<code id=\"best-checkpoint\">([^<]+)</code>");
    java.util.regex.Matcher first = bestId.matcher(Files.readString(runDir.resolve("report.html")));
    assertTrue(first.find());
    String best = first.group(1);
    assertFalse(Files.readString(runDir.resolve("report.md")).contains("does not verify"));

    Files.delete(runDir.resolve("checkpoints").resolve(best).resolve("params.bin"));
    assertEquals(0, run("report", runDir.toString()), err.toString());
    java.util.regex.Matcher second =
        bestId.matcher(Files.readString(runDir.resolve("report.html")));
    assertTrue(second.find());
    assertFalse(best.equals(second.group(1)), "a checkpoint that cannot be loaded is not named");
    assertTrue(
        Files.readString(runDir.resolve("report.md"))
            .contains(
                "checkpoint "
                    + best
                    + " does not verify (checkpoint "
                    + best
                    + " is missing its params.bin)"),
        Files.readString(runDir.resolve("report.md")));
  }
}
