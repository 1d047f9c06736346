package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * CI's short version of the LR-recovery experiment: {@code coxswain experiment
 * experiments/lr-recovery/smoke.yaml} (one seed, 300 steps, a sweep of two, a small model) through
 * the same command as the full run, so the command never rots. Then the interrupted case: a run
 * that is missing on disk is reported, not papered over, and a second invocation redoes only it.
 */
class LrRecoverySmokeTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
    oldErr.print(err.toString(StandardCharsets.UTF_8));
  }

  private Path smokeConfig() throws Exception {
    return Smoke.config(dir);
  }

  private int run(String... args) {
    return new CommandLine(new ExperimentCommand()).execute(args);
  }

  @Test
  void theExperimentCommandRunsEveryArmAndWritesTheReport() throws Exception {
    Path cfg = smokeConfig();
    Path results = dir.resolve("results");
    assertEquals(0, run(cfg.toString(), "--out", results.toString()), err.toString());

    String md = Files.readString(results.resolve("results.md"));
    for (String arm :
        new String[] {
          "(a) constant lr",
          "(b) same start, agent (rule policy)",
          "(c) best constant",
          "(d) linear decay",
          "(e) reduce on plateau"
        }) {
      assertTrue(md.contains(arm), "row " + arm + " in\n" + md);
    }
    assertTrue(md.contains("./coxswain experiment " + cfg), "names the command:\n" + md);
    assertTrue(md.contains("at commit `"), md);
    assertTrue(Files.readString(results.resolve("results.json")).contains("\"oracle_lr\""));
    for (String png : new String[] {"val_loss.png", "lr.png"}) {
      BufferedImage img = ImageIO.read(results.resolve(png).toFile());
      assertNotNull(img, png);
      assertTrue(img.getWidth() > 500 && img.getHeight() > 300, png);
    }
    Path journal = results.resolve("runs/b-agent-rule/seed-1/agent.jsonl");
    assertTrue(
        Files.readString(journal).contains("\"policy\":\"rule\""), "the agent's journal is kept");
    // the rule arm's row counts what followed its decisions; the constant arm has none
    String ruleRow =
        md.lines().filter(l -> l.contains("(b) same start, agent (rule policy)")).findFirst().get();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\| (\\d+) / (\\d+) / (\\d+)").matcher(ruleRow);
    assertTrue(m.find(), "helped / hurt / neutral in " + ruleRow);
    int judged =
        Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(3));
    assertTrue(judged > 0, ruleRow);
    assertTrue(
        Files.readString(journal).contains("\"type\":\"outcome\""), "outcomes are journaled");
    assertFalse(
        Files.exists(results.resolve("runs/a-too-high/seed-1/checkpoints")),
        "checkpoints are deleted once a run is complete");

    // an interrupted experiment: one run left no result
    Path plateau = results.resolve("runs/e-plateau/seed-1");
    Files.delete(plateau.resolve("result.json"));
    Files.delete(results.resolve("results.md"));
    err.reset();
    assertEquals(3, run(cfg.toString(), "--out", results.toString(), "--report-only"));
    assertTrue(err.toString().contains("missing: e-plateau seed 1"), err.toString());
    assertFalse(Files.exists(results.resolve("results.md")), "no table that looks complete");

    err.reset();
    assertEquals(0, run(cfg.toString(), "--out", results.toString()), err.toString());
    String log = err.toString();
    assertTrue(log.contains("a-too-high seed 1: complete on disk, skipped"), log);
    assertTrue(log.contains("e-plateau seed 1: incomplete run on disk, starting it again"), log);
    assertTrue(Files.exists(results.resolve("results.md")));

    // another configuration pointed at these runs: refused, nothing reused or rewritten
    Path longer = dir.resolve("longer.yaml");
    Files.writeString(longer, Files.readString(cfg).replace("\nsteps: 300\n", "\nsteps: 400\n"));
    byte[] table = Files.readAllBytes(results.resolve("results.md"));
    err.reset();
    assertEquals(2, run(longer.toString(), "--out", results.toString()), err.toString());
    assertTrue(err.toString().contains("was made by another configuration"), err.toString());
    assertTrue(err.toString().contains("plans 400 steps"), err.toString());
    assertFalse(err.toString().contains("complete on disk, skipped"), err.toString());
    assertArrayEquals(table, Files.readAllBytes(results.resolve("results.md")));
  }

  @Test
  void aBadConfigFailsBeforeTrainingAndNamesTheField() throws Exception {
    Path cfg = smokeConfig();
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad, Files.readString(cfg).replace("checkpoint_every: 50", "checkpoint_every: 200"));
    // (smoke.yaml pretrains 100 steps: 200 is no multiple of it, and more than agent.every)
    Path results = dir.resolve("bad-results");
    assertEquals(2, run(bad.toString(), "--out", results.toString()));
    assertTrue(err.toString().contains("'checkpoint_every' (200)"), err.toString());
    assertTrue(err.toString().contains("error: "), err.toString());
    assertFalse(Files.exists(results), "nothing was written");
  }
}
