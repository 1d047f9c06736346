package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Real training at the smoke size: a window of garbage batches that a rollback replays is not the
 * lr's doing, so the rule agent's recovery does not roll back until it gives up and pauses the run.
 */
class CorruptedBatchesRuleTest {
  @TempDir Path dir;

  @Test
  void aTransientWindowOfGarbageDoesNotMakeTheRuleAgentStopTheRun() throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu")).toAbsolutePath();
    String text =
        Files.readString(Smoke.repo().resolve("experiments/scenarios/corrupted-batches.yaml"));
    Path file = dir.resolve("corrupted-batches.yaml");
    Files.writeString(file, text.replace("corpus: data/sotu", "corpus: " + corpus));
    Path out = dir.resolve("out");
    int code =
        new CommandLine(new BenchmarkCommand(java.util.Map.of()))
            .execute(file.toString(), "--smoke", "--arms", "rule", "--out", out.toString());
    assertEquals(0, code);
    Scenario sc = ScenarioParser.load(file, true);
    ScenarioResult rule =
        Json.read(
            Files.readString(
                out.resolve("smoke/corrupted-batches-smoke/runs/rule/seed-1/result.json")),
            ScenarioResult.class);
    assertEquals("finished", rule.status(), "the run was not paused and stopped");
    assertEquals(sc.steps(), rule.steps());
    String events =
        Files.readString(
            out.resolve("smoke/corrupted-batches-smoke/runs/rule/seed-1/events.jsonl"));
    assertTrue(events.contains("level_jump_not_lr"), "the recovery said why it held back");
    assertTrue(events.contains("\"kind\":\"rollback\""), "the first level jump was rolled back");
  }

  /**
   * The classifier's shuffled labels leave the loss above its best for windows after the first
   * rollback replayed them: once recovery has seen that a rollback with half the lr does not help,
   * it does not roll back again for the same trouble (it used to, once per window, until it gave up
   * and paused: the benchmark then stopped the run at step 80 of 120).
   */
  @Test
  void shuffledLabelsLongerThanAWindowAreRolledBackOnceAndTheRunFinishes() throws Exception {
    Path file = Smoke.repo().resolve("experiments/scenarios/shuffled-labels.yaml");
    Path out = dir.resolve("labels");
    int code =
        new CommandLine(new BenchmarkCommand(java.util.Map.of()))
            .execute(file.toString(), "--smoke", "--arms", "rule", "--out", out.toString());
    assertEquals(0, code);
    Scenario sc = ScenarioParser.load(file, true);
    Path run = out.resolve("smoke/shuffled-labels-smoke/runs/rule/seed-1");
    ScenarioResult rule =
        Json.read(Files.readString(run.resolve("result.json")), ScenarioResult.class);
    assertEquals("finished", rule.status(), "the run was not paused and stopped");
    assertEquals(sc.steps(), rule.steps());
    String events = Files.readString(run.resolve("events.jsonl"));
    assertTrue(events.contains("level_jump_not_lr"), "the recovery said why it held back");
    long rollbacks =
        rule.actions().stream().filter(a -> a.type().equals("load_checkpoint")).count();
    assertEquals(1, rollbacks, rule.actions().toString());
  }
}
