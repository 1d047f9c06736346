package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.agent.FakeOpenAi;
import dev.coxswain.protocol.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The LLM's arms against an OpenAI-compatible server this test starts on 127.0.0.1: the openai arm
 * decides over HTTP and its tokens and dollars are scored; the replay arm repeats its decisions at
 * the same steps without a request; the key is written nowhere; without a key neither runs.
 */
class BenchmarkLlmArmsTest {
  private static final String KEY = "sk-test-NEVER-WRITTEN-4711";

  @TempDir Path dir;

  private Path scenario() throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu")).toAbsolutePath();
    String text =
        Files.readString(
            ScenarioParserTest.repo().resolve("experiments/scenarios/lr-too-high.yaml"));
    Path file = dir.resolve("lr-too-high.yaml");
    Files.writeString(file, text.replace("corpus: data/sotu", "corpus: " + corpus));
    return file;
  }

  /** Runs the command with this environment; its exit code, its stderr in {@code err}. */
  private static int run(Map<String, String> env, StringBuilder err, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      return new CommandLine(new BenchmarkCommand(env)).execute(args);
    } finally {
      System.setErr(old);
      err.append(bytes.toString(StandardCharsets.UTF_8));
      old.print(bytes.toString(StandardCharsets.UTF_8));
    }
  }

  /** The decisions' actions in a run's journal, in order. */
  private static List<String> decided(Path run) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("agent.jsonl"))) {
      JsonNode n = Json.mapper().readTree(line);
      if (n.has("decision")) {
        out.add(n.path("decision").path("action").asText());
      }
    }
    return out;
  }

  @Test
  void theLlmDecidesOverHttpAndItsReplayRepeatsItWithoutAsking() throws Exception {
    Path file = scenario();
    Path out = dir.resolve("out");
    try (FakeOpenAi llm = new FakeOpenAi()) {
      llm.then(
          FakeOpenAi.decision("halve", "the loss jumped"),
          FakeOpenAi.decision("halve", "still too high"),
          FakeOpenAi.decision("keep", "recovering"));
      Map<String, String> env = Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", llm.baseUrl());
      StringBuilder err = new StringBuilder();
      assertEquals(
          0,
          run(
              env,
              err,
              file.toString(),
              "--smoke",
              "--arms",
              "none,openai,replay",
              "--out",
              out.toString()),
          err.toString());
      Path sd = out.resolve("smoke/lr-too-high-smoke");
      Path openaiRun = sd.resolve("runs/openai/seed-1");
      Path replayRun = sd.resolve("runs/replay/seed-1");
      ScenarioResult openai =
          Json.read(Files.readString(openaiRun.resolve("result.json")), ScenarioResult.class);
      ScenarioResult replay =
          Json.read(Files.readString(replayRun.resolve("result.json")), ScenarioResult.class);

      // every decision of the openai arm was one request; the replay asked nothing
      List<String> asked = decided(openaiRun);
      assertTrue(asked.size() >= 3, asked.toString());
      assertEquals(List.of("halve", "halve", "keep"), asked.subList(0, 3));
      assertEquals(asked.size(), llm.requests().size(), "one request per decision, none more");
      assertEquals(asked.size(), openai.decisions());
      // its tokens and dollars: the fake's usage (700 in, 60 out per answer) at o4-mini's prices
      RunScores s = openai.scores();
      assertEquals(700L * asked.size(), s.inputTokens());
      assertEquals(60L * asked.size(), s.outputTokens());
      assertEquals(asked.size() * (700 * 1.10 + 60 * 4.40) / 1e6, s.costUsd(), 1e-9);
      assertEquals(null, replay.scores().inputTokens(), "the replay costs no tokens");
      assertTrue(
          openai.actions().stream().anyMatch(a -> a.lrAfter() < a.lrBefore()),
          "the halvings applied: " + openai.actions());

      // the replay: the same decisions in the same order, applied at the same steps as long as
      // the training was the same (see BenchmarkSmokeTest on the rare step that is not)
      assertEquals(asked, decided(replayRun).subList(0, asked.size()));
      long apart = BenchmarkSmokeTest.firstStepApart(openaiRun, replayRun);
      assertEquals(
          openai.actions().stream().filter(a -> a.step() <= apart).toList(),
          replay.actions().stream().filter(a -> a.step() <= apart).toList());

      // the tables: the LLM's cost in its row, both policies judged against the baselines
      String md = Files.readString(sd.resolve("results.md"));
      String row = md.lines().filter(l -> l.startsWith("| openai (")).findFirst().orElseThrow();
      assertTrue(row.contains("LLM tokens " + String.format("%,d", 700 * asked.size())), row);
      String summary = Files.readString(out.resolve("smoke/summary.md"));
      assertTrue(summary.contains("| openai vs equal compute | openai vs any compute |"), summary);
      assertTrue(summary.contains("| replay vs equal compute | replay vs any compute |"), summary);

      // the key: in no file the benchmark wrote, and the endpoint's host only in run.json
      try (var walk = Files.walk(out)) {
        for (Path f : walk.filter(Files::isRegularFile).toList()) {
          String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
          assertFalse(text.contains(KEY), f + " holds the key");
        }
      }
      assertTrue(Files.readString(openaiRun.resolve("run.json")).contains("127.0.0.1"));
    }
  }

  @Test
  void withoutAKeyTheLlmArmsAreRefusedOrLeftOutAndAReplayNeedsItsRun() throws Exception {
    Path file = scenario();
    Path out = dir.resolve("none");
    StringBuilder err = new StringBuilder();
    String[] asked = {file.toString(), "--smoke", "--arms", "openai", "--out", out.toString()};
    assertEquals(2, run(Map.of(), err, asked), err.toString());
    assertTrue(err.toString().contains("needs OPENAI_API_KEY set"), err.toString());
    // a replay with nothing to replay: refused before anything trains, key or not
    err.setLength(0);
    Map<String, String> env =
        Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", "http://127.0.0.1:9");
    assertEquals(
        2,
        run(env, err, file.toString(), "--smoke", "--arms", "replay,none", "--out", out.toString()),
        err.toString());
    assertTrue(err.toString().contains("its run of seed 1 is not on disk"), err.toString());
    assertFalse(Files.exists(out), "nothing trained");
    // no key and no arms named: every other arm, and a line saying which two are left out
    err.setLength(0);
    assertEquals(
        3,
        run(Map.of(), err, file.toString(), "--smoke", "--report-only", "--out", out.toString()),
        "nothing on disk to report: " + err);
    assertTrue(
        err.toString()
            .contains("OPENAI_API_KEY is not set: the openai and replay arms are left out"),
        err.toString());
  }
}
