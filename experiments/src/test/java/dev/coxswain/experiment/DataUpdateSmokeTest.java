package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The data-update case study's smoke version, end to end through the CLI on the real corpus: three
 * arms train, arm (b) takes the new data through reload_data at its step, the table and the plots
 * are written, and a bad config fails before any training.
 */
class DataUpdateSmokeTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(oldErr);
    oldErr.print(err.toString(StandardCharsets.UTF_8));
  }

  private static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    return Files.exists(p.resolve("experiments")) ? p : p.getParent();
  }

  private Path config(String file) throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu")).toAbsolutePath();
    assertTrue(Files.isDirectory(corpus), "corpus missing at " + corpus);
    String text = Files.readString(repo().resolve("experiments/data-update/" + file));
    assertTrue(text.contains("corpus: data/sotu"), file + " names its corpus");
    Path f = dir.resolve(file);
    Files.writeString(f, text.replace("corpus: data/sotu", "corpus: " + corpus));
    return f;
  }

  private int run(String... args) {
    return new CommandLine(new ExperimentCommand()).execute(args);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theThreeArmsTrainArmBTakesTheNewDataAtItsStepAndTheReportIsWritten() throws Exception {
    Path cfg = config("smoke.yaml");
    Path results = dir.resolve("results");
    assertEquals(0, run(cfg.toString(), "--out", results.toString()), err.toString());
    Path out = results.resolve("data-update-smoke");
    String md = Files.readString(out.resolve("results.md"));
    for (String arm : new String[] {"(a) never", "(b) gets it", "(c) had all"}) {
      assertTrue(md.contains(arm), "row " + arm + " in\n" + md);
    }
    for (String png : new String[] {"val_loss_new.png", "val_loss_old.png"}) {
      BufferedImage img = ImageIO.read(out.resolve(png).toFile());
      assertNotNull(img, png);
      assertTrue(img.getWidth() > 500, png);
    }
    Map<String, Object> b =
        Json.mapper()
            .readValue(
                Files.readString(out.resolve("runs/b-arrives/seed-1/result.json")), Map.class);
    assertEquals(101, ((Number) b.get("reloaded_at")).intValue(), "from the step after arrival");
    // what made it: the commit and the code's hash, shown in the report with the count of runs
    String sha = (String) b.get("code_sha256");
    assertTrue(sha != null && sha.matches("[0-9a-f]{64}"), "code_sha256 " + sha);
    assertTrue(
        md.contains("`" + b.get("commit") + ", code sha256 " + sha.substring(0, 12) + "` (3 runs)"),
        md);
    String reloaded = Json.write(b.get("reloaded_files"));
    assertTrue(reloaded.contains("new/1901_") && reloaded.contains("sha256"), reloaded);
    List<List<Object>> evals = (List<List<Object>>) b.get("evals");
    for (List<Object> e : evals) {
      boolean after = ((Number) e.get(0)).longValue() > 100;
      // before the new data arrives (b) has no new source to evaluate on: NaN
      assertEquals(
          after, e.get(2) instanceof Number n && Double.isFinite(n.doubleValue()), "at " + e);
    }
    Map<String, Object> a =
        Json.mapper()
            .readValue(Files.readString(out.resolve("runs/a-never/seed-1/result.json")), Map.class);
    assertTrue(((Number) a.get("final_new")).doubleValue() > 0, "(a) is evaluated on new data");
    assertFalse(
        Files.exists(out.resolve("runs/b-arrives/seed-1.data")), "the run's data copy is removed");
    // a second call finds every run complete on disk
    assertEquals(0, run(cfg.toString(), "--out", results.toString()));
    assertTrue(err.toString().contains("b-arrives seed 1: complete on disk, skipped"));
  }

  @Test
  void aBadConfigFailsBeforeAnyTrainingAndNamesTheField() throws Exception {
    Path cfg = config("smoke.yaml");
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, Files.readString(cfg).replace("arrives_at: 100", "arrives_at: 900"));
    Path results = dir.resolve("results");
    assertEquals(2, run(bad.toString(), "--out", results.toString()));
    assertTrue(
        err.toString().contains("'arrives_at' (900) must be before 'steps'"), err.toString());
    Files.writeString(bad, Files.readString(cfg).replace("split:", "splitt:"));
    assertEquals(2, run(bad.toString(), "--out", results.toString()));
    assertTrue(err.toString().contains("unknown field 'splitt'"), err.toString());
    assertFalse(Files.exists(results), "nothing was written");
  }
}
