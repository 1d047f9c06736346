package dev.coxswain.server.console;

import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
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
 * Makes the README's screenshot (not part of the suite): a real default-workload run with the rule
 * agent, driven through the console. At step 300 a person types lr 0.03 (30x too high); the agent
 * rolls back to the step-300 checkpoint with half the rate (a new branch); the person locks lr,
 * halves it once more and asks for an evaluation. Writes target/console/console.png. Run: {@code
 * mvn -pl server -am verify -Dtest=ConsoleScreenshot -Dsurefire.failIfNoSpecifiedTests=false}
 */
class ConsoleScreenshot {
  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void aRunWithInterventions() throws Exception {
    Path cfg = dir.resolve("demo.yaml");
    Files.writeString(cfg, "max_steps: 1200\neval_every: 50\ncheckpoint_every: 100\n");
    try (ServerProcess p =
            ServerProcess.start(
                    dir.resolve("logs"),
                    Browser.serverEnv(TestRuns.TOKEN),
                    Browser.serve(cfg, dir.resolve("runs/demo"), 50))
                .awaitServing(120);
        Browser b = new Browser(dir.resolve("chromium"), 1440, 1800)) {
      b.driver.get("http://127.0.0.1:" + p.port() + "/#token=" + TestRuns.TOKEN);
      b.await(
          900,
          "step 300",
          d ->
              b.snapshot() != null
                  && b.snapshot().get("step") != null
                  && ((Number) b.snapshot().get("step")).longValue() >= 300);
      WebElement lr = b.driver.findElement(By.cssSelector("#knobs [data-knob='lr']"));
      lr.findElement(By.cssSelector("input")).sendKeys("0.03", Keys.ENTER);
      b.await(
          900,
          "the agent rolls back into a new branch",
          d -> ((List<Map<String, Object>>) b.snapshot().get("branches")).size() >= 2);
      b.await(
          600,
          "80 steps on the new branch",
          d -> ((Number) b.snapshot().get("step")).longValue() >= 380);
      b.clickAndAwaitResult(lr.findElement(By.cssSelector("[data-role='lock']")), 120);
      b.clickAndAwaitResult(lr.findElement(By.cssSelector("[data-role='halve']")), 120);
      b.clickAndAwaitResult(b.driver.findElement(By.cssSelector("[data-cmd='evaluate']")), 120);
      b.await(1200, "step 800", d -> ((Number) b.snapshot().get("step")).longValue() >= 800);
      b.js("window.scrollTo(0, 0)");
      b.screenshot(Path.of("target", "console", "console.png"));
    }
  }
}
