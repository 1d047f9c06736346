package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The population-based training arm on a real tiny run: the worst member takes the best one's
 * checkpoint at a boundary through its trainer's load, every member's steps count, and the same
 * seed makes the same decisions.
 */
class PopulationRunnerTest {
  @TempDir Path dir;

  private Scenario scenario() throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu")).toAbsolutePath();
    assertTrue(Files.isDirectory(corpus), "corpus missing at " + corpus);
    String yaml =
        String.join(
            "\n",
            "workload: char-gpt",
            "size: tiny",
            "data: {corpus: '" + corpus + "'}",
            "steps: 40",
            "seeds: [1]",
            "eval_every: 10",
            "lr: 0.002",
            "goal: {metric: eval_loss, direction: minimize, deadline: 40}",
            "troubles:",
            "  - {kind: knob_mistake, step: 15, knob: lr, factor: 3}",
            "tuning: {lrs: [0.001, 0.002]}",
            "agent: {every: 10}",
            "");
    return ScenarioParser.parse(yaml, "pbt test", "pbt-test", false);
  }

  @Test
  void theWorstTakesTheBestCheckpointEveryStepCountsAndTheSameSeedDecidesTheSame()
      throws Exception {
    Scenario sc = scenario();
    ScenarioRunner runner = new ScenarioRunner(sc, new ResultOrigin("test", "test", "test"));
    List<ScenarioResult> twice = new ArrayList<>();
    for (String out : List.of("first", "second")) {
      twice.add(runner.run(BenchArm.PBT, 0.002, 1, dir.resolve(out)));
    }
    ScenarioResult r = twice.get(0);
    Population pop = r.population();
    System.err.println("pbt result: " + Json.mapper().writeValueAsString(pop));

    // boundaries at the evaluations 10, 20, 30 (not the deadline): one copy each
    assertEquals(List.of(10L, 20L, 30L), pop.copies().stream().map(Population.Copy::step).toList());
    for (Population.Copy c : pop.copies()) {
      assertTrue(c.applied(), "the trainer applied the load and the lr: " + c);
      assertTrue(c.fromValue() <= c.toValue(), "the best is copied into the worst: " + c);
      assertTrue(c.from() != c.to());
      assertTrue(c.factor() == 0.8 || c.factor() == 1.25, c.toString());
      assertEquals(c.lrFrom() * c.factor(), c.lrAfter(), 1e-15);
    }
    assertEquals(List.of(0.001, 0.002, 0.003, 0.004), pop.startLrs());

    // the copy went through the trainer's own load: the worst member's log has the new branch,
    // from the best member's checkpoint, resuming right after the boundary
    Population.Copy first = pop.copies().get(0);
    Path worst = dir.resolve("first").resolve("member-" + first.to());
    JsonNode branch =
        events(worst).stream()
            .filter(e -> e.path("type").asText().equals("branch"))
            .findFirst()
            .orElseThrow();
    assertEquals(first.checkpoint(), branch.path("payload").path("checkpoint").asText());
    assertEquals("pbt-10", branch.path("payload").path("branch").asText());
    assertEquals(11, branch.path("payload").path("resumes_at_step").asLong(), branch.toString());
    // the step after, it trains at the perturbed lr (the knob mistake comes later, at 15)
    assertEquals(first.lrAfter(), lrAt(worst, 11), 1e-12);

    // every member trained every step: the arm computed 4 runs' worth
    assertEquals(List.of(40L, 40L, 40L, 40L), pop.memberSteps());
    assertEquals(4 * sc.steps(), r.stepsTrained());
    assertEquals(pop.compute(), r.stepsTrained());
    // every member met the trouble: the knob mistake tripled its lr after step 15
    for (int i = 0; i < 4; i++) {
      Path m = dir.resolve("first").resolve("member-" + i);
      assertEquals(3 * lrAt(m, 15), lrAt(m, 16), 1e-12, "member " + i);
      assertFalse(Files.exists(m.resolve("checkpoints")), "checkpoints deleted once recorded");
    }

    // result.json says what the arm did; the winner's evaluations are the arm's
    ScenarioResult onDisk =
        Json.read(
            Files.readString(dir.resolve("first").resolve("result.json")), ScenarioResult.class);
    assertEquals(pop, onDisk.population());
    assertEquals("pbt", onDisk.arm());
    assertTrue(Double.isFinite(onDisk.valueAt(40)));

    // the same seed: the same decisions at the same steps, the same winner
    Population again = twice.get(1).population();
    assertEquals(decisions(pop), decisions(again));
    assertEquals(pop.winner(), again.winner());
  }

  private static List<String> decisions(Population p) {
    return p.copies().stream()
        .map(c -> c.step() + ": " + c.from() + " -> " + c.to() + " x" + c.factor())
        .toList();
  }

  private static List<JsonNode> events(Path run) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("events.jsonl"))) {
      if (!l.isBlank()) {
        out.add(Json.mapper().readTree(l));
      }
    }
    return out;
  }

  /** The lr a member trained step {@code step} at, from its metrics event. */
  private static double lrAt(Path run, long step) throws Exception {
    return events(run).stream()
        .filter(e -> e.path("type").asText().equals("metrics") && e.path("step").asLong() == step)
        .reduce((a, b) -> b)
        .orElseThrow()
        .path("payload")
        .path("lr")
        .asDouble();
  }
}
