package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.EventType;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The console's data panel in a real headless Chromium against a real server training a tiny GPT on
 * two named sources: a weight change that applies from the next step, refused values shown under
 * the field with the server's reason and nothing recorded, and a chart per source.
 */
class DataPanelBrowserTest {
  @TempDir Path dir;

  @SuppressWarnings("unchecked")
  private static int commands(TestRuns.Http http) throws Exception {
    return ((List<Object>) http.json(http.get("/api/runs/d1/commands")).get("commands")).size();
  }

  private CoxswainServer start() throws Exception {
    Path yaml = TestRuns.config(dir, 1_000_000, 50);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace("eval_every: 50", "eval_every: 10")
            .replace("holdout_every: 4", "holdout_every: 2")
            .replace(
                "validation_batches: 1}",
                "validation_batches: 1, sources: {a: \"doc[01].txt\", b: \"doc[23].txt\"}}"));
    RunConfig cfg = RunConfig.load(yaml).withOverrides("d1", null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, 1_000_000, Map.of("agent", Map.of("mode", "off")));
    RunStore store = RunStore.create(dir.resolve("runs/d1"), spec.runJson());
    return CoxswainServer.start(
        ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
        dir.resolve("runs"),
        store,
        spec,
        null,
        null);
  }

  @Test
  void aWeightChangeAppliesAndARefusedWeightShowsTheServersReason() throws Exception {
    CoxswainServer server = start();
    TestRuns.Http http = new TestRuns.Http(server.port());
    try (Browser b = new Browser(dir.resolve("chromium"), 1300, 1200)) {
      http.awaitState("d1", s -> ((Number) s.get("step")).longValue() >= 2, 60);
      b.driver.get("http://127.0.0.1:" + server.port() + "/#token=" + TestRuns.TOKEN);
      By rowB = By.cssSelector("#data-sources [data-source='b']");
      b.await(60, "the data panel lists the sources", d -> !d.findElements(rowB).isEmpty());
      WebElement row = b.driver.findElement(rowB);
      WebElement weight = row.findElement(By.cssSelector(".weight"));
      WebElement input = row.findElement(By.cssSelector("input"));
      WebElement err = row.findElement(By.cssSelector(".err"));
      assertEquals("1", weight.getText());
      assertTrue(row.getText().contains("doc[23].txt"), row.getText());

      int before = commands(http);
      b.await(60, "the field is enabled", d -> input.isEnabled());
      input.sendKeys("0.25", Keys.ENTER);
      b.await(60, "the new weight is shown", d -> "0.25".equals(weight.getText()));
      assertEquals(before + 1, commands(http), "one command recorded");
      assertTrue(
          server
                  .store()
                  .scan(
                      e ->
                          e.type() == EventType.DATA
                              && "mixture".equals(e.payload().get("change"))
                              && e.payload().get("weights") instanceof Map<?, ?> w
                              && Double.valueOf(0.25).equals(w.get("b")),
                      1_000_000)
                  .size()
              == 1,
          "the trainer applied it");

      // refused at the server: the reason under the field, the field marked, nothing recorded
      b.await(60, "the field is enabled again", d -> input.isEnabled());
      input.sendKeys("-1", Keys.ENTER);
      b.await(
          60, "a negative weight is refused", d -> err.getText().contains("must not be negative"));
      assertTrue(input.getAttribute("class").contains("invalid"));
      input.clear();
      b.await(60, "the field is enabled again", d -> input.isEnabled());
      input.sendKeys("lots", Keys.ENTER);
      b.await(60, "a word is refused", d -> err.getText().contains("finite number"));
      assertEquals(before + 1, commands(http), "refused values are not recorded");
      assertEquals("0.25", weight.getText(), "and change nothing");

      // each source has its own validation-loss chart
      b.await(
          60,
          "a chart per source",
          d ->
              !d.findElements(By.id("chart-metric-source-a")).isEmpty()
                  && !d.findElements(By.id("chart-metric-source-b")).isEmpty());
      b.screenshot(Path.of("target", "console", "data-panel.png"));
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");
    } finally {
      server.shutdown("test over");
    }
  }
}
