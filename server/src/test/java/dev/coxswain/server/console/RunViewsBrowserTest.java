package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.DatasetSource;
import dev.coxswain.trainer.metric.EvalMetric;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * What the console shows for "the run now", in a real headless Chromium against real servers: the
 * figures the workload reports (a classifier's accuracy and samples/s; a language model's
 * perplexity and tokens/s), the live branch's own evaluation after a fork, and a stopped run said
 * to be stopped everywhere.
 */
class RunViewsBrowserTest {
  private static final int FEATURES = 4;
  private static final int CLASSES = 3;

  @TempDir Path dir;

  /** Three well-separated classes of points: a tiny classifier learns them in a few steps. */
  private static Workload classifier(NDManager manager, long seed) {
    Random r = new Random(seed);
    int n = 96;
    float[] x = new float[n * FEATURES];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int c = i % CLASSES;
      y[i] = c;
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = (f == c ? 2f : 0f) + (float) r.nextGaussian() * 0.3f;
      }
    }
    ArrayDataset train =
        new ArrayDataset.Builder()
            .setData(manager.create(x, new Shape(n, FEATURES)))
            .optLabels(manager.create(y, new Shape(n)))
            .setSampling(8, false)
            .build();
    ArrayDataset val =
        new ArrayDataset.Builder()
            .setData(manager.create(x, new Shape(n, FEATURES)))
            .optLabels(manager.create(y, new Shape(n)))
            .setSampling(8, false)
            .build();
    return Workload.builder()
        .optName("points")
        .optKind(Workload.Kind.CLASSIFIER)
        .setBlock(
            new SequentialBlock()
                .add(Linear.builder().setUnits(16).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(CLASSES).build()))
        .setInputShape(new Shape(8, FEATURES))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new DatasetSource(train, val, 8, seed))
        .optMetric(EvalMetric.accuracy())
        .build();
  }

  private CoxswainServer startClassifier(NDManager manager) throws Exception {
    RunConfig cfg =
        RunConfig.load(TestRuns.config(dir, 1_000_000, 50))
            .withOverrides("c1", null, null, null, null);
    RunSpec lm = RunSpec.resolve(cfg, 1_000_000, Map.of());
    Workload w = classifier(manager, 7);
    Map<String, Object> runJson =
        RunSpec.runJson("c1", w, cfg.toMap(), Map.of("agent", Map.of("mode", "off")));
    RunSpec spec = new RunSpec("c1", lm.config(), lm.trainer(), w, runJson);
    RunStore store = RunStore.create(dir.resolve("runs/c1"), runJson);
    return CoxswainServer.start(
        ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
        dir.resolve("runs"),
        store,
        spec,
        null,
        null);
  }

  private static String title(Browser b, String chart) {
    return b.driver.findElement(By.cssSelector("#" + chart + " .u-title")).getText();
  }

  private static String statusBar(Browser b, String id) {
    return b.driver.findElement(By.id(id)).getText();
  }

  private static void open(Browser b, CoxswainServer server) {
    b.driver.get("http://127.0.0.1:" + server.port() + "/#token=" + TestRuns.TOKEN);
  }

  @Test
  void aClassifierShowsAccuracyAndSamplesPerSecondAndNoPerplexity() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      CoxswainServer server = startClassifier(manager);
      try (Browser b = new Browser(dir.resolve("chromium"), 1300, 1000)) {
        TestRuns.Http http = new TestRuns.Http(server.port());
        Map<String, Object> s =
            http.awaitState("c1", st -> !((Map<?, ?>) st.get("last_eval")).isEmpty(), 120);
        Map<?, ?> reports = (Map<?, ?>) s.get("reports");
        assertEquals("classifier", reports.get("kind"));
        assertEquals("samples", reports.get("throughput_unit"));
        assertEquals(List.of("accuracy"), reports.get("metrics"));
        open(b, server);
        b.await(
            60,
            "the evaluation in the status bar",
            d -> statusBar(b, "st-val").contains("accuracy"));
        String val = statusBar(b, "st-val");
        assertFalse(val.contains("ppl"), val);
        assertEquals("validation loss", title(b, "chart-eval"));
        assertEquals("throughput (samples/s)", title(b, "chart-tps"));
        String legend = b.driver.findElement(By.id("chart-tps")).getText();
        assertTrue(legend.contains("samples/s") && !legend.contains("tokens"), legend);
        b.screenshot(Path.of("target", "console", "classifier.png"));
        assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");
      } finally {
        server.shutdown("test over");
      }
    }
  }

  @Test
  void aLanguageModelKeepsPerplexityShowsTheLiveBranchAndAStopEverywhere() throws Exception {
    CoxswainServer server = TestRuns.start(dir, 1_000_000); // evaluations every 50 steps
    try (Browser b = new Browser(dir.resolve("chromium"), 1300, 1000)) {
      TestRuns.Http http = new TestRuns.Http(server.port());
      http.awaitState(
          "t1",
          st ->
              ((Map<?, ?>) st.get("last_eval")).get("step") instanceof Number n
                  && n.longValue() >= 100,
          180);
      assertEquals("language_model", ((Map<?, ?>) http.state("t1").get("reports")).get("kind"));
      open(b, server);
      b.await(60, "main's evaluation", d -> statusBar(b, "st-val").contains("ppl"));
      assertFalse(statusBar(b, "st-val").contains("accuracy"));
      assertEquals("validation loss (left) and perplexity (right)", title(b, "chart-eval"));
      assertEquals("throughput (tokens/s)", title(b, "chart-tps"));
      String eta = statusBar(b, "st-eta");
      assertFalse(eta.equals("stopped") || eta.equals("done"), "running: " + eta);

      // a fork: the status bar is the new branch's, which has no evaluation yet
      assertEquals(202, http.command("t1", "{\"type\":\"pause\"}").statusCode());
      http.awaitState("t1", st -> "paused".equals(st.get("status")), 60);
      // the oldest checkpoint main still keeps (the run is fast: main/50 may be pruned already);
      // main evaluated after it, at the newer checkpoints' steps
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> kept =
          (List<Map<String, Object>>)
              http.json(http.get("/api/runs/t1/checkpoints")).get("checkpoints");
      Map<String, Object> oldest =
          kept.stream()
              .filter(c -> "main".equals(c.get("branch")))
              .min(java.util.Comparator.comparingLong(c -> ((Number) c.get("step")).longValue()))
              .orElseThrow();
      long forkStep = ((Number) oldest.get("step")).longValue();
      assertEquals(
          202,
          http.command(
                  "t1",
                  "{\"type\":\"load_checkpoint\",\"args\":{\"checkpoint\":\""
                      + oldest.get("id")
                      + "\",\"branch\":\"retry\"}}")
              .statusCode());
      b.await(60, "the live branch", d -> "retry".equals(statusBar(b, "st-branch")));
      assertEquals("–", statusBar(b, "st-val"), "main's later evaluation is not retry's");
      assertTrue(statusBar(b, "st-step").startsWith(forkStep + " "), statusBar(b, "st-step"));

      // a stop: the ETA, the run selector and the runs table all say stopped
      assertEquals(202, http.command("t1", "{\"type\":\"stop\"}").statusCode());
      b.await(60, "the ETA says stopped", d -> "stopped".equals(statusBar(b, "st-eta")));
      b.await(
          60,
          "the selector says stopped",
          d ->
              d.findElement(By.cssSelector("#run-select option[value='t1']"))
                  .getText()
                  .contains("stopped"));
      b.await(
          60,
          "the runs table says stopped",
          d ->
              d.findElement(By.cssSelector("#runs tr[data-run='t1']"))
                  .getText()
                  .contains("stopped"));
      b.screenshot(Path.of("target", "console", "stopped.png"));
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");
    } finally {
      server.shutdown("test over");
    }
  }
}
