package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.BudgetedPolicy;
import dev.coxswain.agent.policy.CircuitBreakerPolicy;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.policy.FallbackPolicy;
import dev.coxswain.agent.policy.HealthSink;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.policy.PolicyException;
import dev.coxswain.agent.policy.PolicyException.Kind;
import dev.coxswain.agent.policy.RetryingPolicy;
import dev.coxswain.agent.policy.Usage;
import dev.coxswain.agent.summary.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each decorator around a {@link Policy} on its own, the policy inside a Mockito mock. */
class PolicyDecoratorsTest {
  private final Summary s = OpenAiPolicyTest.summary();
  private final Policy llm = mock(Policy.class);
  private final Policy rule = mock(Policy.class);
  private final HealthSink health = mock(HealthSink.class);
  private final List<Long> waits = new ArrayList<>();

  PolicyDecoratorsTest() throws Exception {
    when(llm.name()).thenReturn("openai");
    when(rule.name()).thenReturn("rule");
    when(rule.decide(any())).thenReturn(answer("halve", Usage.NONE));
  }

  private static Answer answer(String action, Usage u) {
    return new Answer(new Decision(action, null, "because"), u, "p", "r", 1, null);
  }

  private static PolicyException fault(Kind k, long retryAfter) {
    return new PolicyException(k, k + " from the mock", retryAfter, null);
  }

  private RetryingPolicy retrying(Policy p) {
    return new RetryingPolicy(p, 3, 100, waits::add, new Random(1));
  }

  // --- retries ---

  @Test
  void twoRateLimitsAreRetriedHonouringRetryAfterThenTheAnswerCounts() throws Exception {
    when(llm.decide(s))
        .thenThrow(fault(Kind.RATE_LIMITED, 7000))
        .thenThrow(fault(Kind.RATE_LIMITED, -1))
        .thenReturn(answer("keep", new Usage(10, 5, 0)));
    Answer a = retrying(llm).decide(s);
    verify(llm, times(3)).decide(s);
    assertEquals("keep", a.decision().action());
    assertEquals(3, a.attempts(), "two failed calls and the one that answered");
    assertTrue(a.note().contains("attempt 1: RATE_LIMITED"), a.note());
    assertTrue(a.note().contains("attempt 2: RATE_LIMITED"), a.note());
    assertEquals(2, waits.size());
    assertTrue(waits.get(0) >= 7000 && waits.get(0) <= 8400, "Retry-After, with jitter: " + waits);
    assertTrue(
        waits.get(1) >= 200 && waits.get(1) <= 240, "doubled backoff, with jitter: " + waits);
  }

  @Test
  void aHangingEndpointTimesOutEveryAttemptAndTheLastFailureCarriesTheTrail() throws Exception {
    when(llm.decide(s)).thenThrow(fault(Kind.TIMEOUT, -1));
    PolicyException e = assertThrows(PolicyException.class, () -> retrying(llm).decide(s));
    verify(llm, times(3)).decide(s);
    assertEquals(Kind.TIMEOUT, e.kind());
    assertEquals(3, e.trail().split("attempt ").length - 1, e.trail());
    assertEquals(2, waits.size(), "no wait after the last attempt");
  }

  @Test
  void garbageAndFatalErrorsAreNotRetried() throws Exception {
    when(llm.decide(s)).thenThrow(fault(Kind.UNPARSEABLE, -1));
    assertEquals(
        Kind.UNPARSEABLE,
        assertThrows(PolicyException.class, () -> retrying(llm).decide(s)).kind());
    verify(llm, times(1)).decide(s);
    Policy wrongKey = mock(Policy.class);
    when(wrongKey.decide(s)).thenThrow(fault(Kind.FATAL, -1));
    assertThrows(PolicyException.class, () -> retrying(wrongKey).decide(s));
    verify(wrongKey, times(1)).decide(s);
    assertTrue(waits.isEmpty());
  }

  // --- circuit breaker ---

  @Test
  void theBreakerOpensAfterThreeFailedDecisionsProbesOnceEachAndClosesOnAnAnswer()
      throws Exception {
    Policy probe = mock(Policy.class);
    when(llm.decide(s)).thenThrow(fault(Kind.SERVER_ERROR, -1));
    when(probe.decide(s))
        .thenThrow(fault(Kind.SERVER_ERROR, -1))
        .thenReturn(answer("keep", Usage.NONE));
    CircuitBreakerPolicy b = new CircuitBreakerPolicy(llm, probe, 3, health);
    for (int i = 0; i < 3; i++) {
      assertThrows(PolicyException.class, () -> b.decide(s));
    }
    assertTrue(b.open());
    verify(health, times(1)).health(eq("agent_fallback"), anyString());
    PolicyException probed = assertThrows(PolicyException.class, () -> b.decide(s));
    assertTrue(probed.trail().contains("breaker open; probe failed"), probed.trail());
    verify(llm, times(3)).decide(s);
    verify(probe, times(1)).decide(s);
    assertEquals("keep", b.decide(s).decision().action());
    verify(probe, times(2)).decide(s);
    assertFalse(b.open());
    verify(health, times(1)).health(eq("agent_recovered"), anyString());
    verify(llm, times(3)).decide(s); // nothing asked of the normal path while open
  }

  @Test
  void garbageCountsAsTheEndpointAnswering() throws Exception {
    when(llm.decide(s))
        .thenThrow(fault(Kind.SERVER_ERROR, -1))
        .thenThrow(fault(Kind.SERVER_ERROR, -1))
        .thenThrow(fault(Kind.UNPARSEABLE, -1))
        .thenThrow(fault(Kind.SERVER_ERROR, -1))
        .thenThrow(fault(Kind.SERVER_ERROR, -1));
    CircuitBreakerPolicy b = new CircuitBreakerPolicy(llm, llm, 3, health);
    for (int i = 0; i < 5; i++) {
      assertThrows(PolicyException.class, () -> b.decide(s));
    }
    assertFalse(b.open(), "the unusable answer in the middle reset the count");
    verifyNoInteractions(health);
    verify(llm, times(5)).decide(s);
  }

  // --- fallback ---

  @Test
  void whenThePrimaryFailsTheRuleDecidesAndGarbageIsAKeep() throws Exception {
    when(llm.decide(s))
        .thenThrow(fault(Kind.SERVER_ERROR, -1).withTrail("attempt 1: SERVER_ERROR"))
        .thenThrow(new PolicyException(Kind.UNPARSEABLE, "not JSON", -1, new Usage(50, 9, 0)))
        .thenReturn(answer("double", Usage.NONE));
    FallbackPolicy f = new FallbackPolicy(llm, rule);
    Answer failed = f.decide(s);
    assertEquals("halve", failed.decision().action(), "the rule's answer");
    assertEquals(new Answer.Meta("rule", true, true, 0), failed.meta());
    assertTrue(failed.note().startsWith("attempt 1: SERVER_ERROR"), failed.note());
    Answer garbage = f.decide(s);
    assertEquals("keep", garbage.decision().action());
    assertEquals(new Answer.Meta("openai", true, false, 0), garbage.meta());
    assertEquals(59, garbage.usage().total(), "an unusable answer's tokens still count");
    Answer fine = f.decide(s);
    assertEquals("double", fine.decision().action());
    assertEquals(new Answer.Meta("openai", false, false, 0), fine.meta());
    verify(llm, times(3)).decide(s);
    verify(rule, times(1)).decide(s);
  }

  // --- budget ---

  @Test
  void theBudgetChargesEachAnswerAndOnceSpentAsksTheRuleWithoutCallingTheModel() throws Exception {
    Budget budget = Budget.o4MiniDefaults(2000, 5.0);
    when(llm.decide(s)).thenReturn(answer("keep", new Usage(900, 200, 0)));
    BudgetedPolicy p = new BudgetedPolicy(llm, rule, budget, health);
    Answer first = p.decide(s);
    assertEquals(budget.cost(new Usage(900, 200, 0)), first.meta().costUsd(), 1e-12);
    assertEquals("openai", first.meta().policy());
    p.decide(s);
    assertTrue(budget.exhausted(), "2,200 tokens of 2,000");
    for (int i = 0; i < 3; i++) {
      Answer spent = p.decide(s);
      assertEquals("halve", spent.decision().action());
      assertTrue(spent.meta().fallback());
      assertFalse(spent.meta().failed());
      assertTrue(spent.note().contains("budget exhausted"), spent.note());
    }
    verify(llm, times(2)).decide(s);
    verify(rule, times(3)).decide(s);
    verify(health, times(1)).health(eq("budget_exhausted"), anyString());
    assertEquals(2200, budget.tokens());
  }
}
