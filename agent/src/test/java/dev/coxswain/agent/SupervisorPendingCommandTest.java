package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.policy.RulePolicy;
import dev.coxswain.agent.policy.Usage;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.Payload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A window end that comes before the last decision's command has shaped the run is not judged.
 * Found on a fast CI machine: the steps outran the model's answer, so the window after a double
 * still showed the old learning rate, and the next decision's halve was computed from it (0.001 to
 * 5e-4 instead of 0.002 to 0.001).
 */
class SupervisorPendingCommandTest {
  @TempDir Path dir;
  private final List<Command> sent = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<CommandResult>> results = new CopyOnWriteArrayList<>();
  private long seq;

  private final Supervisor.Gateway gateway =
      new Supervisor.Gateway() {
        @Override
        public CompletableFuture<CommandResult> submit(Command c) {
          sent.add(c);
          CompletableFuture<CommandResult> f = new CompletableFuture<>(); // the test answers
          results.add(f);
          return f;
        }

        @Override
        public void emit(Payload p) {}
      };

  /** Doubles, then halves, then keeps. */
  private static final class DoubleHalveKeep implements Policy {
    private int n;

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public Answer decide(Summary s) {
      String action = n == 0 ? "double" : n == 1 ? "halve" : "keep";
      n++;
      return new Answer(
          new Decision(action, null, "scripted"), new Usage(10, 5, 0), "p", "a", 1, null);
    }
  }

  private Supervisor supervisor() throws Exception {
    return new Supervisor(
        SupervisorConfig.defaults().withEvery(10),
        new DoubleHalveKeep(),
        new RulePolicy(),
        new Guardrails(Guardrails.Config.lrRecovery()),
        Budget.o4MiniDefaults(1_000_000, 5.0),
        new Journal(dir.resolve("agent.jsonl")),
        gateway,
        "lr-recovery");
  }

  private Event event(long step, EventType type, Map<String, Object> payload) {
    return new Event(++seq, "r", "main", step, type, Instant.now(), payload);
  }

  @SuppressWarnings("unchecked")
  private Event knobs(long step, double lr) throws Exception {
    Map<String, Object> spec = Json.read(Json.write(TestKnobs.lr(lr).knob()), LinkedHashMap.class);
    return event(step, EventType.KNOBS, Map.of("knobs", Map.of("lr", lr), "specs", List.of(spec)));
  }

  private void steps(Supervisor s, long from, long to, double lr) {
    for (long i = from; i <= to; i++) {
      s.accept(event(i, EventType.METRICS, TestMetrics.step(i, lr)));
    }
  }

  private long journalLines(String type) throws Exception {
    return Files.readAllLines(dir.resolve("agent.jsonl")).stream()
        .filter(l -> l.contains("\"type\":\"" + type + "\""))
        .count();
  }

  @Test
  void aWindowIsJudgedOnlyOnceTheLastCommandHasShapedIt() throws Exception {
    try (Supervisor s = supervisor()) {
      s.accept(knobs(0, 0.01));
      steps(s, 1, 10, 0.01);
      s.drain(30);
      assertEquals(1, s.decisions());
      assertEquals(Map.of("lr", 0.02), sent.get(0).args(), "the double");

      // the double has no result yet: the window ending at 20 still shows 0.01 and is not judged
      steps(s, 11, 20, 0.01);
      s.drain(30);
      assertEquals(1, s.decisions(), "no decision while the double's result is to come");
      assertEquals(1, journalLines("window_extended"), "the journal says why");

      // applied from step 36: the window ending at 30 predates it too
      results.get(0).complete(CommandResult.applied(sent.get(0), 36, Map.of()));
      steps(s, 21, 30, 0.01);
      s.drain(30);
      assertEquals(1, s.decisions(), "no decision on steps before the change");
      assertEquals(1, journalLines("window_extended"), "said once per command");

      s.accept(knobs(36, 0.02));
      steps(s, 31, 35, 0.01);
      steps(s, 36, 40, 0.02);
      s.drain(30);
      assertEquals(2, s.decisions(), "the window the double shaped is judged");
      assertEquals(Map.of("lr", 0.01), sent.get(1).args(), "halved from 0.02, not from 0.01");

      // a refused command shapes nothing: the next window end is judged as usual
      results.get(1).complete(CommandResult.rejected(sent.get(1), 40, "locked"));
      steps(s, 41, 50, 0.02);
      s.drain(30);
      assertEquals(3, s.decisions());
      assertEquals(2, sent.size(), "the third decision kept");
    }
  }

  @Test
  void aCommandThatCouldNotBeDeliveredEndsTheWait() throws Exception {
    try (Supervisor s = supervisor()) {
      s.accept(knobs(0, 0.01));
      steps(s, 1, 10, 0.01);
      s.drain(30);
      results.get(0).completeExceptionally(new IllegalStateException("no route to the run"));
      steps(s, 11, 20, 0.01);
      s.drain(30);
      assertEquals(2, s.decisions());
      assertTrue(journalLines("window_extended") == 0);
    }
  }
}
