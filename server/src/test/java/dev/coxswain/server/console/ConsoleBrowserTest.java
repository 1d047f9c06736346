package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.openqa.selenium.interactions.Actions;

/**
 * The console in a real headless Chromium against a real server process training the default
 * workload on the real corpus, with the rule agent deciding every 20 steps.
 */
@SuppressWarnings("unchecked")
class ConsoleBrowserTest {
  @TempDir Path dir;

  private static double number(Object o) {
    return ((Number) o).doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static double knob(TestRuns.Http http, String run, String name) throws Exception {
    for (Map<String, Object> k : (List<Map<String, Object>>) http.state(run).get("knobs")) {
      if (name.equals(k.get("name"))) {
        return number(k.get("value"));
      }
    }
    throw new AssertionError("no knob " + name);
  }

  @SuppressWarnings("unchecked")
  private static long humanCommands(TestRuns.Http http, String run) throws Exception {
    List<Map<String, Object>> cs =
        (List<Map<String, Object>>)
            http.json(http.get("/api/runs/" + run + "/commands")).get("commands");
    return cs.stream()
        .filter(c -> "human".equals(((Map<String, Object>) c.get("command")).get("source")))
        .count();
  }

  private static long snap(Browser b, String key) {
    return ((Number) b.snapshot().get(key)).longValue();
  }

  @SuppressWarnings("unchecked")
  private static long points(Browser b) {
    List<Map<String, Object>> br = (List<Map<String, Object>>) b.snapshot().get("branches");
    return br.isEmpty() ? 0 : ((Number) br.get(0).get("points")).longValue();
  }

  /** Pixels of the main branch's colour (#2456d6) drawn on the loss chart's canvas. */
  private static long seriesPixels(Browser b) {
    return ((Number)
            b.js(
                "const c = document.querySelector('#chart-loss canvas');"
                    + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                    + "let n = 0; for (let i = 0; i < d.length; i += 4) {"
                    + "  if (d[i+3] > 0 && d[i] < 90 && d[i+1] > 60 && d[i+1] < 120 && d[i+2] > 180) n++; }"
                    + "return n;"))
        .longValue();
  }

  @Test
  void liveChartsHumanOverrideRejectionsDoubleClicksAndARestart() throws Exception {
    Path cfg = dir.resolve("console.yaml");
    Files.writeString(cfg, "max_steps: 100000\neval_every: 40\ncheckpoint_every: 40\n");
    Path runDir = dir.resolve("runs/console");
    Map<String, String> env = Browser.serverEnv(TestRuns.TOKEN);
    String[] serve = Browser.serve(cfg, runDir, 20);
    ServerProcess p = ServerProcess.start(dir.resolve("logs"), env, serve).awaitServing(120);
    int port = p.port();
    String run = p.runId();
    TestRuns.Http http = new TestRuns.Http(port);
    String base = "http://127.0.0.1:" + port + "/";
    try (Browser b = new Browser(dir.resolve("chromium"), 1440, 1200)) {
      // the token comes in the fragment, goes to the tab's storage and leaves the address bar
      b.driver.get(base + "#token=" + TestRuns.TOKEN);
      b.await(60, "the console starts", d -> b.snapshot().get("runId") != null);
      assertFalse(b.driver.getCurrentUrl().contains("token"), b.driver.getCurrentUrl());
      assertEquals(TestRuns.TOKEN, b.js("return sessionStorage.getItem('coxswain.token')"));

      // charts render points from the live run
      b.await(120, "40 points and an evaluation", d -> points(b) >= 40 && evals(b) >= 1);
      b.await(60, "the loss curve is drawn", d -> seriesPixels(b) > 100);
      assertTrue(b.driver.findElement(By.id("st-status")).getText().contains("running"));
      assertTrue(
          b.driver.findElements(By.cssSelector("#chart-loss .u-legend")).size() == 1,
          "the loss chart has a legend");

      // lock lr against the agent, so the only change to lr below is the person's
      // the knob panel is re-rendered when knobs change: each use finds its element anew
      By lrRow = By.cssSelector("#knobs [data-knob='lr']");
      b.click(By.cssSelector("#knobs [data-knob='lr'] [data-role='lock']"));
      b.await(
          60,
          "lr locked",
          d -> d.findElement(lrRow).findElement(By.cssSelector(".lock")).isDisplayed());

      // x1/2 halves lr (checked through the API) and a human mark appears on every chart
      double before = knob(http, run, "lr");
      long humanBefore = humanCommands(http, run);
      b.click(By.cssSelector("#knobs [data-knob='lr'] [data-role='halve']"));
      b.await(
          60,
          "lr halved",
          d -> {
            try {
              return Math.abs(knob(http, run, "lr") - before / 2) < 1e-12;
            } catch (Exception e) {
              return false;
            }
          });
      WebElement row =
          b.await(
              60,
              "the halving is applied in the history",
              d ->
                  d.findElements(By.cssSelector("#history tr[data-status='applied']")).stream()
                      .filter(r -> r.getText().contains("scale_knob"))
                      .findFirst()
                      .orElse(null));
      String id = row.getAttribute("data-command-id");
      assertTrue(row.getText().contains("applied at step"), row.getText());
      WebElement mark =
          b.await(
              60,
              "a human mark on the loss chart",
              d ->
                  d
                      .findElements(
                          By.cssSelector("#chart-loss .mark.human[data-command-id='" + id + "']"))
                      .stream()
                      .filter(WebElement::isDisplayed)
                      .findFirst()
                      .orElse(null));
      assertEquals(
          5,
          b.driver.findElements(By.cssSelector(".mark.human[data-command-id='" + id + "']")).size(),
          "marked on all five charts");
      // the pointer follows the mark: marks slide left as the run's steps widen the chart, and a
      // mark that slid from under the pointer hides its tooltip (under load, redraws come in
      // bursts)
      By markOf = By.cssSelector("#chart-loss .mark.human[data-command-id='" + id + "']");
      // the text is read inside the wait: a redraw may slide the mark away and hide the tooltip
      // right after it was seen
      String tip =
          b.await(
              60,
              "the mark's tooltip",
              d -> {
                new Actions(d).moveToElement(d.findElement(markOf)).perform();
                WebElement t = d.findElement(By.id("tip"));
                String text = t.isDisplayed() ? t.getText() : "";
                return text.contains("scale_knob") ? text : null;
              });
      assertTrue(tip.contains("applied from step"), tip);

      // a double click sends one command, not two
      WebElement dbl =
          b.driver.findElement(lrRow).findElement(By.cssSelector("[data-role='double']"));
      b.await(60, "x2 enabled", d -> dbl.isEnabled());
      new Actions(b.driver).doubleClick(dbl).perform();
      b.await(
          60,
          "lr doubled back",
          d -> {
            try {
              return Math.abs(knob(http, run, "lr") - before) < 1e-12;
            } catch (Exception e) {
              return false;
            }
          });
      // every request the page sent has been answered: a second one would have gone out by now
      b.await(
          60,
          "no request in flight",
          d -> ((Number) b.snapshot().get("inflight")).longValue() == 0);
      assertEquals(
          humanBefore + 2, humanCommands(http, run), "the halving and one doubling: sent once");
      assertEquals(before, knob(http, run, "lr"), 1e-12);

      // bad values are refused in the page with the server's reason, and nothing changes
      WebElement input = b.driver.findElement(lrRow).findElement(By.cssSelector("input"));
      WebElement err = b.driver.findElement(lrRow).findElement(By.cssSelector(".err"));
      b.await(60, "the lr field enabled", d -> input.isEnabled());
      input.sendKeys("50", Keys.ENTER);
      b.await(60, "out of bounds is refused", d -> err.getText().contains("out of bounds"));
      assertTrue(input.getAttribute("class").contains("invalid"));
      input.clear();
      b.await(60, "the lr field enabled again", d -> input.isEnabled());
      input.sendKeys("fast", Keys.ENTER);
      // (a word for a real knob: only a choice knob takes an option's name)
      b.await(60, "a word is refused", d -> err.getText().contains("takes a number, got 'fast'"));
      assertEquals(before, knob(http, run, "lr"), 1e-12);
      assertEquals(humanBefore + 2, humanCommands(http, run), "refused values are not recorded");

      // the agent's decisions are listed with their rationale
      b.await(
          60,
          "agent decisions",
          d -> !d.findElements(By.cssSelector("#decisions li[data-decision]")).isEmpty());
      assertTrue(b.driver.findElement(By.id("ag-policy")).getText().startsWith("rule"));
      // once the window after a decision ends, the decision says whether the metric improved
      b.await(
          60,
          "a decision's outcome",
          d ->
              !d.findElements(By.cssSelector("#decisions li[data-decision] .outcome[data-verdict]"))
                  .isEmpty());
      WebElement outcome =
          b.driver.findElement(
              By.cssSelector("#decisions li[data-decision] .outcome[data-verdict]"));
      assertTrue(
          List.of("helped", "hurt", "neutral", "unknown")
              .contains(outcome.getAttribute("data-verdict")),
          outcome.getAttribute("data-verdict"));
      assertTrue(outcome.getText().contains("→"), outcome.getText());

      b.screenshot(Path.of("target", "console", "live-run.png"));

      // the server restarts: the page says the connection is lost, then catches up by itself
      long seqBefore = snap(b, "lastSeq");
      long stepBefore = snap(b, "step");
      p.terminate(60);
      b.await(
          60,
          "the lost connection is shown",
          d -> {
            WebElement banner = d.findElement(By.id("banner"));
            return banner.isDisplayed()
                && banner.getText().contains("Connection to the server lost");
          });
      assertFalse(
          b.driver.findElement(By.cssSelector("[data-cmd='pause']")).isEnabled(),
          "controls off while disconnected");
      p =
          ServerProcess.start(
                  dir.resolve("logs"),
                  env,
                  "resume",
                  runDir.toString(),
                  "--port",
                  Integer.toString(port))
              .awaitServing(120);
      b.await(
          60,
          "reconnected and stepping again",
          d ->
              Boolean.TRUE.equals(b.snapshot().get("connected"))
                  && snap(b, "step") > stepBefore + 5);
      long serverSeq =
          number(http.state(run).get("last_seq")) > 0
              ? (long) number(http.state(run).get("last_seq"))
              : 0;
      b.await(60, "caught up with the server", d -> snap(b, "lastSeq") >= serverSeq);
      assertTrue(snap(b, "lastSeq") > seqBefore);
      // read together, in one script: events keep arriving between two calls
      List<Object> counts =
          (List<Object>)
              b.js("return [window.coxswain.snapshot().lastSeq, window.coxswain.stats.events]");
      assertEquals(
          ((Number) counts.get(0)).longValue(),
          ((Number) counts.get(1)).longValue(),
          "every event applied exactly once: no duplicate, no gap");
      b.await(
          60,
          "no banner once the resumed run is running",
          d -> !d.findElement(By.id("banner")).isDisplayed());
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors on the page");

      // without a token the page asks once; a wrong one is refused and forgotten, nothing recorded
      b.js("sessionStorage.removeItem('coxswain.token')");
      b.driver.navigate().refresh();
      b.await(
          60,
          "the reloaded page has caught up",
          d -> snap(b, "lastSeq") > 0 && Boolean.TRUE.equals(b.snapshot().get("connected")));
      long humanNow = humanCommands(http, run);
      WebElement evaluate = b.driver.findElement(By.cssSelector("[data-cmd='evaluate']"));
      b.click(evaluate);
      b.await(
          60, "the token is asked for", d -> d.findElement(By.id("token-dialog")).isDisplayed());
      b.driver.findElement(By.id("token-input")).sendKeys("not-the-token");
      b.click(By.id("token-ok"));
      WebElement runErr = b.driver.findElement(By.id("run-err"));
      b.await(60, "a wrong token is refused", d -> runErr.getText().contains("wrong token"));
      assertEquals(
          null,
          b.js("return sessionStorage.getItem('coxswain.token')"),
          "a refused token is forgotten");
      assertEquals(humanNow, humanCommands(http, run));
      b.click(evaluate);
      b.await(60, "asked again", d -> d.findElement(By.id("token-dialog")).isDisplayed());
      b.driver.findElement(By.id("token-input")).sendKeys(TestRuns.TOKEN);
      b.click(By.id("token-ok"));
      b.await(
          60,
          "evaluate recorded",
          d -> {
            try {
              return humanCommands(http, run) == humanNow + 1;
            } catch (Exception e) {
              return false;
            }
          });
      assertEquals("", runErr.getText());
      // the notation ML people read: scientific with a one-digit mantissa, not engineering
      assertEquals("2.5e-4", b.js("return window.coxswain.fmt(0.00025)"), "not 250e-6");
      assertEquals("1e-8", b.js("return window.coxswain.fmt(1e-8)"), "not 10e-9");
      assertEquals("4.52e4", b.js("return window.coxswain.fmt(45195.3)"));
      assertEquals("0.01", b.js("return window.coxswain.fmt(0.01)"));
      assertEquals("1", b.js("return window.coxswain.fmt(1)"));

      // stop from the page: the run ends and the page turns read-only
      b.click(By.cssSelector("[data-cmd='stop']"));
      b.driver.switchTo().alert().accept();
      b.await(
          60,
          "stopped, read-only",
          d -> {
            WebElement banner = d.findElement(By.id("banner"));
            return banner.isDisplayed() && banner.getText().contains("read-only");
          });
      assertFalse(b.driver.findElement(By.cssSelector("[data-cmd='pause']")).isEnabled());
      // opened afresh, the stopped run shows its whole history, read-only
      long finalSeq = (long) number(http.state(run).get("last_seq"));
      b.driver.navigate().refresh();
      b.await(
          60, "the stopped run replays", d -> points(b) >= 40 && snap(b, "lastSeq") >= finalSeq);
      // the page draws (and sets its banner) at most once a second while it replays
      b.await(
          60,
          "the replayed stopped run says read-only",
          d -> d.findElement(By.id("banner")).getText().contains("read-only"));
      // the knob table may be rebuilt as the replay's last events arrive: find the control afresh
      b.await(
          60,
          "the replayed run's controls are off",
          d ->
              !d.findElement(By.cssSelector("#knobs [data-knob='lr'] [data-role='halve']"))
                  .isEnabled()); // a stale element is tried again
      assertNotNull(b.snapshot());
    } finally {
      p.close();
    }
  }

  @SuppressWarnings("unchecked")
  private static long evals(Browser b) {
    List<Map<String, Object>> br = (List<Map<String, Object>>) b.snapshot().get("branches");
    return br.isEmpty() ? 0 : ((Number) br.get(0).get("evals")).longValue();
  }
}
