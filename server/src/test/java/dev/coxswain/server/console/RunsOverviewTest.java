package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** The console's runs overview: every run the control plane knows, live and finished. */
class RunsOverviewTest {
  @TempDir Path dir;

  private static CoxswainServer run(Path dir, String id, long steps) throws Exception {
    RunConfig cfg =
        RunConfig.load(TestRuns.config(dir, steps, 50)).withOverrides(id, null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, steps, Map.of("agent", Map.of("mode", "off")));
    RunStore store = RunStore.create(dir.resolve("runs/" + id), spec.runJson());
    return CoxswainServer.start(
        ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
        dir.resolve("runs"),
        store,
        spec,
        null,
        null);
  }

  private static WebElement row(Browser b, String run) {
    return b.driver.findElement(By.cssSelector("#runs tr[data-run='" + run + "']"));
  }

  @Test
  void listsLiveAndFinishedRunsWithTheirLossAndOpensOneOnAClick() throws Exception {
    CoxswainServer old = run(dir, "old", 40);
    new TestRuns.Http(old.port()).awaitState("old", s -> "finished".equals(s.get("status")), 120);
    old.shutdown("finished");
    CoxswainServer live = run(dir, "live", 1_000_000);
    try (Browser b = new Browser(dir.resolve("chromium"), 1300, 900)) {
      new TestRuns.Http(live.port())
          .awaitState("live", s -> ((Number) s.get("step")).longValue() >= 20, 120);
      b.driver.get("http://127.0.0.1:" + live.port() + "/");
      b.await(
          60,
          "both runs listed",
          d -> d.findElements(By.cssSelector("#runs tbody tr")).size() == 2);
      WebElement liveRow = row(b, "live");
      WebElement oldRow = row(b, "old");
      assertTrue(liveRow.getAttribute("class").contains("current"), "the open run is marked");
      b.await(60, "the live run's status", d -> liveRow.getText().contains("running"));
      assertTrue(oldRow.getText().contains("finished (read-only)"), oldRow.getText());
      // a loss sparkline for each: a polyline with points
      for (WebElement row : List.of(liveRow, oldRow)) {
        String pts = row.findElement(By.cssSelector("svg.spark polyline")).getAttribute("points");
        assertTrue(pts.split(" ").length >= 10, "a sparkline: " + pts);
      }
      // the overview follows the live run
      String before = liveRow.findElements(By.tagName("td")).get(2).getText();
      b.await(
          60,
          "the live run's step moves on",
          d -> !row(b, "live").findElements(By.tagName("td")).get(2).getText().equals(before));
      // a click opens the other run's page, read-only
      b.screenshot(Path.of("target", "console", "runs-overview.png"));
      // rows are updated in place: after refreshes it is still the same element
      assertEquals(oldRow, row(b, "old"));
      b.click(oldRow);
      b.await(60, "the finished run opens", d -> "old".equals(b.snapshot().get("runId")));
      b.await(60, "read-only", d -> Boolean.TRUE.equals(b.snapshot().get("readOnly")));
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");
    } finally {
      live.shutdown("test over");
    }
  }
}
