package dev.coxswain.agent.policy;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.summary.Summary;

/**
 * Spends within a {@link Budget}: charges every answer's tokens (a stand-in answer's too, for the
 * tokens of an unusable one were spent), and once the budget is exhausted asks the fallback (rule)
 * policy instead of the inner one, saying so once ({@code health} event {@code budget_exhausted}).
 */
public final class BudgetedPolicy implements Policy {
  private final Policy inner;
  private final Policy whenSpent;
  private final Budget budget;
  private final HealthSink health;
  private boolean announced;

  public BudgetedPolicy(Policy inner, Policy whenSpent, Budget budget, HealthSink health) {
    this.inner = inner;
    this.whenSpent = whenSpent;
    this.budget = budget;
    this.health = health;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public Answer decide(Summary s) throws PolicyException {
    if (budget.exhausted()) {
      if (!announced) {
        announced = true;
        health.health(
            "budget_exhausted",
            "the agent's budget is spent ("
                + budget.tokens()
                + " tokens, $"
                + String.format(java.util.Locale.ROOT, "%.4f", budget.usd())
                + "); the rule policy takes over");
      }
      return whenSpent
          .decide(s)
          .withMeta(new Answer.Meta(whenSpent.name(), false, true, 0))
          .withEarlierNote("budget exhausted: rule policy", 0, Usage.NONE);
    }
    Answer a = inner.decide(s);
    double cost = budget.charge(a.usage());
    Answer.Meta m = a.meta();
    return a.withMeta(
        new Answer.Meta(
            m.policy() == null ? inner.name() : m.policy(), m.failed(), m.fallback(), cost));
  }
}
