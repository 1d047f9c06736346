package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.agent.policy.RulePolicy;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic recovery does not wait behind the policy: while the LLM is still thinking about a
 * window, non-finite steps given meanwhile are read and the run is rolled back at once. The fake
 * LLM holds its answer until the test has seen what it waits for, so no clock decides the outcome;
 * a supervisor that makes recovery wait for the answer fails after a generous limit.
 */
class RecoveryWhileDecidingTest {
  /** Far longer than reading a few events takes, however loaded the machine. */
  private static final long LIMIT_SECONDS = 120;

  @TempDir Path dir;
  private final FakeOpenAi llm;
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<Command> submitted = new CopyOnWriteArrayList<>();
  private final List<Payload> emitted = new CopyOnWriteArrayList<>();
  private long seq;

  RecoveryWhileDecidingTest() throws Exception {
    llm = new FakeOpenAi();
    llm.then(new FakeOpenAi.Held(release, FakeOpenAi.decision("double", "the loss falls slowly")));
  }

  @AfterEach
  void closeTheLlm() {
    release.countDown();
    llm.close();
  }

  private final Supervisor.Gateway gateway =
      new Supervisor.Gateway() {
        @Override
        public CompletableFuture<CommandResult> submit(Command c) {
          submitted.add(c);
          return CompletableFuture.completedFuture(CommandResult.applied(c, 0, Map.of()));
        }

        @Override
        public void emit(Payload p) {
          emitted.add(p);
        }
      };

  // every 10 steps, one attempt per decision, rollback after 3 non-finite steps in a row
  private Supervisor supervisor() throws Exception {
    OpenAiPolicy policy =
        new OpenAiPolicy(
            new OpenAiPolicy.Options(
                llm.baseUrl(), "sk-test-key-123", "o4-mini", "low", 2000, Duration.ofMinutes(10)),
            PromptTemplate.load("lr-recovery", null),
            Guardrails.Config.lrRecovery().permitted(),
            100);
    return new Supervisor(
        new SupervisorConfig(10, false, 1, 0, 3, 3, 20, 3),
        policy,
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

  private Event healthy(long step) {
    return event(step, EventType.METRICS, TestMetrics.step(step, 0.01));
  }

  private Event nonFinite(long step) {
    Map<String, Object> m = TestMetrics.step(step, 0.01);
    m.remove("loss"); // not finite: the trainer leaves it out
    m.put("skipped", true);
    return event(step, EventType.METRICS, m);
  }

  /** The run's lr knob, steps 1-10 with a periodic checkpoint at 5: the LLM is asked at 10. */
  private void aWindowTheLlmIsAskedAbout(Supervisor s) throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> spec =
        Json.read(Json.write(TestKnobs.lr(0.01).knob()), LinkedHashMap.class);
    s.accept(
        event(0, EventType.KNOBS, Map.of("knobs", Map.of("lr", 0.01), "specs", List.of(spec))));
    for (long step = 1; step <= 10; step++) {
      s.accept(healthy(step));
      if (step == 5) {
        s.accept(
            event(
                5,
                EventType.CHECKPOINT,
                Payloads.encode(new Payload.Checkpoint("main/5", null, true, List.of()))));
      }
    }
    await(() -> llm.requests().size() == 1, "the LLM asked at step 10");
  }

  private List<Command> bySource(Source source) {
    return submitted.stream().filter(c -> c.source() == source).toList();
  }

  private boolean rolledBack() {
    boolean said =
        emitted.stream()
            .anyMatch(p -> p instanceof Payload.Health h && "rollback".equals(h.kind()));
    return said && bySource(Source.RULE).stream().anyMatch(c -> c.type().equals("load_checkpoint"));
  }

  @Test
  void nonFiniteStepsAreRolledBackWhileTheLlmIsStillThinking() throws Exception {
    try (Supervisor s = supervisor()) {
      aWindowTheLlmIsAskedAbout(s);
      for (long step = 11; step <= 13; step++) {
        s.accept(nonFinite(step));
      }
      try {
        await(this::rolledBack, "a rollback while the LLM holds its answer");
      } finally {
        release.countDown(); // else closing would wait for the held answer
      }
      Command load = bySource(Source.RULE).get(0);
      assertEquals("load_checkpoint", load.type());
      assertEquals("main/5", load.args().get("checkpoint"), "the checkpoint before the trouble");
      s.drain(LIMIT_SECONDS);
      assertEquals(1, s.decisions(), "the held decision was taken and journaled");
      assertTrue(
          Files.readString(dir.resolve("agent.jsonl")).contains(Deliberation.OVERTAKEN),
          "the journal says why the answer was not applied");
      assertTrue(
          bySource(Source.AGENT).isEmpty(),
          "an answer about the window before the trouble is not applied on top of the rollback: "
              + submitted);
    }
  }

  @Test
  void aHealthyRunIsNotRecoveredWhileTheLlmThinksAndTheAnswerThenApplies() throws Exception {
    try (Supervisor s = supervisor()) {
      aWindowTheLlmIsAskedAbout(s);
      for (long step = 11; step <= 30; step++) {
        s.accept(healthy(step));
      }
      long last = seq;
      try {
        await(() -> s.lastSeqRead() == last, "steps 11-30 read while the LLM holds its answer");
        assertTrue(submitted.isEmpty(), "nothing to recover from: " + submitted);
        assertTrue(
            emitted.stream().noneMatch(p -> p instanceof Payload.Health),
            "no health event: " + emitted);
      } finally {
        release.countDown();
      }
      s.drain(LIMIT_SECONDS);
      assertEquals(3, s.decisions(), "the held one at 10, then 20 and 30 in their turns");
      List<Command> agent = bySource(Source.AGENT);
      assertEquals(1, agent.size(), "the held answer (a double) applies: " + submitted);
      assertTrue(bySource(Source.RULE).isEmpty(), "no recovery: " + submitted);
      assertTrue(
          emitted.stream().noneMatch(p -> p instanceof Payload.Health),
          "no health event: " + emitted);
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not seen within " + LIMIT_SECONDS + " s: " + what);
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }
}
