package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * One gesture, one command, however fast the answer. The page runs against a real server, but its
 * command POSTs are answered inside the page at once (a 202 in well under 5 ms, counted), so that
 * an answer always beats the second click of a double click: the guard that held a button only
 * until the answer came sent two commands here.
 */
class ConsoleGestureBrowserTest {
  @TempDir Path dir;

  /** Answers every command POST at once with a 202 and records its body and how long it took. */
  private static final String FAST_ANSWERS =
      """
      const real = window.fetch;
      window.__posts = []; window.__answerMs = [];
      window.fetch = async (url, opts) => {
        if (opts && opts.method === "POST" && String(url).endsWith("/commands")) {
          const t0 = performance.now();
          window.__posts.push(JSON.parse(opts.body));
          const r = new Response(JSON.stringify({ id: JSON.parse(opts.body).id, status: "recorded" }),
            { status: 202, headers: { "Content-Type": "application/json" } });
          window.__answerMs.push(performance.now() - t0);
          return r;
        }
        return real(url, opts);
      };
      """;

  private static long posts(Browser b) {
    return ((Number) b.js("return window.__posts.length")).longValue();
  }

  /** Waits until the control's gesture window (600 ms in the page) has passed: a new gesture. */
  private static void awaitNewGesture(Browser b) {
    b.js("window.__mark = performance.now()");
    b.await(
        10, "a new gesture", d -> (Boolean) b.js("return performance.now() - window.__mark > 700"));
  }

  @Test
  void aDoubleClickOrADoubleEnterSendsOneCommandEvenWhenTheAnswerIsInstant() throws Exception {
    CoxswainServer server = TestRuns.start(dir, 1_000_000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    try (Browser b = new Browser(dir.resolve("chromium"), 1300, 1000)) {
      http.awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 1, 60);
      b.driver.get("http://127.0.0.1:" + server.port() + "/#token=" + TestRuns.TOKEN);
      By lrRow = By.cssSelector("#knobs [data-knob='lr']");
      By dblBtn = By.cssSelector("#knobs [data-knob='lr'] [data-role='double']");
      b.await(60, "x2 enabled", d -> d.findElement(dblBtn).isEnabled());
      b.js(FAST_ANSWERS);

      // a double click: one command
      new Actions(b.driver).doubleClick(b.driver.findElement(dblBtn)).perform();
      b.await(10, "the first click's command", d -> posts(b) >= 1);
      b.await(
          10, "no request in flight", d -> ((Number) b.snapshot().get("inflight")).intValue() == 0);
      assertEquals(1, posts(b), "a double click sends one command");

      // the case that broke the old guard, made certain: the second click comes after the answer
      // to the first was handled and the button is enabled again, a few ms later
      awaitNewGesture(b);
      b.await(10, "x2 enabled again", d -> d.findElement(dblBtn).isEnabled());
      Object after =
          ((org.openqa.selenium.JavascriptExecutor) b.driver)
              .executeAsyncScript(
                  """
                  const done = arguments[arguments.length - 1], btn = arguments[0];
                  const t0 = performance.now();
                  btn.click();
                  const again = () => {
                    if (window.coxswain.stats.inflight > 0 || btn.disabled) return setTimeout(again, 0);
                    btn.click();
                    done(performance.now() - t0);
                  };
                  setTimeout(again, 0);
                  """,
                  b.driver.findElement(dblBtn));
      assertTrue(
          ((Number) after).doubleValue() < 600, "the second click came " + after + " ms later");
      assertEquals(
          2, posts(b), "a click after the first one's answer, within the gesture: dropped");
      assertTrue(
          ((Number) b.snapshot().get("suppressed")).intValue() >= 1, "and counted as dropped");
      @SuppressWarnings("unchecked")
      List<Number> answered = (List<Number>) b.js("return window.__answerMs");
      assertTrue(answered.get(0).doubleValue() < 5, "the answer took " + answered.get(0) + " ms");

      // a second gesture after the window is a second command (the guard does not swallow them)
      awaitNewGesture(b);
      b.await(10, "x2 enabled again", d -> d.findElement(dblBtn).isEnabled());
      b.driver.findElement(dblBtn).click();
      b.await(10, "the second gesture's command", d -> posts(b) == 3);

      // Enter twice in the lr field: one set_knobs
      awaitNewGesture(b);
      WebElement input = b.driver.findElement(lrRow).findElement(By.cssSelector("input"));
      b.await(10, "the lr field enabled", d -> input.isEnabled());
      input.sendKeys("0.001", Keys.ENTER, Keys.ENTER);
      b.await(10, "the set_knobs command", d -> posts(b) >= 4);
      b.await(
          10, "no request in flight", d -> ((Number) b.snapshot().get("inflight")).intValue() == 0);
      assertEquals(4, posts(b), "Enter twice sends one command");
      assertEquals("set_knobs", b.js("return window.__posts[3].type"));

      // a refused command is no gesture to protect: trying again at once (well within the
      // window) sends again, as a person who read the error expects
      awaitNewGesture(b);
      b.js(
          """
          const prev = window.fetch;
          let refuse = true;
          window.fetch = async (url, opts) => {
            if (refuse && opts && opts.method === "POST" && String(url).endsWith("/commands")) {
              refuse = false;
              window.__posts.push(JSON.parse(opts.body));
              return new Response(JSON.stringify({ error: "busy: try again" }),
                { status: 429, headers: { "Content-Type": "application/json", "Retry-After": "1" } });
            }
            return prev(url, opts);
          };
          """);
      b.await(10, "x2 enabled again", d -> d.findElement(dblBtn).isEnabled());
      Object retry =
          ((org.openqa.selenium.JavascriptExecutor) b.driver)
              .executeAsyncScript(
                  """
                  const done = arguments[arguments.length - 1], btn = arguments[0];
                  const t0 = performance.now();
                  btn.click();
                  const again = () => {
                    if (window.coxswain.stats.inflight > 0 || btn.disabled) return setTimeout(again, 0);
                    btn.click();
                    done(performance.now() - t0);
                  };
                  setTimeout(again, 0);
                  """,
                  b.driver.findElement(dblBtn));
      assertTrue(((Number) retry).doubleValue() < 600, "the retry came " + retry + " ms later");
      b.await(10, "the retry's command", d -> posts(b) == 6);
      assertEquals(
          b.js("return window.__posts[4].type"),
          b.js("return window.__posts[5].type"),
          "the same command, sent again after its refusal");
    } finally {
      server.shutdown("test over");
    }
  }
}
