package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.RunState;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's reducer (webroot/js/run-state.js), run in a real headless Chromium on the page the
 * server serves, folds the shared event fixtures to the states written by hand, and a whole run
 * (the fixture run of 2026-12-02) to the state the Java fold gives: the two folds agree.
 */
class RunStateReducerBrowserTest {
  private static final Path FIXTURES = Path.of("../protocol/src/test/resources/fixtures/events");
  private static final Path RUN_LOG =
      Path.of("src/test/resources/fixtures/run-2026-12-02/events.jsonl");

  @TempDir static Path dir;
  private static CoxswainServer server;
  private static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    server = TestRuns.start(dir, 1);
    browser = new Browser(dir.resolve("chromium"), 800, 600);
    browser.driver.get("http://127.0.0.1:" + server.port() + "/");
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.shutdown("test over");
    }
  }

  /** The reducer's view() of these JSON lines, folded in the page. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> foldInThePage(String jsonl) {
    Object out =
        ((org.openqa.selenium.JavascriptExecutor) browser.driver)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "import('/js/run-state.js').then(m => {"
                    + "  const events = arguments[0].split('\\n').filter(l => l.trim())"
                    + "      .map(l => JSON.parse(l));"
                    + "  done(JSON.stringify(m.view(m.foldAll(events))));"
                    + "}).catch(e => done('error: ' + e));",
                jsonl);
    String json = String.valueOf(out);
    assertTrue(json.startsWith("{"), json);
    try {
      return Json.read(json, Map.class);
    } catch (Exception e) {
      throw new AssertionError(json, e);
    }
  }

  @Test
  void theReducerFoldsEveryFixtureToTheStateWrittenByHand() throws Exception {
    List<Path> fixtures;
    try (Stream<Path> files = Files.list(FIXTURES)) {
      fixtures = files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
    }
    assertEquals(2, fixtures.size(), "the fixtures: " + fixtures);
    for (Path f : fixtures) {
      Map<String, Object> expected =
          Json.read(
              Files.readString(Path.of(f.toString().replace(".jsonl", ".expected.json"))),
              Map.class);
      assertEquals(
          normal(expected), normal(foldInThePage(Files.readString(f))), f.getFileName().toString());
    }
  }

  @Test
  void theReducerAndTheJavaFoldAgreeOnAWholeRun() throws Exception {
    String log = Files.readString(RUN_LOG);
    RunState java = new RunState();
    List<Event> events = new ArrayList<>();
    for (String line : log.split("\n")) {
      if (!line.isBlank()) {
        events.add(Json.read(line, Event.class));
      }
    }
    events.forEach(java::apply);
    Map<String, Object> page = foldInThePage(log);
    assertEquals(normal(java.view()), normal(page));
    // and a different history gives a different state: the comparison can fail
    String cut = String.join("\n", log.lines().limit(events.size() / 2).toList());
    assertNotEquals(normal(java.view()), normal(foldInThePage(cut)));
  }

  // numbers as doubles: JSON from the page has no longs
  private static Object normal(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), normal(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(RunStateReducerBrowserTest::normal).toList();
    }
    return v;
  }
}
