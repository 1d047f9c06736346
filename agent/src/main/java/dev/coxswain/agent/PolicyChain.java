package dev.coxswain.agent;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.BudgetedPolicy;
import dev.coxswain.agent.policy.CircuitBreakerPolicy;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.policy.FallbackPolicy;
import dev.coxswain.agent.policy.HealthSink;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.policy.PolicyException;
import dev.coxswain.agent.policy.RetryingPolicy;
import dev.coxswain.agent.policy.Usage;
import dev.coxswain.agent.summary.Summary;
import java.util.Random;
import java.util.function.LongConsumer;

/**
 * The primary policy in its decorators, outermost first: budget, fallback, circuit breaker,
 * retries. A rule policy that is its own fallback is asked as it is: nothing to retry, break or
 * charge.
 */
final class PolicyChain {
  private final Policy policy;
  private final CircuitBreakerPolicy breaker;

  PolicyChain(
      SupervisorConfig config,
      Policy primary,
      Policy fallback,
      Budget budget,
      LongConsumer sleeper,
      HealthSink health) {
    if (primary == fallback) {
      breaker = null;
      policy = primary;
      return;
    }
    Policy retrying =
        new RetryingPolicy(
            primary, config.attempts(), config.backoffMillis(), sleeper, new Random());
    breaker = new CircuitBreakerPolicy(retrying, primary, config.breakerThreshold(), health);
    Policy guarded = new FallbackPolicy(breaker, fallback);
    policy = budget == null ? guarded : new BudgetedPolicy(guarded, fallback, budget, health);
  }

  boolean breakerOpen() {
    return breaker != null && breaker.open();
  }

  /** An answer, always: a policy that throws anyway is a keep, never a lost window. */
  Answer decide(Summary s) {
    try {
      Answer a = policy.decide(s);
      return a.meta().policy() == null
          ? a.withMeta(new Answer.Meta(policy.name(), false, false, 0))
          : a;
    } catch (PolicyException | RuntimeException e) {
      return new Answer(
          Decision.keep("no policy could decide"),
          Usage.NONE,
          "",
          "",
          0,
          e.getMessage(),
          new Answer.Meta(policy.name(), true, false, 0));
    }
  }
}
