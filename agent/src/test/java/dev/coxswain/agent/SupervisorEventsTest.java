package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.coxswain.protocol.event.Payloads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent reads and writes: an event whose payload does not have its type's shape is skipped
 * (the ones after it still count), and the journal lines and the agent's own events keep the shape
 * they have always had.
 */
class SupervisorEventsTest {
  @TempDir Path dir;
  private final List<Map.Entry<EventType, Map<String, Object>>> emitted =
      new CopyOnWriteArrayList<>();
  private long seq;

  private final Supervisor.Gateway gateway =
      new Supervisor.Gateway() {
        @Override
        public CompletableFuture<CommandResult> submit(Command c) {
          return CompletableFuture.completedFuture(CommandResult.applied(c, 0, Map.of()));
        }

        @Override
        public void emit(Payload p) {
          emitted.add(Map.entry(p.type(), Payloads.encode(p)));
        }
      };

  private Supervisor supervisor(Policy primary, int every) throws Exception {
    return new Supervisor(
        SupervisorConfig.defaults().withEvery(every),
        primary,
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

  private Event metrics(long step, Object lr) {
    return event(step, EventType.METRICS, TestMetrics.step(step, lr));
  }

  private Event agentResult(String status, Map<String, Object> detail) {
    return event(
        0,
        EventType.COMMAND_RESULT,
        Map.of("command_id", "c1", "type", "agent", "status", status, "step", 1, "detail", detail));
  }

  private List<EventType> emittedTypes() {
    return emitted.stream().map(Map.Entry::getKey).toList();
  }

  @Test
  void aMalformedEventIsSkippedAndTheEventsAfterItStillCount() throws Exception {
    try (Supervisor s = supervisor(new RulePolicy(), 5)) {
      for (long i = 1; i <= 4; i++) {
        s.accept(metrics(i, 0.01));
      }
      s.accept(metrics(5, "fast")); // not a number: the step that would decide is skipped
      for (long i = 6; i <= 10; i++) {
        s.accept(metrics(i, 0.01));
      }
      s.drain(30);
      assertEquals(1, s.decisions(), "no decision at the malformed step 5, one at 10");
      // a result whose status is no status changes no setting; a good one after it does
      s.accept(agentResult("perhaps", Map.of("every", 2)));
      s.drain(30);
      assertEquals(5, s.every());
      s.accept(agentResult("applied", Map.of("every", 2)));
      s.drain(30);
      assertEquals(2, s.every());
      for (long i = 11; i <= 12; i++) {
        s.accept(metrics(i, 0.01));
      }
      s.drain(30);
      assertEquals(2, s.decisions(), "the new cadence decides at 12");
    }
  }

  @Test
  void wellFormedEventsAtTheSameStepsDecideAtEach() throws Exception {
    try (Supervisor s = supervisor(new RulePolicy(), 5)) {
      for (long i = 1; i <= 10; i++) {
        s.accept(metrics(i, 0.01));
      }
      s.drain(30);
      assertEquals(2, s.decisions());
    }
  }

  /** Halves the lr first, then keeps: one decision with a command, one without. */
  private static final class HalveThenKeep implements Policy {
    private int n;

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public Answer decide(Summary s) {
      Decision d = n++ == 0 ? new Decision("halve", null, "too fast") : Decision.keep("fine");
      return new Answer(d, new Usage(1000, 200, 50), "the prompt", "the answer", 1, "a note");
    }
  }

  private List<Map<String, Object>> journal() throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("agent.jsonl"), StandardCharsets.UTF_8)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = Json.read(line, LinkedHashMap.class);
      out.add(m);
    }
    return out;
  }

  // as the wire and the log carry it: written as JSON and read back
  @SuppressWarnings("unchecked")
  private static Map<String, Object> asJson(Map<String, Object> payload) throws Exception {
    return Json.read(Json.write(payload), LinkedHashMap.class);
  }

  private static Map<String, Object> without(Map<String, Object> m, String key) {
    Map<String, Object> out = new LinkedHashMap<>(m);
    out.remove(key);
    return out;
  }

  @Test
  void theJournalAndTheAgentsEventsKeepTheirShape() throws Exception {
    try (Supervisor s = supervisor(new HalveThenKeep(), 10)) {
      s.accept(
          event(
              0,
              EventType.KNOBS,
              Map.of(
                  "knobs",
                  Map.of("lr", 0.01),
                  "specs",
                  List.of(
                      Map.of(
                          "name", "lr", "type", "double", "value", 0.01, "min", 0.0, "max",
                          1.0)))));
      for (long i = 1; i <= 10; i++) {
        s.accept(metrics(i, 0.01));
      }
      s.drain(30);
      s.tellAgent("steady now");
      s.accept(event(12, EventType.EVAL, Map.of("eval_loss", 2.5)));
      for (long i = 11; i <= 20; i++) {
        s.accept(metrics(i, 0.005));
      }
      s.drain(30);
    }
    assertEquals(
        List.of(EventType.AGENT_DECISION, EventType.AGENT_OUTCOME, EventType.AGENT_DECISION),
        emittedTypes());
    List<Map<String, Object>> lines = journal();
    List<Map<String, Object>> decisions =
        lines.stream().filter(l -> l.containsKey("prompt")).toList();
    assertEquals(2, decisions.size(), lines.toString());
    List<String> keys =
        List.of(
            "id",
            "time",
            "step",
            "policy",
            "prompt_name",
            "prompt_sha256",
            "prompt",
            "response",
            "usage",
            "cost_usd",
            "budget_spent_usd",
            "latency_ms",
            "attempts",
            "decision",
            "guardrail_edits",
            "notes",
            "command_id");
    Map<String, Object> first = decisions.get(0);
    assertEquals(keys, List.copyOf(first.keySet()), "a decision that sent a command");
    List<String> withWords = new ArrayList<>(keys);
    withWords.remove("command_id");
    withWords.add(withWords.indexOf("notes"), "person_words");
    Map<String, Object> second = decisions.get(1);
    assertEquals(withWords, List.copyOf(second.keySet()), "a kept decision, words said");
    assertEquals("steady now", second.get("person_words"));
    assertEquals(
        Map.of("input_tokens", 1000, "output_tokens", 200, "reasoning_tokens", 50),
        first.get("usage"));
    assertEquals(
        Map.of("action", "halve", "args", Map.of(), "rationale", "too fast"),
        first.get("decision"));
    assertEquals(List.of("a note"), first.get("notes"));
    assertEquals("the prompt", first.get("prompt"));
    assertFalse(Instant.parse((String) first.get("time")).isAfter(Instant.now()));
    // the event is the journal line less the prompt, key for key in the same order
    Map<String, Object> event = asJson(emitted.get(0).getValue());
    assertEquals(without(first, "prompt"), event);
    assertEquals(List.copyOf(without(first, "prompt").keySet()), List.copyOf(event.keySet()));
    assertEquals(without(second, "prompt"), asJson(emitted.get(2).getValue()));

    Map<String, Object> outcome =
        lines.stream().filter(l -> "outcome".equals(l.get("type"))).findFirst().orElseThrow();
    assertEquals(
        List.of(
            "type",
            "decision_id",
            "decision_step",
            "step",
            "acted",
            "basis",
            "before",
            "after",
            "loss_before",
            "loss_after",
            "verdict"),
        List.copyOf(outcome.keySet()));
    assertEquals("train_loss", outcome.get("basis"), "no evaluation before the decision");
    assertEquals(first.get("id"), outcome.get("decision_id"));
    assertEquals(true, outcome.get("acted"));
    assertTrue(outcome.get("verdict") instanceof String);
    Map<String, Object> outcomeEvent = asJson(emitted.get(1).getValue());
    assertEquals(without(outcome, "type"), outcomeEvent);
    assertEquals(
        List.copyOf(without(outcome, "type").keySet()), List.copyOf(outcomeEvent.keySet()));
  }

  @Test
  void theAgentsHealthEventIsItsKindAndMessage() throws Exception {
    try (Supervisor s = supervisor(new RulePolicy(), 100)) {
      for (long i = 1; i <= 3; i++) { // three non-finite steps and no checkpoint to go back to
        s.accept(
            event(
                i,
                EventType.METRICS,
                Map.of(
                    "lr",
                    0.01,
                    "clip_scale",
                    1.0,
                    "tokens_per_s",
                    0.0,
                    "step_ms",
                    10.0,
                    "skipped",
                    true)));
      }
      s.drain(30);
    }
    List<Map<String, Object>> health =
        emitted.stream()
            .filter(e -> e.getKey() == EventType.HEALTH)
            .map(Map.Entry::getValue)
            .toList();
    assertEquals(1, health.size(), emittedTypes().toString());
    Map<String, Object> h = asJson(health.get(0));
    assertEquals(List.of("kind", "message"), List.copyOf(h.keySet()));
    assertEquals("recovery_impossible", h.get("kind"));
  }
}
