package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.Main;
import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import picocli.CommandLine;

/**
 * The morning report of a real run: {@code coxswain serve} trains a small GPT on the real corpus
 * with the rule agent; a person pushes the learning rate 5,000x too high, the agent's recovery
 * rolls back to a checkpoint (a new branch). The console's report link serves the report of the
 * live run; after a stop, {@code coxswain report} writes the HTML and the Markdown, which are read
 * section by section and the HTML opened in headless Chromium.
 */
@SuppressWarnings("unchecked")
class MorningReportTest {
  /** In the reason of the person's command: what an LLM or a user could put in a run's files. */
  static final String HOSTILE = "<img src=x onerror=alert(1)></td><script>alert(2)</script> | `x`";

  @TempDir Path dir;

  private static boolean has(String text, String regex) {
    return Pattern.compile(regex).matcher(text).find();
  }

  private static long number(Object o) {
    return ((Number) o).longValue();
  }

  private static Map<String, Object> rollback(TestRuns.Http http, String run) throws Exception {
    for (Object o :
        (List<Object>) http.json(http.get("/api/runs/" + run + "/commands")).get("commands")) {
      Map<String, Object> c = (Map<String, Object>) o;
      Map<String, Object> cmd = (Map<String, Object>) c.get("command");
      Map<String, Object> result = (Map<String, Object>) c.get("result");
      if ("load_checkpoint".equals(cmd.get("type"))
          && result != null
          && "applied".equals(result.get("status"))) {
        return c;
      }
    }
    return null;
  }

  @Test
  void aRunWithARollbackHasItsReportInTheConsoleOnDiskAndInChromium() throws Exception {
    Path cfg = dir.resolve("small.yaml");
    Files.writeString(
        cfg,
        "max_steps: 100000\neval_every: 40\ncheckpoint_every: 40\n"
            + "model: {layers: 1, embed: 32, heads: 2, context: 16}\n"
            + "data: {batch_size: 8, validation_batches: 2}\n");
    Path runDir = dir.resolve("runs/night");
    try (ServerProcess p =
            ServerProcess.start(
                    dir.resolve("logs"),
                    Browser.serverEnv(TestRuns.TOKEN),
                    Browser.serve(cfg, runDir, 20))
                .awaitServing(120);
        Browser b = new Browser(dir.resolve("chromium"), 1280, 1000)) {
      String run = p.runId();
      TestRuns.Http http = new TestRuns.Http(p.port());
      http.awaitState(run, s -> number(s.get("step")) >= 50, 120); // after the step-40 checkpoint
      String push =
          "{\"type\":\"set_knobs\",\"args\":{\"lr\":5.0},\"source\":\"human\",\"reason\":"
              + dev.coxswain.protocol.Json.write(HOSTILE)
              + "}";
      assertEquals(202, http.command(run, push).statusCode());
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (rollback(http, run) == null) {
        assertTrue(System.nanoTime() < deadline, "no rollback within 120 s: " + http.state(run));
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
      }
      http.awaitState(run, s -> !"main".equals(s.get("branch")), 60);

      // the live run's report, through the console's link
      b.driver.get("http://127.0.0.1:" + p.port() + "/");
      b.await(60, "the report link", d -> d.findElement(By.id("report-link")).isDisplayed());
      assertEquals(
          "api/runs/" + run + "/report",
          b.driver
              .findElement(By.id("report-link"))
              .getAttribute("href")
              .replaceFirst("^http://[^/]+/", ""));
      String console = b.driver.getWindowHandle();
      b.click(By.id("report-link"));
      b.await(30, "the report's tab", d -> d.getWindowHandles().size() == 2);
      for (String h : b.driver.getWindowHandles()) {
        if (!h.equals(console)) {
          b.driver.switchTo().window(h);
        }
      }
      assertPageLoaded(b, 3);
      assertTrue(
          b.driver.findElement(By.id("best")).getText().contains("load_checkpoint"),
          "a live run's best checkpoint is forked by a command to the server");
      b.driver.close();
      b.driver.switchTo().window(console);

      HttpResponse<String> live = http.get("/api/runs/" + run + "/report");
      assertEquals(200, live.statusCode());
      assertTrue(live.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
      assertTrue(live.body().contains("Morning report: run <code>" + run + "</code>"));
      HttpResponse<String> unknown = http.get("/api/runs/no-such-run/report");
      assertEquals(404, unknown.statusCode());
      assertEquals("id", http.json(unknown).get("field"));
      assertTrue(String.valueOf(http.json(unknown).get("error")).contains("no-such-run"));

      // stopped, the run's report from its files
      assertEquals(202, http.command(run, "{\"type\":\"stop\",\"source\":\"human\"}").statusCode());
      http.awaitState(run, s -> "stopped".equals(s.get("status")), 60);
      long t0 = System.nanoTime();
      int code = new CommandLine(new Main()).execute("report", runDir.toString());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(0, code);
      System.out.printf("report of %s generated in %d ms%n", run, ms);
      Path html = runDir.resolve("report.html");
      Path md = runDir.resolve("report.md");
      checkHtml(Files.readString(html), run);
      checkMarkdown(Files.readString(md), run);
      b.driver.get(html.toUri().toString());
      assertPageLoaded(b, 3);
    }
  }

  /** Every image loaded, no script on the page, nothing from the run turned into markup. */
  private static void assertPageLoaded(Browser b, int charts) {
    b.await(
        60,
        "the report loaded with its images",
        d ->
            "complete".equals(b.js("return document.readyState"))
                && Boolean.TRUE.equals(
                    b.js(
                        "return [...document.images].every(i => i.complete && i.naturalWidth > 0)")));
    assertTrue(b.driver.getTitle().startsWith("Coxswain report"), b.driver.getTitle());
    assertEquals(
        0L, number(b.js("return document.scripts.length")), "no script, not even the run's");
    List<Object> imgs =
        (List<Object>)
            b.js("return [...document.images].map(i => [i.naturalWidth, i.src.slice(0, 22)])");
    assertEquals(charts, imgs.size(), "the charts' images and no other: " + imgs);
    for (Object i : imgs) {
      List<Object> img = (List<Object>) i;
      assertTrue(number(img.get(0)) > 0);
      assertEquals("data:image/png;base64,", img.get(1));
    }
    String text = b.driver.findElement(By.id("timeline")).getText();
    assertTrue(text.contains(HOSTILE), "the person's reason shown as text: " + text);
    for (String id : List.of("summary", "curves", "best", "forks", "health", "agent", "run")) {
      assertFalse(b.driver.findElement(By.id(id)).getText().isBlank(), id);
    }
  }

  private static void checkHtml(String html, String run) {
    assertFalse(html.contains("<img src=x"), "the reason is escaped");
    assertFalse(html.contains("<script"), "no script");
    assertTrue(
        html.contains("&lt;img src=x onerror=alert(1)&gt;&lt;/td&gt;&lt;script&gt;"), "escaped");
    assertTrue(html.contains("Content-Security-Policy"));
    // curves: train loss, validation loss, lr, each a PNG in a data: URI
    for (String chart : List.of("train-loss", "val-loss", "lr")) {
      assertTrue(html.contains("<figure id=\"chart-" + chart + "\"><img"), chart);
    }
    assertFalse(has(html, "(src|href)=\"(https?:|//|file:)"), "nothing from outside the page");
    // the timeline: the person's push, the rollback and its result, the agent's decisions
    assertTrue(
        has(
            html,
            "<tr data-kind=\"command\" data-type=\"set_knobs\" data-status=\"applied\">"
                + "[^\n]*>human<[^\n]*applied from step \\d+: lr \\S+ → 5<"),
        "the person's push, applied");
    Matcher rb =
        Pattern.compile(
                "<tr data-kind=\"command\" data-type=\"load_checkpoint\" data-status=\"applied\">"
                    + "[^\n]*>rule<[^\n]*applied from step (\\d+) \\(new branch (\\S+) from"
                    + " checkpoint main/(\\d+);")
            .matcher(html);
    assertTrue(rb.find(), "the rollback and its result in the timeline");
    assertEquals(Long.parseLong(rb.group(3)) + 1, Long.parseLong(rb.group(1)));
    assertTrue(html.contains("data-kind=\"decision\""), "the decisions that kept");
    // rollbacks and branches, health, the best checkpoint, the agent's cost
    assertTrue(html.contains("rollback to main/" + rb.group(3) + ": new branch " + rb.group(2)));
    String health = html.substring(html.indexOf("<section id=\"health\">"));
    assertTrue(health.contains("<tr data-kind=\"rollback\">"), "the rollback's health event");
    assertTrue(has(health, "<tr data-kind=\"(spike|nonfinite)\">"), "the trouble that caused it");
    Matcher best =
        Pattern.compile("<code id=\"best-checkpoint\">(\\S+)/(\\d+)</code>").matcher(html);
    assertTrue(best.find(), "a best checkpoint");
    assertTrue(html.contains("./coxswain resume"), "a stopped run is resumed");
    assertTrue(html.contains("<dt>tokens</dt><dd>0 (0 in, 0 out, of which 0 reasoning)</dd>"));
    assertTrue(html.contains("<dt>cost</dt><dd>$0.0000"));
    assertTrue(has(html, "<dt>throughput</dt><dd>[0-9.]+ steps/s, [0-9,]+ tokens/s"));
    assertTrue(html.contains("<dt>status</dt><dd>stopped</dd>"));
    assertTrue(html.contains(run));
  }

  private static void checkMarkdown(String md, String run) {
    assertTrue(md.startsWith("# Morning report: run " + run + "\n"), md);
    List<String> sections = new ArrayList<>();
    for (String line : md.split("\n")) {
      if (line.startsWith("## ")) {
        sections.add(line.substring(3));
      }
    }
    assertEquals(
        List.of(
            "Summary",
            "Curves",
            "Best checkpoint",
            "Timeline: commands and agent decisions",
            "Rollbacks and branches",
            "Health",
            "Agent",
            "The run"),
        sections);
    assertFalse(has(md, "(?<!\\\\)<(img|script|/td)"), "nothing from the run becomes HTML");
    assertTrue(md.contains("\\<img src=x onerror=alert(1)\\>\\</td\\>"), "escaped");
    assertTrue(md.contains("| train loss | main |") && md.contains("| validation loss |"));
    assertTrue(md.contains("| learning rate |"));
    assertTrue(
        has(
            md,
            "\\| rule \\| load\\\\_checkpoint checkpoint=main/\\d+ \\|[^\n]*"
                + "\\| applied from step \\d+ \\(new branch "),
        "the rollback and its result in the timeline");
    assertTrue(has(md, "\\| main \\| rollback \\| "), "the rollback's health event");
    assertTrue(has(md, "- \\*\\*rollbacks\\*\\*: [1-9]\n"));
    assertTrue(md.contains("```sh\n./coxswain resume "));
    assertTrue(md.contains("- **cost**: $0.0000"));
  }
}
