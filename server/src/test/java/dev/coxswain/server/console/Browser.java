package dev.coxswain.server.console;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver, with its own profile and temp
 * directory. Selenium Manager never runs: the driver and the browser are named explicitly.
 */
public final class Browser implements AutoCloseable {
  static final String CHROMIUM = System.getProperty("coxswain.chromium", "/usr/bin/chromium");
  static final String DRIVER = System.getProperty("coxswain.chromedriver", "/usr/bin/chromedriver");

  public final ChromeDriver driver;

  public Browser(Path home, int width, int height) throws Exception {
    if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(DRIVER))) {
      throw new AssertionError(
          "the console's browser tests need Debian's chromium and chromedriver at "
              + CHROMIUM
              + " and "
              + DRIVER
              + ": apt-get install -y chromium chromium-driver (.ci/run does)");
    }
    Path tmp = Files.createDirectories(home.resolve("tmp"));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(DRIVER))
            .usingAnyFreePort()
            .withEnvironment(Map.of("TMPDIR", tmp.toString()))
            .withLogFile(home.resolve("chromedriver.log").toFile())
            .build();
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM);
    o.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        // nothing but loopback: Chromium looks up Google's and its search engine's hosts
        // (autofill, sign-in, updates, the start page) even with the switches above
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate",
        "--disable-client-side-phishing-detection",
        "--disable-domain-reliability",
        "--no-default-browser-check",
        "--no-pings",
        "--homepage=about:blank",
        "--enable-precise-memory-info",
        "--js-flags=--expose-gc",
        "--window-size=" + width + "," + height,
        "--user-data-dir=" + Files.createDirectories(home.resolve("profile")));
    driver = new ChromeDriver(service, o);
  }

  /**
   * Arguments of {@code coxswain serve} for a default-workload run on the real corpus with the rule
   * agent, on any free port.
   */
  static String[] serve(Path config, Path runDir, int agentEvery) {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu"));
    if (!Files.isDirectory(corpus)) {
      throw new AssertionError("corpus missing at " + corpus + ": run scripts/fetch-corpus.sh");
    }
    return new String[] {
      "serve",
      "--port",
      "0",
      "--config",
      config.toString(),
      "--run-dir",
      runDir.toString(),
      "--corpus",
      corpus.toString(),
      "--agent",
      "rule",
      "--agent-every",
      Integer.toString(agentEvery)
    };
  }

  /**
   * The server's environment: the test token, and one PyTorch thread so that the server shares 2
   * cores with Chromium without oversubscribing them.
   */
  static Map<String, String> serverEnv(String token) {
    return Map.of("COXSWAIN_TOKEN", token, "JAVA_TOOL_OPTIONS", "-Dai.djl.pytorch.num_threads=1");
  }

  public Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> snapshot() {
    // empty while the page's modules still load (window.coxswain is set once they have): a wait
    // on a field of it waits on, instead of failing on a null
    Object s = js("return window.coxswain ? window.coxswain.snapshot() : null");
    return s == null ? Map.of() : (Map<String, Object>) s;
  }

  public <T> T await(long seconds, String what, Function<WebDriver, T> until) {
    return new WebDriverWait(driver, Duration.ofSeconds(seconds))
        .pollingEvery(Duration.ofMillis(100))
        .ignoring(StaleElementReferenceException.class) // the page redraws while it is read
        .withMessage(what)
        .until(until);
  }

  /**
   * Clicks a control once it is enabled: the page disables controls until it knows the run is live
   * and while a command is in flight, and a click on a disabled button does nothing. For a control
   * the page never re-renders; see {@link #click(By)} for the others.
   */
  void click(WebElement control) {
    await(60, "the control is enabled", d -> control.isDisplayed() && control.isEnabled());
    control.click();
  }

  /**
   * Finds the control anew at every try and clicks it once it is enabled: the knob panel is
   * re-rendered when knobs change, which leaves an element found earlier stale.
   */
  void click(By locator) {
    await(
        60,
        "enabled: " + locator,
        d -> {
          WebElement e = d.findElement(locator);
          if (!e.isDisplayed() || !e.isEnabled()) {
            return false;
          }
          e.click(); // a stale element throws before the click: the wait tries again
          return true;
        });
  }

  /** Clicks a control and waits until the command it sent has a result on the page. */
  void clickAndAwaitResult(WebElement control, long seconds) {
    long sent = ((Number) js("return window.coxswain.stats.sent")).longValue();
    click(control);
    await(
        seconds,
        "the result of the command sent by " + control.getText(),
        d ->
            ((Number) js("return window.coxswain.stats.sent")).longValue() > sent
                && List.of("applied", "rejected", "failed")
                    .contains(snapshot().get("lastSentStatus")));
  }

  public void screenshot(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }

  @Override
  public void close() {
    driver.quit();
  }
}
