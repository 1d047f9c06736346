package dev.coxswain.protocol.event;

import dev.coxswain.protocol.Action;

/**
 * What commands and decisions have made of a run's agent, as its {@link RunState} folds them.
 *
 * @param enabled null: never set (on)
 * @param every null: never set (the configured cadence)
 * @param policy null: never set (the configured one)
 * @param words a person's words to the agent; null: never said; empty: withdrawn
 * @param spentUsd the budget spent, as the last decision said
 */
public record AgentState(
    Boolean enabled,
    Integer every,
    String policy,
    String words,
    Double spentUsd,
    int decisions,
    Long lastDecisionStep) {
  /** An agent no command or decision has touched. */
  public static final AgentState NONE = new AgentState(null, null, null, null, null, 0, null);

  /** After one more decision: counted, at its step, with the budget it says is spent. */
  AgentState decided(Payload.AgentDecision d) {
    return new AgentState(
        enabled,
        every,
        policy,
        words,
        d.budgetSpentUsd() != null ? d.budgetSpentUsd() : spentUsd,
        decisions + 1,
        d.step());
  }

  /** After an applied command: {@code agent} sets what it names, {@code tell_agent} the words. */
  AgentState commanded(Action a) {
    if (a instanceof Action.Agent g) {
      return new AgentState(
          g.enabled() != null ? g.enabled() : enabled,
          g.every() != null ? Integer.valueOf(Math.max(1, g.every())) : every,
          g.policy() != null ? g.policy() : policy,
          words,
          spentUsd,
          decisions,
          lastDecisionStep);
    }
    if (a instanceof Action.TellAgent t) {
      return new AgentState(
          enabled,
          every,
          policy,
          t.text() == null ? "" : t.text(),
          spentUsd,
          decisions,
          lastDecisionStep);
    }
    return this;
  }
}
