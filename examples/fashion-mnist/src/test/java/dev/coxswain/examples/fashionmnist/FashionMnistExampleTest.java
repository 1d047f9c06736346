package dev.coxswain.examples.fashionmnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.coxswain.server.Coxswain;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.console.Browser;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.workload.FashionMnistData;
import dev.coxswain.trainer.workload.FashionMnistWorkload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The worked example at CI size: Debian's Fashion-MNIST, the example's CNN, served by the library
 * facade with the rule agent; the console draws the accuracy chart and the run learns.
 */
class FashionMnistExampleTest {
  static final Path DATA =
      Path.of(System.getProperty("fashion.mnist", FashionMnistData.DEBIAN_DIR.toString()));

  @TempDir Path dir;

  static FashionMnistData[] data(int train, int val) throws IOException {
    if (!Files.isDirectory(DATA)) {
      throw new AssertionError(
          "Fashion-MNIST missing at "
              + DATA
              + ": apt-get install dataset-fashion-mnist"
              + " (./coxswain test installs it)");
    }
    return new FashionMnistData[] {
      FashionMnistData.train(DATA, train), FashionMnistData.test(DATA, val)
    };
  }

  @Test
  void readsDebiansFiles() throws IOException {
    FashionMnistData[] d = data(60_000, 10_000);
    assertEquals(60_000, d[0].count());
    assertEquals(10_000, d[1].count());
    int[] perClass = new int[FashionMnistData.CLASSES];
    for (byte b : d[0].labels()) {
      perClass[b]++;
    }
    for (int c : perClass) {
      assertEquals(6_000, c, "the training set is balanced, 6,000 images per class");
    }
    float[] px = FashionMnistData.test(DATA, 1).scaledPixels();
    assertEquals(28 * 28, px.length);
    double max = 0;
    for (float v : px) {
      assertTrue(v >= 0 && v <= 1);
      max = Math.max(max, v);
    }
    assertTrue(max > 0.5, "the first test image is not blank");
  }

  @Test
  void badFilesAreNamed() throws IOException {
    NoSuchFileException missing =
        assertThrows(NoSuchFileException.class, () -> FashionMnistData.train(dir, 10));
    assertTrue(missing.getMessage().contains("dataset-fashion-mnist"), missing.getMessage());
    // a gzipped file that is not IDX images
    for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")) {
      try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(f)))) {
        out.write("<html>not found</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    IOException bad = assertThrows(IOException.class, () -> FashionMnistData.train(dir, 10));
    assertTrue(bad.getMessage().contains("not an IDX file"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FashionMnistData.train(DATA, 0));
  }

  @Test
  @SuppressWarnings("unchecked")
  void trainsUnderTheConsoleWithItsAccuracyChartAndTheRuleAgent() throws Exception {
    FashionMnistData[] d = data(6_000, 1_000);
    try (NDManager arrays = NDManager.newBaseManager()) {
      TrainerConfig config =
          TrainerConfig.builder()
              .optRunId("fmnist")
              .optMaxSteps(300)
              .optLr(1e-3)
              .optEvalEvery(50)
              .build();
      try (Coxswain run =
              Coxswain.builder(FashionMnistWorkload.create(arrays, d[0], d[1], 64, 42), config)
                  .optRunsRoot(dir.resolve("runs"))
                  .optListen("127.0.0.1", 0)
                  .optToken(TestRuns.TOKEN)
                  .optAgent("rule", 50)
                  .serve();
          Browser b = new Browser(dir.resolve("chromium"), 1300, 1100)) {
        b.driver.get(run.consoleUrl().replace("/#", "/?run=fmnist#"));
        Map<String, Object> chart =
            b.await(
                120,
                "the console draws an accuracy chart",
                w -> {
                  List<Map<String, Object>> charts =
                      (List<Map<String, Object>>) b.snapshot().get("metricCharts");
                  return charts.stream()
                      .filter(c -> "accuracy".equals(c.get("name")) && (Boolean) c.get("drawn"))
                      .findFirst()
                      .orElse(null);
                });
        assertEquals("validation accuracy (higher is better)", chart.get("title"));
        // a classifier: its accuracy in the status bar, samples/s, no perplexity anywhere
        b.await(
            120,
            "the status bar shows the accuracy",
            w -> w.findElement(By.id("st-val")).getText().contains("accuracy"));
        assertFalse(b.driver.findElement(By.id("st-val")).getText().contains("ppl"));
        assertEquals(
            "throughput (samples/s)",
            b.driver.findElement(By.cssSelector("#chart-tps .u-title")).getText());
        assertEquals(
            "validation loss",
            b.driver.findElement(By.cssSelector("#chart-eval .u-title")).getText());
        RunOutcome end = run.awaitEnd(600);
        assertEquals("finished", end.status());
        assertEquals(300, end.step());
        double accuracy = end.metrics().get("accuracy");
        // ten classes: chance is 0.1; a few hundred steps of this CNN reach far beyond it
        assertTrue(accuracy > 0.6, "validation accuracy " + accuracy);
        assertTrue(end.validationLoss() < end.initialValidationLoss());
        // every evaluation is on the page, each with its accuracy
        TestRuns.Http http = new TestRuns.Http(run.port());
        Map<String, Object> snap =
            b.await(
                60,
                "the console has every evaluation",
                w -> {
                  Map<String, Object> s = b.snapshot();
                  List<Map<String, Object>> br = (List<Map<String, Object>>) s.get("branches");
                  Map<String, Object> m = (Map<String, Object>) br.get(0).get("metrics");
                  List<Number> acc = (List<Number>) m.get("accuracy");
                  return acc != null && acc.size() == 7 ? s : null; // steps 0, 50, ..., 300
                });
        List<Number> shown =
            (List<Number>)
                ((Map<String, Object>)
                        ((List<Map<String, Object>>) snap.get("branches")).get(0).get("metrics"))
                    .get("accuracy");
        assertEquals(accuracy, shown.get(shown.size() - 1).doubleValue(), 1e-9);
        assertEquals(List.of(), snap.get("errors"), "no script errors on the page");
        b.screenshot(Path.of("target", "fashion-mnist-console.png")); // to look at, not asserted
        // the rule agent watched the run
        List<Object> decisions =
            (List<Object>) http.json(http.get("/api/runs/fmnist/decisions")).get("decisions");
        assertFalse(decisions.isEmpty(), "the rule agent decided about the run");
        System.out.printf(
            "fashion-mnist (6,000 training images, 300 steps of 64): validation accuracy %.4f on"
                + " 1,000 test images, loss %.4f -> %.4f, %d agent decisions%n",
            accuracy, end.initialValidationLoss(), end.validationLoss(), decisions.size());
      }
    }
  }
}
