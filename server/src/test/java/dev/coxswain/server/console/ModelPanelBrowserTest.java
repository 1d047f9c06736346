package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The console's model panel in a real headless Chromium against a real server training a tiny GPT:
 * the tree from the trainer, a dropout change that applies, and refused values shown under their
 * field with the server's reason, with nothing recorded.
 */
class ModelPanelBrowserTest {
  @TempDir Path dir;

  @SuppressWarnings("unchecked")
  private static double dropout(TestRuns.Http http) throws Exception {
    for (Map<String, Object> m :
        (List<Map<String, Object>>) http.json(http.get("/api/runs/t1/model")).get("modules")) {
      if ("block0.drop".equals(m.get("module"))) {
        return ((Number) ((List<Map<String, Object>>) m.get("settable")).get(0).get("value"))
            .doubleValue();
      }
    }
    throw new AssertionError("no block0.drop");
  }

  @SuppressWarnings("unchecked")
  private static int commands(TestRuns.Http http) throws Exception {
    return ((List<Object>) http.json(http.get("/api/runs/t1/commands")).get("commands")).size();
  }

  @Test
  void aDropoutChangeAppliesAndARefusedValueShowsTheServersReason() throws Exception {
    CoxswainServer server = TestRuns.start(dir, 1_000_000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    try (Browser b = new Browser(dir.resolve("chromium"), 1300, 1100)) {
      http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 2, 60);
      b.driver.get("http://127.0.0.1:" + server.port() + "/#token=" + TestRuns.TOKEN);
      By drop = By.cssSelector("#model [data-module='block0.drop'] [data-param='p']");
      b.await(60, "the model panel shows the dropout", d -> !d.findElements(drop).isEmpty());
      WebElement row = b.driver.findElement(drop);
      WebElement value = row.findElement(By.cssSelector(".val"));
      WebElement input = row.findElement(By.cssSelector("input"));
      WebElement err = row.findElement(By.cssSelector(".err"));
      assertEquals("0", value.getText());
      assertTrue(row.getText().contains("[0, 0.9]"), row.getText());
      // the tree: a reset for modules with parameters, none for the dropout
      assertEquals(
          1,
          b.driver
              .findElements(
                  By.cssSelector("#model [data-module='block0.attn'] [data-role='reset']"))
              .size());
      assertEquals(
          0,
          b.driver
              .findElements(
                  By.cssSelector("#model [data-module='block0.drop'] [data-role='reset']"))
              .size());

      int before = commands(http);
      b.await(60, "the field is enabled", d -> input.isEnabled());
      input.sendKeys("0.25", Keys.ENTER);
      b.await(60, "the new p is shown", d -> "0.25".equals(value.getText()));
      assertEquals(0.25, dropout(http), 1e-12, "the trainer has it");
      assertEquals(before + 1, commands(http), "one command recorded");
      assertEquals("", err.getText());

      // refused at the server: the reason under the field, the field marked, nothing recorded
      b.await(60, "the field is enabled again", d -> input.isEnabled());
      input.sendKeys("1.5", Keys.ENTER);
      b.await(60, "out of bounds is refused", d -> err.getText().contains("out of bounds"));
      assertTrue(err.getText().contains("block0.drop p = 1.5"), err.getText());
      assertTrue(input.getAttribute("class").contains("invalid"));
      input.clear();
      b.await(60, "the field is enabled again", d -> input.isEnabled());
      input.sendKeys("lots", Keys.ENTER);
      b.await(60, "a word is refused", d -> err.getText().contains("must be a number"));
      assertEquals(before + 1, commands(http), "refused values are not recorded");
      assertEquals(0.25, dropout(http), 1e-12, "and change nothing");
      assertEquals("0.25", value.getText());
      b.screenshot(Path.of("target", "console", "model-panel.png"));
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");
    } finally {
      server.shutdown("test over");
    }
  }
}
