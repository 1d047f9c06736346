package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.policy.RulePolicy;
import dev.coxswain.agent.policy.Usage;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.agent.summary.Summarizer;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuardrailsAndSummaryTest {
  private static Summary withKnobs(Summary.KnobView... knobs) {
    Summary s = OpenAiPolicyTest.summary();
    return new Summary(
        s.fromStep(),
        s.toStep(),
        s.branch(),
        s.status(),
        s.series(),
        s.bestEval(),
        s.bestEvalStep(),
        s.spikes(),
        s.skipped(),
        List.of(knobs),
        s.commands(),
        s.previousWindowMeanLoss(),
        s.bestWindowMeanLoss());
  }

  @Test
  void doubleHalveAndKeepBecomeLrChanges() {
    Guardrails g = new Guardrails(Guardrails.Config.lrRecovery());
    Summary s = withKnobs(TestKnobs.lr("lr", 0.01, 1e-12, 1, false));
    assertEquals(Map.of("lr", 0.02), g.apply(new Decision("double", null, ""), s, -1).args());
    assertEquals(Map.of("lr", 0.005), g.apply(new Decision("halve", null, ""), s, -1).args());
    assertEquals(Optional.empty(), g.apply(Decision.keep(""), s, -1).type());
  }

  @Test
  void aFactorOf100IsClampedToTheBandAndBoundsHold() {
    Guardrails g = new Guardrails(Guardrails.Config.supervisor());
    Summary s = withKnobs(TestKnobs.lr("lr", 0.01, 1e-12, 0.015, false));
    Guardrails.Outcome o =
        g.apply(new Decision("scale_knob", Map.of("knob", "lr", "factor", 100), ""), s, -1);
    assertEquals(Optional.of("set_knobs"), o.type());
    assertEquals(0.015, (Double) o.args().get("lr"), 1e-12, "band to 0.02, then bounds to 0.015");
    assertEquals(2, o.edits().size(), o.edits().toString());
    assertTrue(o.edits().get(0).contains("clamped"));
  }

  @Test
  void locksPermissionsAndCooldownTurnDecisionsIntoKeep() {
    Summary locked = withKnobs(TestKnobs.lr("lr", 0.01, 1e-12, 1, true));
    Guardrails.Outcome o =
        new Guardrails(Guardrails.Config.lrRecovery())
            .apply(new Decision("double", null, ""), locked, -1);
    assertEquals(Optional.empty(), o.type());
    assertTrue(o.edits().get(0).contains("locked by a person"));
    Summary s = withKnobs(TestKnobs.lr("lr", 0.01, 1e-12, 1, false));
    Guardrails.Outcome p =
        new Guardrails(Guardrails.Config.lrRecovery())
            .apply(new Decision("load_checkpoint", Map.of("checkpoint", "main/10"), ""), s, -1);
    assertEquals(Optional.empty(), p.type());
    assertTrue(p.edits().get(0).contains("not permitted"));
    Guardrails cooling =
        new Guardrails(
            new Guardrails.Config(0.5, 2, 300, Guardrails.Config.lrRecovery().permitted()));
    assertTrue(
        cooling
            .apply(new Decision("halve", null, ""), s, 50)
            .edits()
            .get(0)
            .startsWith("cooldown"));
  }

  @Test
  void budgetsCapTokensAndDollars() {
    Budget b = Budget.o4MiniDefaults(10_000, 0.01);
    assertEquals(1.10 + 4.40, b.cost(new Usage(1_000_000, 1_000_000, 0)), 1e-9);
    b.charge(new Usage(1000, 500, 300));
    assertTrue(!b.exhausted());
    b.charge(new Usage(5000, 2000, 0));
    assertTrue(b.exhausted(), "0.0055 + 0.0143 USD > 0.01");
    assertThrows(IllegalArgumentException.class, () -> new Budget(-1, 1, 1, 1));
  }

  private static Event metrics(long step, double loss, double lr) {
    return new Event(
        step,
        "r",
        "main",
        step,
        EventType.METRICS,
        Instant.now(),
        Map.of(
            "loss",
            loss,
            "lr",
            lr,
            "grad_norm",
            1.0,
            "clip_scale",
            1.0,
            "tokens_per_s",
            0.0,
            "step_ms",
            0.0,
            "skipped",
            false));
  }

  @Test
  void aWorkloadsOwnEvaluationMetricsAreInTheSummary() {
    Summarizer z = new Summarizer();
    z.accept(metrics(1, 2.0, 1e-3));
    z.accept(
        new Event(
            2,
            "r",
            "main",
            50,
            EventType.EVAL,
            Instant.now(),
            Map.of(
                "eval_loss",
                0.4,
                "metrics",
                Map.of("accuracy", 0.875),
                "better",
                Map.of("accuracy", "higher"))));
    Summary s = z.summarize();
    assertEquals(0.875, s.series().get("eval_accuracy").last(), 1e-12);
    assertTrue(s.render().contains("eval_accuracy"), s.render());
    // a workload without metrics: no such series
    Summarizer plain = new Summarizer();
    plain.accept(
        new Event(1, "r", "main", 50, EventType.EVAL, Instant.now(), Map.of("eval_loss", 0.4)));
    assertTrue(!plain.summarize().series().containsKey("eval_accuracy"));
  }

  @Test
  void summariesSampleAtMost20RecentBiasedPointsAndCarryCommands() {
    Summarizer z = new Summarizer();
    z.accept(
        new Event(
            1,
            "r",
            "main",
            0,
            EventType.KNOBS,
            Instant.now(),
            Map.of(
                "knobs",
                Map.of("lr", 0.1),
                "specs",
                List.of(
                    Map.of(
                        "name", "lr", "type", "double", "value", 0.1, "min", 0.0, "max", 10.0)))));
    for (int i = 1; i <= 100; i++) {
      z.accept(metrics(i, 5.0 - i * 0.01, 0.1));
    }
    z.accept(
        new Event(
            200,
            "r",
            "main",
            100,
            EventType.COMMAND,
            Instant.now(),
            Map.of(
                "id", "c1", "type", "set_knobs", "source", "human", "args", Map.of("lr", 0.05))));
    z.accept(
        new Event(
            201,
            "r",
            "main",
            100,
            EventType.COMMAND_RESULT,
            Instant.now(),
            Map.of("command_id", "c1", "status", "applied", "step", 101)));
    Summary s = z.summarize();
    Summary.Series loss = s.series().get("train_loss");
    assertEquals(100, loss.count());
    assertTrue(loss.samples().size() <= 20);
    assertEquals(
        100,
        loss.samples().get(loss.samples().size() - 1).step(),
        "the newest point is always there");
    long recent = loss.samples().stream().filter(p -> p.step() > 50).count();
    assertTrue(recent > loss.samples().size() / 2, "denser towards the end");
    assertEquals(-1.0, loss.trendPer100(), 1e-9);
    String text = s.render();
    assertTrue(text.contains("human (a person) set_knobs"), text);
    assertTrue(text.contains("lr=0.1000 [0.000, 10.00]"), text);
    z.startWindow();
    Summary next = z.summarize();
    assertEquals(101, next.fromStep());
    assertTrue(next.commands().isEmpty());
    assertEquals(loss.mean(), next.previousWindowMeanLoss(), 1e-12);
  }

  @Test
  void theRulePolicyHalvesOnTroubleAndKeepsOtherwise() throws Exception {
    Summarizer z = new Summarizer();
    z.accept(
        new Event(
            1,
            "r",
            "main",
            0,
            EventType.KNOBS,
            Instant.now(),
            Map.of(
                "knobs",
                Map.of("lr", 0.1),
                "specs",
                List.of(
                    Map.of(
                        "name",
                        "lr",
                        "type",
                        "double",
                        "value",
                        0.1,
                        "min",
                        1e-12,
                        "max",
                        10.0,
                        "scale",
                        "log",
                        "role",
                        "learning_rate")))));
    for (int i = 1; i <= 100; i++) {
      z.accept(metrics(i, 5.0 - i * 0.01, 0.1));
    }
    assertEquals("keep", new RulePolicy().decide(z.summarize()).decision().action());
    z.startWindow();
    for (int i = 101; i <= 200; i++) {
      z.accept(metrics(i, 4.5 + (i % 2) * 0.3, 0.1)); // no progress, noisy
    }
    assertEquals(
        "keep",
        new RulePolicy().decide(z.summarize()).decision().action(),
        "a plateau is not trouble");
    assertEquals(
        "halve",
        new RulePolicy(0.02).decide(z.summarize()).decision().action(),
        "unless asked to halve on plateaus");
    z.startWindow();
    for (int i = 201; i <= 300; i++) {
      z.accept(metrics(i, 4.0 + (i - 200) * 0.02, 0.1)); // rising
    }
    assertEquals("halve", new RulePolicy().decide(z.summarize()).decision().action());
  }

  @Test
  void promptsAreFilesWithNamedPlaceholders() throws IOException {
    PromptTemplate t = PromptTemplate.load("lr-recovery", null);
    assertTrue(
        t.placeholders().containsAll(List.of("summary", "every", "from_step", "to_step")),
        t.placeholders().toString());
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, () -> t.user(Map.of()));
    assertTrue(missing.getMessage().contains("{{"));
    IOException unknown =
        assertThrows(IOException.class, () -> PromptTemplate.load("poetry", null));
    assertTrue(unknown.getMessage().contains("unknown prompt 'poetry'"));
    assertTrue(PromptTemplate.load("supervisor", null).placeholders().contains("permitted"));
  }
}
