package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.policy.PolicyException;
import dev.coxswain.agent.policy.RulePolicy;
import dev.coxswain.agent.policy.Usage;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the supervisor counts for its metrics: decisions, failures, fallbacks, spending. */
class SupervisorCountersTest {
  @TempDir Path dir;

  /** A primary policy whose first {@code failing} calls fail with a server error. */
  private static final class Flaky implements Policy {
    private final AtomicInteger calls = new AtomicInteger();
    private final int failing;

    Flaky(int failing) {
      this.failing = failing;
    }

    @Override
    public String name() {
      return "flaky";
    }

    @Override
    public Answer decide(Summary summary) throws PolicyException {
      if (calls.incrementAndGet() <= failing) {
        throw new PolicyException(PolicyException.Kind.SERVER_ERROR, "503 from the test", -1, null);
      }
      return new Answer(Decision.keep("fine"), new Usage(1000, 200, 0), "p", "r", 1, null);
    }
  }

  private static final class Gateway implements Supervisor.Gateway {
    @Override
    public CompletableFuture<CommandResult> submit(Command c) {
      return CompletableFuture.completedFuture(CommandResult.applied(c, 0, Map.of()));
    }

    @Override
    public void emit(Payload payload) {}
  }

  private static Event metrics(long step) {
    return new Event(
        step,
        "r",
        "main",
        step,
        EventType.METRICS,
        Instant.now(),
        Map.of(
            "loss",
            2.0,
            "lr",
            1e-3,
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
  void failuresAndFallbacksAreCountedAndSpendingFollowsTheBudget() throws Exception {
    // attempts 1 and no backoff: each failed decision is one failed call, no sleeping
    SupervisorConfig config = new SupervisorConfig(10, false, 1, 0, 2, 3, 20, 3);
    Budget budget = Budget.o4MiniDefaults(1_000_000, 5.0);
    Supervisor sup =
        new Supervisor(
            config,
            new Flaky(3),
            new RulePolicy(),
            new Guardrails(Guardrails.Config.lrRecovery()),
            budget,
            new Journal(dir.resolve("agent.jsonl")),
            new Gateway(),
            "lr-recovery");
    try {
      for (long s = 1; s <= 50; s++) {
        sup.accept(metrics(s));
      }
      sup.drain(30);
      // decisions at 10, 20 (two failures: the breaker opens), 30 (the probe fails), 40 (it
      // answers)
      // and 50
      assertEquals(5, sup.decisions());
      assertEquals(3, sup.failures());
      assertEquals(3, sup.fallbacks(), "the rule decided while the primary could not");
      assertEquals(2400, budget.tokens(), "two answers of 1,200 tokens were charged");
      assertTrue(budget.usd() > 0);
    } finally {
      sup.close();
    }
  }

  @Test
  void aRulePrimaryNeverCountsAsAFallback() throws Exception {
    RulePolicy rule = new RulePolicy();
    Supervisor sup =
        new Supervisor(
            SupervisorConfig.defaults().withEvery(5),
            rule,
            rule,
            new Guardrails(Guardrails.Config.lrRecovery()),
            Budget.o4MiniDefaults(0, 0),
            new Journal(dir.resolve("agent.jsonl")),
            new Gateway(),
            "lr-recovery");
    try {
      for (long s = 1; s <= 20; s++) {
        sup.accept(metrics(s));
      }
      sup.drain(30);
      assertEquals(4, sup.decisions());
      assertEquals(0, sup.failures());
      assertEquals(0, sup.fallbacks());
    } finally {
      sup.close();
    }
  }
}
