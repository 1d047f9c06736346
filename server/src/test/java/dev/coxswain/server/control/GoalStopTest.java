package dev.coxswain.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.checkpoint.CheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served run with a goal and a person's permission to stop early: the rule agent stops it once
 * the target is met, the best weights are tagged, and every decision gets its outcome.
 */
class GoalStopTest {
  private static final long MAX_STEPS = 3000;
  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  private void start(String goalYaml) throws Exception {
    Path yaml = TestRuns.config(dir, MAX_STEPS, 50);
    Files.writeString(
        yaml, Files.readString(yaml).replace("eval_every: 50", "eval_every: 20") + goalYaml);
    RunConfig cfg = RunConfig.load(yaml).withOverrides("g1", null, 0.01, null, null);
    AgentSettings rule =
        new AgentSettings(
            "rule",
            "lr-recovery",
            null,
            SupervisorConfig.defaults().withEvery(20),
            0,
            0,
            1.10,
            4.40,
            null,
            null);
    RunSpec spec = RunSpec.resolve(cfg, MAX_STEPS, Map.of("agent", rule.describe()));
    RunStore store = RunStore.create(dir.resolve("runs/g1"), spec.runJson());
    server =
        CoxswainServer.start(
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            dir.resolve("runs"),
            store,
            spec,
            null,
            null,
            rule);
  }

  private Event await(Predicate<Event> p, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      List<Event> got = server.store().scan(p, 1_000_000);
      if (!got.isEmpty()) {
        return got.get(0);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no matching event within " + seconds + " s");
      }
      LockSupport.parkNanos(50_000_000);
    }
  }

  private static boolean status(Event e, String s) {
    return e.type() == EventType.STATUS && s.equals(e.payload().get("status"));
  }

  @Test
  void aMetTargetStopsTheRunEarlyWithTheBestWeightsTagged() throws Exception {
    start("goal: {metric: eval_loss, target: 1.2, stop_early: true}\n");
    Event stopped = await(e -> status(e, "stopped") || status(e, "finished"), 300);
    assertEquals("stopped", stopped.payload().get("status"), "the agent stopped it");
    assertTrue(stopped.step() < MAX_STEPS, "early: at step " + stopped.step());
    List<Event> all = server.store().scan(e -> true, 1_000_000);
    Event stop =
        all.stream()
            .filter(e -> e.type() == EventType.COMMAND && "stop".equals(e.payload().get("type")))
            .findFirst()
            .orElseThrow();
    assertEquals("agent", stop.payload().get("source"));
    assertTrue(
        String.valueOf(stop.payload().get("reason")).contains("the goal is met"),
        String.valueOf(stop.payload().get("reason")));
    // the first evaluation at or below the target, and the best one: tagged 'best'
    double best = Double.POSITIVE_INFINITY;
    long bestStep = -1;
    boolean met = false;
    for (Event e : all) {
      if (e.type() == EventType.EVAL && e.step() > 0) {
        double v = ((Number) e.payload().get("eval_loss")).doubleValue();
        if (v < best) {
          best = v;
          bestStep = e.step();
        }
        met |= v <= 1.2;
      }
    }
    assertTrue(
        met,
        "the target was reached before the stop: "
            + all.stream()
                .filter(e -> e.type() == EventType.EVAL)
                .map(e -> e.step() + ":" + e.payload().get("eval_loss"))
                .toList());
    CheckpointMeta tagged =
        new CheckpointStore(dir.resolve("runs/g1/checkpoints")).resolve("best").orElseThrow();
    assertEquals(bestStep, tagged.step(), "'best' holds the best evaluation's weights");
    List<String> journal = Files.readAllLines(dir.resolve("runs/g1/agent.jsonl"));
    assertTrue(journal.stream().anyMatch(l -> l.contains("\"early_stop\"")), "journaled");
    List<Event> outcomes = all.stream().filter(e -> e.type() == EventType.AGENT_OUTCOME).toList();
    List<Event> decisions = all.stream().filter(e -> e.type() == EventType.AGENT_DECISION).toList();
    assertFalse(
        outcomes.isEmpty(),
        "decisions get outcomes: " + decisions.size() + " decisions, stopped at " + stopped.step());
    assertTrue(outcomes.size() >= decisions.size() - 1, "every decision but the last is judged");
    for (Event o : outcomes) {
      assertTrue(
          List.of("helped", "hurt", "neutral", "unknown").contains(o.payload().get("verdict")),
          Json.write(o.payload()));
      assertTrue(
          decisions.stream()
              .anyMatch(d -> d.payload().get("id").equals(o.payload().get("decision_id"))),
          "an outcome names its decision");
    }
  }

  @Test
  void withoutPermissionAMetTargetDoesNotStopTheRun() throws Exception {
    start("goal: {metric: eval_loss, target: 2.2}\n");
    // wait until an evaluation has met the target, then some more decisions
    Event metAt =
        await(
            e ->
                e.type() == EventType.EVAL
                    && e.payload().get("goal") instanceof Map<?, ?> g
                    && Boolean.TRUE.equals(g.get("target_met")),
            300);
    await(e -> e.type() == EventType.AGENT_DECISION && e.step() >= metAt.step() + 60, 300);
    assertTrue(
        server
            .store()
            .scan(
                e -> e.type() == EventType.COMMAND && "stop".equals(e.payload().get("type")),
                1_000_000)
            .isEmpty(),
        "no stop without stop_early");
  }
}
