package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's controls (on/off, cadence, policy, words) from commands in the log and, for an agent
 * started again for a resumed run, from {@link Supervisor#restore}; the LLM policy on loopback.
 */
class SupervisorControlsTest {
  @TempDir Path dir;
  private final FakeOpenAi llm;
  private final List<Map<String, Object>> decisions = new CopyOnWriteArrayList<>();
  private long seq;

  SupervisorControlsTest() throws Exception {
    llm = new FakeOpenAi();
  }

  @AfterEach
  void close() {
    llm.close();
  }

  private final Supervisor.Gateway gateway =
      new Supervisor.Gateway() {
        @Override
        public CompletableFuture<CommandResult> submit(Command c) {
          return CompletableFuture.completedFuture(CommandResult.applied(c, 0, Map.of()));
        }

        @Override
        public void emit(Payload p) {
          if (p.type() == EventType.AGENT_DECISION) {
            decisions.add(Payloads.encode(p));
          }
        }
      };

  private Supervisor supervisor() throws Exception {
    Guardrails.Config g = Guardrails.Config.lrRecovery();
    OpenAiPolicy p =
        new OpenAiPolicy(
            new OpenAiPolicy.Options(
                llm.baseUrl(), "sk-test-key-123", "o4-mini", "low", 2000, Duration.ofSeconds(10)),
            PromptTemplate.load("lr-recovery", null),
            g.permitted(),
            10);
    return new Supervisor(
        new SupervisorConfig(10, false, 1, 0, 3, 3, 20, 3),
        p,
        new RulePolicy(),
        new Guardrails(g),
        Budget.o4MiniDefaults(10_000_000, 100),
        new Journal(dir.resolve("agent.jsonl")),
        gateway,
        "lr-recovery",
        ms -> {});
  }

  private Event event(long step, EventType type, Map<String, Object> payload) {
    return new Event(++seq, "r", "main", step, type, Instant.now(), payload);
  }

  private static Map<String, Object> agentResult(Map<String, Object> detail, boolean applied) {
    Command c = new Command(null, "agent", Source.HUMAN, detail, null, null);
    return Json.toMap(
        applied ? CommandResult.applied(c, 1, detail) : CommandResult.rejected(c, 1, "no"));
  }

  private void steps(Supervisor s, long from, long to) throws Exception {
    for (long i = from; i <= to; i++) {
      s.accept(
          event(
              i,
              EventType.METRICS,
              Map.of(
                  "loss",
                  3.0,
                  "lr",
                  0.01,
                  "clip_scale",
                  1.0,
                  "tokens_per_s",
                  0.0,
                  "step_ms",
                  0.0,
                  "skipped",
                  false)));
    }
    s.drain(30);
  }

  private List<Long> decidedAt() {
    return decisions.stream().map(d -> ((Number) d.get("step")).longValue()).toList();
  }

  @Test
  void anAgentCommandsPolicyRuleDecidesWithoutTheLlmUntilOpenaiIsChosenAgain() throws Exception {
    try (Supervisor s = supervisor()) {
      steps(s, 1, 10);
      assertEquals(1, llm.requests().size());
      // negative: a rejected command changes nothing
      s.accept(event(10, EventType.COMMAND_RESULT, agentResult(Map.of("policy", "rule"), false)));
      steps(s, 11, 20);
      assertEquals(2, llm.requests().size());
      s.accept(event(20, EventType.COMMAND_RESULT, agentResult(Map.of("policy", "rule"), true)));
      steps(s, 21, 40);
      assertEquals(2, llm.requests().size(), "the rule decided, the LLM was not asked");
      assertEquals(4, decisions.size());
      assertEquals("rule", decisions.get(3).get("policy"));
      s.accept(event(40, EventType.COMMAND_RESULT, agentResult(Map.of("policy", "openai"), true)));
      steps(s, 41, 50);
      assertEquals(3, llm.requests().size());
    }
  }

  @Test
  void restoredControlsTakeEffectWithoutJournalingTheWordsAgainAndLaterCommandsWin()
      throws Exception {
    try (Supervisor s = supervisor()) {
      s.restore(new AgentControls(true, 5, null, "keep the lr up"));
      steps(s, 1, 10);
      assertEquals(List.of(5L, 10L), decidedAt());
      assertEquals(5, s.every());
      assertEquals("keep the lr up", s.personWords());
      assertFalse(
          Files.exists(dir.resolve("agent.jsonl"))
              && Files.readString(dir.resolve("agent.jsonl")).contains("\"person_words\","),
          "restored words were journaled when said, not again");
      s.accept(event(10, EventType.COMMAND_RESULT, agentResult(Map.of("every", 10), true)));
      steps(s, 11, 25);
      assertEquals(List.of(5L, 10L, 20L), decidedAt());
      s.accept(event(25, EventType.COMMAND_RESULT, agentResult(Map.of("enabled", false), true)));
      steps(s, 26, 40);
      assertEquals(3, decisions.size(), "turned off: no decisions");
    }
  }

  @Test
  void nothingRestoredKeepsTheConfiguredCadence() throws Exception {
    try (Supervisor s = supervisor()) {
      s.restore(AgentControls.NONE);
      steps(s, 1, 20);
      assertEquals(List.of(10L, 20L), decidedAt());
      assertEquals("", s.personWords());
    }
  }

  @Test
  void onlyAppliedAgentAndTellAgentResultsChangeTheControls() {
    AgentControls c = AgentControls.NONE;
    assertSame(c, c.with(agentResult(Map.of("every", 7), false)));
    assertSame(c, c.with(Map.of("type", "set_knobs", "status", "applied", "detail", Map.of())));
    AgentControls d = c.with(agentResult(Map.of("every", 7), true));
    assertEquals(7, d.every());
    assertEquals(null, d.enabled());
    AgentControls w =
        d.with(Map.of("type", "tell_agent", "status", "applied", "detail", Map.of("text", "hi")));
    assertEquals("hi", w.words());
    assertEquals(7, w.every());
    assertTrue(
        w.with(
                Map.of(
                    "type", "tell_agent", "status", "applied", "detail", Map.of("withdrawn", true)))
            .words()
            .isEmpty());
  }

  @Test
  void aTypedResultFoldsTheSameAndADetailOfAnotherShapeChangesNothing() {
    Command c = new Command(null, "agent", Source.HUMAN, Map.of(), null, null);
    AgentControls d = AgentControls.NONE.with(CommandResult.applied(c, 1, Map.of("every", 3)));
    assertEquals(3, d.every());
    assertSame(d, d.with(CommandResult.applied(c, 1, Map.of("every", "often"))));
    assertSame(d, d.with(Map.of("status", "maybe")), "not a command result");
    Command t = new Command(null, "tell_agent", Source.HUMAN, Map.of(), null, null);
    assertEquals("hi", d.with(CommandResult.applied(t, 1, Map.of("text", "hi"))).words());
  }
}
