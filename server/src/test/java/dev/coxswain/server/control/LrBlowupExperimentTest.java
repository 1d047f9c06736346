package dev.coxswain.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default workload on the real corpus: 300 healthy steps at lr 1e-3 (the "pretrained" model),
 * then a person sets lr 0.03, 30x too high, as in a fine-tuning run started far too high. With
 * {@code --agent off} the run stays damaged; with {@code --agent rule} the supervisor sees the loss
 * level jump, rolls back to the last checkpoint with half the learning rate, and the run recovers.
 */
class LrBlowupExperimentTest {
  @TempDir Path dir;

  private double run(String agent) throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu"));
    assertTrue(
        Files.isDirectory(corpus), "corpus missing at " + corpus + ": run scripts/fetch-corpus.sh");
    Path cfgFile = dir.resolve(agent + ".yaml");
    Files.writeString(
        cfgFile, "max_steps: 900\nlr: 0.001\ncheckpoint_every: 100\neval_every: 100\n");
    RunConfig cfg = RunConfig.load(cfgFile).withOverrides("lr-" + agent, null, null, null, corpus);
    AgentSettings settings =
        agent.equals("off")
            ? null
            : new AgentSettings(
                "rule",
                "lr-recovery",
                null,
                SupervisorConfig.defaults().withEvery(50),
                0,
                0,
                1.10,
                4.40,
                null,
                null);
    RunSpec spec = RunSpec.resolve(cfg, 900, Map.of());
    RunStore store = RunStore.create(dir.resolve("runs/lr-" + agent), spec.runJson());
    CoxswainServer server =
        CoxswainServer.start(
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            dir.resolve("runs"),
            store,
            spec,
            null,
            null,
            settings);
    try {
      TestRuns.Http http = new TestRuns.Http(server.port());
      // upper bounds for a stuck run, not speed targets: on two cores under a load of 12 a step
      // took 0.67 s (300 steps in 200 s), and the suite runs two of these runs
      http.awaitState(spec.runId(), s -> ((Number) s.get("step")).longValue() >= 300, 900);
      assertEquals(
          202,
          http.command(
                  spec.runId(),
                  "{\"type\":\"set_knobs\",\"args\":{\"lr\":0.03},\"reason\":\"experiment: far too high\"}")
              .statusCode());
      http.awaitState(spec.runId(), s -> "finished".equals(s.get("status")), 1200);
      List<Event> evals = store.scan(e -> e.type() == EventType.EVAL, 100);
      return ((Number) evals.get(evals.size() - 1).payload().get("eval_loss")).doubleValue();
    } finally {
      server.shutdown("experiment over");
    }
  }

  @Test
  void theRuleAgentRescuesARunPushedToAFarTooHighLearningRate() throws Exception {
    double off = run("off");
    double rule = run("rule");
    System.out.printf(
        Locale.ROOT,
        "lr blow-up (1e-3 -> 0.03 at step 300), validation loss at step 900: --agent off %.4f, --agent rule %.4f%n",
        off,
        rule);
    assertTrue(rule < off - 0.3, "rule " + rule + " should end clearly below off " + off);
  }
}
