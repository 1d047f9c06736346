package dev.coxswain.server.metrics;

import dev.coxswain.agent.Supervisor;
import dev.coxswain.agent.budget.Budget;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * A run's agent (label {@code run}): decisions, failures, fallbacks, tokens and dollars spent, what
 * the budget allows, and whether the circuit breaker is open, read from the run's {@link
 * Supervisor} at each scrape. The meters appear once the control plane runs an agent for the run
 * (found at the run's first event after it started); a run without one has none.
 *
 * <p>A resumed run gets a new supervisor: its decision counters start again from 0 (a counter
 * reset, which Prometheus' {@code rate} expects), while tokens and dollars continue from the
 * journal, as its budget does. When the supervisor is gone the last values read stay.
 */
final class AgentMeters {
  static final String DECISIONS = "coxswain.agent.decisions";
  static final String FAILURES = "coxswain.agent.failures";
  static final String FALLBACKS = "coxswain.agent.fallbacks";
  static final String TOKENS = "coxswain.agent.tokens";
  static final String COST = "coxswain.agent.cost.dollars";
  static final String BUDGET_TOKENS = "coxswain.agent.budget.tokens";
  static final String BUDGET_DOLLARS = "coxswain.agent.budget.dollars";
  static final String BREAKER = "coxswain.agent.breaker.open";

  private final String run;
  private final Function<String, Supervisor> agents;
  private final MeterSet meters;
  private volatile boolean started;

  AgentMeters(MeterRegistry registry, String run, Function<String, Supervisor> agents) {
    this.run = run;
    this.agents = agents;
    this.meters = new MeterSet(registry, Tags.of("run", run));
  }

  /** Registers the meters if the run has an agent now and they are not registered yet. Cheap. */
  void offer() {
    if (started || agents.apply(run) == null) {
      return;
    }
    synchronized (this) {
      if (started) {
        return;
      }
      started = true;
    }
    meters.counter(DECISIONS, "decisions the agent has taken", read(Supervisor::decisions));
    meters.counter(
        FAILURES,
        "decisions the agent's policy could not make (failed calls, unusable answers)",
        read(Supervisor::failures));
    meters.counter(
        FALLBACKS,
        "decisions the rule policy made in place of the agent's own (failure, breaker, budget)",
        read(Supervisor::fallbacks));
    meters.counter(TOKENS, "LLM tokens the agent has spent", read(budget(Budget::tokens)));
    meters.counter(COST, "dollars the agent has spent on its LLM", read(budget(Budget::usd)));
    meters.function(
        BUDGET_TOKENS,
        "the agent's cap on LLM tokens",
        null,
        null,
        read(budget(Budget::maxTokens)));
    meters.function(
        BUDGET_DOLLARS, "the agent's cap on LLM dollars", null, null, read(budget(Budget::maxUsd)));
    meters.function(
        BREAKER,
        "1 while the LLM has failed and the rule policy decides",
        null,
        null,
        read(s -> s.breakerOpen() ? 1 : 0));
  }

  private static ToDoubleFunction<Supervisor> budget(ToDoubleFunction<Budget> f) {
    return s -> s.budget() == null ? 0 : f.applyAsDouble(s.budget());
  }

  /** A reading of the run's current supervisor that keeps the last value when there is none. */
  private java.util.function.DoubleSupplier read(ToDoubleFunction<Supervisor> f) {
    double[] last = {0};
    return () -> {
      Supervisor s = agents.apply(run);
      if (s != null) {
        last[0] = f.applyAsDouble(s);
      }
      return last[0];
    };
  }

  void close() {
    meters.close();
  }
}
