package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.agent.policy.PolicyException;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.agent.summary.Summary;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The LangChain4j policy against a chat-completions server on loopback, faults included. */
class OpenAiPolicyTest {
  private final FakeOpenAi llm;

  OpenAiPolicyTest() throws Exception {
    llm = new FakeOpenAi();
  }

  @AfterEach
  void close() {
    llm.close();
  }

  static Summary summary() {
    return new Summary(
        1,
        100,
        "main",
        "running",
        Map.of(
            "train_loss",
            new Summary.Series(List.of(new Summary.Point(100, 2.5)), 2.6, -0.1, 0.05, 2.5, 100)),
        Double.POSITIVE_INFINITY,
        0,
        0,
        0,
        List.of(TestKnobs.lr(0.01), new Summary.KnobView("weight_decay", 0.01, 0, 1, false)),
        List.of(),
        Double.NaN,
        Double.NaN);
  }

  private OpenAiPolicy policy(String prompt, Duration timeout) throws Exception {
    Guardrails.Config g =
        prompt.equals("supervisor")
            ? Guardrails.Config.supervisor()
            : Guardrails.Config.lrRecovery();
    return new OpenAiPolicy(
        new OpenAiPolicy.Options(llm.baseUrl(), "sk-test-key-123", "o4-mini", "low", 2000, timeout),
        PromptTemplate.load(prompt, null),
        g.permitted(),
        100);
  }

  @Test
  void jsonAnswersBecomeDecisionsWithUsage() throws Exception {
    llm.then(
        FakeOpenAi.decision("halve", "oscillating"),
        new FakeOpenAi.Text(
            "```json\n{\"action\":\"Double\",\"rationale\":\"slow\"}\n```", 10, 5, 0));
    OpenAiPolicy p = policy("lr-recovery", Duration.ofSeconds(10));
    Answer a = p.decide(summary());
    assertEquals("halve", a.decision().action());
    assertEquals("oscillating", a.decision().rationale());
    assertEquals(700, a.usage().inputTokens());
    assertEquals(40, a.usage().reasoningTokens());
    assertTrue(a.prompt().contains("double, halve or keep"));
    assertEquals(
        "double", p.decide(summary()).decision().action(), "code fences and case are tolerated");
    com.fasterxml.jackson.databind.JsonNode sent =
        dev.coxswain.protocol.Json.mapper().readTree(llm.requests().get(0));
    assertEquals("o4-mini", sent.get("model").asText());
    assertEquals("low", sent.get("reasoning_effort").asText());
    assertTrue(sent.has("max_completion_tokens"), sent.toString());
    assertFalse(sent.has("temperature"), "no temperature for o-series models");
  }

  @Test
  void toolCallsWithTheSupervisorPrompt() throws Exception {
    llm.then(
        new FakeOpenAi.Tool(
            "set_knobs",
            "{\"knob\":\"weight_decay\",\"value\":0.02,\"rationale\":\"overfitting\"}",
            800,
            50));
    Answer a = policy("supervisor", Duration.ofSeconds(10)).decide(summary());
    assertEquals("set_knobs", a.decision().action());
    assertEquals(Map.of("weight_decay", 0.02), a.decision().args());
    assertEquals("overfitting", a.decision().rationale());
    assertTrue(
        llm.requests().get(0).contains("\"tools\""), "the permitted commands are offered as tools");
  }

  @Test
  void faultsAreClassifiedForRetries() throws Exception {
    OpenAiPolicy p = policy("lr-recovery", Duration.ofMillis(800));
    llm.then(new FakeOpenAi.Status(429, "7"));
    PolicyException rate = assertThrows(PolicyException.class, () -> p.decide(summary()));
    assertEquals(PolicyException.Kind.RATE_LIMITED, rate.kind());
    assertEquals(7000, rate.retryAfterMillis());
    llm.then(new FakeOpenAi.Status(503, null));
    assertEquals(
        PolicyException.Kind.SERVER_ERROR,
        assertThrows(PolicyException.class, () -> p.decide(summary())).kind());
    llm.then(new FakeOpenAi.Hang(3000));
    assertEquals(
        PolicyException.Kind.TIMEOUT,
        assertThrows(PolicyException.class, () -> p.decide(summary())).kind());
    llm.then(new FakeOpenAi.Status(401, null));
    PolicyException fatal = assertThrows(PolicyException.class, () -> p.decide(summary()));
    assertEquals(PolicyException.Kind.FATAL, fatal.kind());
    assertFalse(fatal.getMessage().contains("sk-test-key-123"));
  }

  @Test
  void anUnusableAnswerIsAskedAgainOnceThenRefused() throws Exception {
    OpenAiPolicy p = policy("lr-recovery", Duration.ofSeconds(10));
    llm.then(FakeOpenAi.decision("triple", "more!"), FakeOpenAi.decision("keep", "fine"));
    Answer a = p.decide(summary());
    assertEquals("keep", a.decision().action());
    assertEquals(2, a.attempts());
    assertTrue(a.note().contains("unknown or unpermitted action 'triple'"), a.note());
    assertTrue(
        llm.requests().get(1).contains("could not be used"), "the re-ask says what was wrong");
    llm.then(
        new FakeOpenAi.Text("I think you should lower it a bit", 50, 10, 0),
        new FakeOpenAi.Garbage("<html>oops</html>"));
    PolicyException e = assertThrows(PolicyException.class, () -> p.decide(summary()));
    assertEquals(PolicyException.Kind.UNPARSEABLE, e.kind());
  }

  @Test
  void badEndpointSettingsFailAtOnce() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new OpenAiPolicy.Options("ftp://x", "k", "m", null, 10, Duration.ofSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new OpenAiPolicy.Options("not a url", "k", "m", null, 10, Duration.ofSeconds(1)));
    IllegalArgumentException noKey =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new OpenAiPolicy.Options(
                    "http://127.0.0.1:1/v1", "", "m", null, 10, Duration.ofSeconds(1)));
    assertTrue(noKey.getMessage().contains("OPENAI_API_KEY"));
    assertFalse(
        new OpenAiPolicy.Options(
                "http://127.0.0.1:1/v1", "sk-secret", "m", null, 10, Duration.ofSeconds(1))
            .toString()
            .contains("sk-secret"));
  }
}
