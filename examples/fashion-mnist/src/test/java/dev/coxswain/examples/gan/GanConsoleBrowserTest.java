package dev.coxswain.examples.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.Coxswain;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.console.Browser;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The GAN run in the console, in a real headless Chromium: its knob panel (x2 on the two log
 * learning rates, not on n_critic), a refused value with its reason under the field, and its
 * action's form.
 */
class GanConsoleBrowserTest {
  @TempDir Path dir;

  private static WebElement row(Browser b, String knob) {
    return b.driver.findElement(By.cssSelector("#knobs [data-knob='" + knob + "']"));
  }

  @SuppressWarnings("unchecked")
  private static int commands(TestRuns.Http http) throws Exception {
    return ((List<Object>) http.json(http.get("/api/runs/gan/commands")).get("commands")).size();
  }

  @Test
  void theGansKnobsAndActionInTheConsole() throws Exception {
    FashionMnistData train = FashionMnistData.train(GanServedTest.DATA, 256);
    FashionMnistData val = FashionMnistData.test(GanServedTest.DATA, 100);
    TrainerConfig config =
        TrainerConfig.builder().optRunId("gan").optMaxSteps(1_000_000).optEvalEvery(50).build();
    try (GanLoop gan = new GanLoop(train, val, 16, 42);
        Coxswain run =
            Coxswain.builder(gan.loop(), config)
                .optRunsRoot(dir.resolve("runs"))
                .optListen("127.0.0.1", 0)
                .optToken(TestRuns.TOKEN)
                .serve();
        Browser b = new Browser(dir.resolve("chromium"), 1300, 1400)) {
      TestRuns.Http http = new TestRuns.Http(run.port());
      http.awaitState("gan", s -> ((Number) s.get("step")).longValue() >= 2, 60);
      b.driver.get("http://127.0.0.1:" + run.port() + "/#token=" + TestRuns.TOKEN);
      b.await(
          60,
          "the GAN's knobs listed",
          d -> !d.findElements(By.cssSelector("#knobs [data-knob='n_critic']")).isEmpty());
      for (String lr : List.of("lr_d", "lr_g")) {
        assertEquals(1, row(b, lr).findElements(By.cssSelector("[data-role='double']")).size());
        assertEquals("learning_rate", row(b, lr).findElement(By.cssSelector(".role")).getText());
      }
      assertEquals(
          0,
          row(b, "n_critic").findElements(By.cssSelector("[data-role='double']")).size(),
          "no x2 on the linear n_critic");

      // n_critic = 11: refused under the field with the server's reason, nothing recorded
      int before = commands(http);
      WebElement input = row(b, "n_critic").findElement(By.cssSelector("input"));
      WebElement err = row(b, "n_critic").findElement(By.cssSelector(".err"));
      b.await(60, "the field is enabled", d -> input.isEnabled());
      input.sendKeys("11", Keys.ENTER);
      b.await(60, "11 is refused", d -> err.getText().contains("out of bounds"));
      assertTrue(err.getText().contains("n_critic"), err.getText());
      assertEquals(before, commands(http), "a refused value is not recorded");

      // n_critic = 2: applied, shown
      input.clear();
      input.sendKeys("2", Keys.ENTER);
      b.await(
          60,
          "n_critic 2 applied",
          d -> row(b, "n_critic").findElement(By.cssSelector(".val")).getText().startsWith("2"));

      // the action's form: freeze_d with its steps field, applied
      WebElement form = b.driver.findElement(By.cssSelector("#actions [data-action='freeze_d']"));
      WebElement steps = form.findElement(By.cssSelector("[data-field='steps'] input"));
      assertEquals("1000", steps.getAttribute("max"));
      steps.sendKeys("5");
      form.findElement(By.cssSelector("[data-role='run']")).click();
      b.await(
          60,
          "freeze_d applied in the history",
          d ->
              d.findElements(By.cssSelector("#history tr[data-status='applied']")).stream()
                  .anyMatch(r -> r.getText().contains("freeze_d")));
      b.screenshot(Path.of("target", "console", "gan.png"));
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");
    }
  }
}
