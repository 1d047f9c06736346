package dev.coxswain.agent;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.goal.GoalWatch;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.memory.Memory;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.HealthSink;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * One decision of the agent at the end of a window, for its {@link Supervisor}: the window briefed
 * with a person's words, the agent's memory and the goal; the policy chain asked (the rule's when a
 * person chose it); the answer through the guardrails; the decision journaled and told to the run;
 * at most one command sent; and what is needed to judge it later remembered. Counts decisions,
 * failures and fallbacks. Called on the agent's thread only; the policy chain alone runs on the
 * policy's thread, and what it reports is told to the run from the agent's thread once it answered.
 * An answer that comes after an automatic recovery began (the agent's thread read on while it
 * waited) is journaled and sends nothing: it judged a window from before the trouble, and the
 * rollback has already set the learning rate.
 */
final class Deliberation {
  /** Why an answer that came during a recovery sends nothing (journaled with the decision). */
  static final String OVERTAKEN =
      "automatic recovery began while the policy decided: its answer is not applied";

  /** Waits for the policy's answer on the agent's thread (reading the run's events meanwhile). */
  @FunctionalInterface
  interface Waiter {
    Answer await(CompletableFuture<Answer> answer);
  }

  /** What the policy chain reported, told to the run once its answer is in. */
  private record Said(String kind, String message) {}

  private final SupervisorConfig config;
  private final boolean ruleIsPrimary;
  private final PolicyChain chain;
  private final PolicyChain ruleChain;
  private final Guardrails guardrails;
  private final Budget budget;
  private final DecisionLog log;
  private final Supervisor.Gateway gateway;
  private final Memory memory;
  private final GoalWatch goal;
  private final DecisionOutcomes outcomes;
  private final HealthSink health;
  private final ExecutorService policyThread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "coxswain-policy");
            t.setDaemon(true);
            return t;
          });
  private final Waiter waiter;
  private final BooleanSupplier recovering;
  private final ConcurrentLinkedQueue<Said> said = new ConcurrentLinkedQueue<>();
  private long lastKnobChange = -1;
  // written on the agent's thread only, read from any (metrics, tests)
  private volatile long decisions;
  private volatile long failures;
  private volatile long fallbacks;

  Deliberation(
      SupervisorConfig config,
      Policy primary,
      Policy fallback,
      Guardrails guardrails,
      Budget budget,
      DecisionLog log,
      Supervisor.Gateway gateway,
      Memory memory,
      GoalWatch goal,
      DecisionOutcomes outcomes,
      LongConsumer sleeper,
      HealthSink health,
      Waiter waiter,
      BooleanSupplier recovering) {
    this.config = config;
    this.ruleIsPrimary = primary == fallback;
    HealthSink later = (kind, message) -> said.add(new Said(kind, message));
    this.chain = new PolicyChain(config, primary, fallback, budget, sleeper, later);
    this.ruleChain = new PolicyChain(config, fallback, fallback, null, sleeper, later);
    this.health = health;
    this.waiter = waiter;
    this.recovering = recovering;
    this.guardrails = guardrails;
    this.budget = budget;
    this.log = log;
    this.gateway = gateway;
    this.memory = memory;
    this.goal = goal;
    this.outcomes = outcomes;
  }

  /**
   * Decides at the end of {@code window}, at {@code step}.
   *
   * @param words a person's words to the agent now, empty when none
   * @param ruleOnly whether a person chose the rule policy
   * @return the result to come of the command the decision sent; null when it sent none
   */
  CompletableFuture<CommandResult> decide(
      long step, Summary window, String words, boolean ruleOnly) {
    decisions++;
    long t0 = System.nanoTime();
    if (config.blocking()) {
      send("pause", "deciding (blocking mode)");
    }
    Summary briefed =
        window.withBriefing(words, memory.render()).withGoal(goal.view(step).orElse(null));
    Answer answer = ask(ruleOnly ? ruleChain : chain, briefed);
    Answer.Meta meta = answer.meta();
    if (meta.failed()) {
      failures++;
    }
    if (meta.fallback() && !ruleIsPrimary) {
      fallbacks++;
    }
    Guardrails.Outcome g = guardrails.apply(answer.decision(), window, lastKnobChange);
    if (recovering.getAsBoolean()) {
      g = overtaken(g);
    }
    String id = "d-" + step + "-" + decisions;
    long latencyMs = (System.nanoTime() - t0) / 1_000_000;
    Command c = command(step, g, answer);
    Payload.AgentDecision decision =
        log.decision(
            id,
            step,
            meta.policy(),
            answer,
            budget == null ? 0 : budget.usd(),
            latencyMs,
            g,
            words,
            c == null ? null : c.id());
    CompletableFuture<CommandResult> result = c == null ? null : gateway.submit(c);
    log.write(decision, answer.prompt());
    gateway.emit(decision); // the full prompt is in agent.jsonl; the event carries its digest
    if (result != null) {
      log.resultLater(id, result);
    }
    outcomes.decided(id, step, window, result != null);
    memory.decided(
        step,
        window,
        answer.decision().action(),
        g.type().orElse(null),
        g.args(),
        g.edits().isEmpty() ? null : shorten(g.edits().get(0)));
    if (config.blocking()) {
      send("resume", "decided (blocking mode)");
    }
    return result;
  }

  /** Asks on the policy's thread; the agent's reads on meanwhile. Tells what the chain reported. */
  private Answer ask(PolicyChain policy, Summary briefed) {
    Answer answer =
        waiter.await(CompletableFuture.supplyAsync(() -> policy.decide(briefed), policyThread));
    for (Said s = said.poll(); s != null; s = said.poll()) {
      health.health(s.kind(), s.message());
    }
    return answer;
  }

  /** The guardrails' outcome of an answer that came after a recovery began: nothing to send. */
  private static Guardrails.Outcome overtaken(Guardrails.Outcome g) {
    List<String> edits = new ArrayList<>(List.of(OVERTAKEN));
    edits.addAll(g.edits());
    return new Guardrails.Outcome(Optional.empty(), Map.of(), edits);
  }

  /** The command a decision became, if any (not sent yet). */
  private Command command(long step, Guardrails.Outcome g, Answer answer) {
    if (g.type().isEmpty()) {
      return null;
    }
    Source source = answer.meta().fallback() ? Source.RULE : Source.AGENT;
    Command c =
        new Command(null, g.type().get(), source, g.args(), answer.decision().rationale(), null);
    if (g.type().get().equals("set_knobs")) {
      lastKnobChange = step;
    }
    return c;
  }

  private void send(String type, String reason) {
    gateway.submit(new Command(null, type, Source.AGENT, Map.of(), reason, null));
  }

  private static String shorten(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  boolean breakerOpen() {
    return chain.breakerOpen();
  }

  long decisions() {
    return decisions;
  }

  long failures() {
    return failures;
  }

  long fallbacks() {
    return fallbacks;
  }

  /** Lets a policy call under way finish on its own (its thread is a daemon); asks no more. */
  void close() {
    policyThread.shutdown();
  }
}
