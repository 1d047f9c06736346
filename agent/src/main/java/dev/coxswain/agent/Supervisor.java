package dev.coxswain.agent;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.goal.GoalWatch;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.memory.Memory;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.recovery.Recovery;
import dev.coxswain.agent.summary.Summarizer;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent loop. Fed every event of a run (on any thread; it queues them), it decides every N
 * steps on a thread of its own, so training never waits unless blocking mode is on, and sends what
 * it decided. The policy it asks is wrapped in decorators ({@link PolicyChain}), outermost first:
 * {@code BudgetedPolicy} (the budget; the rule policy once it is spent), {@code FallbackPolicy}
 * (the rule policy when the primary fails; an unusable answer is a keep), {@code
 * CircuitBreakerPolicy} (the rule policy after repeated failed decisions, until a probe answers)
 * and {@code RetryingPolicy} (backoff with jitter, Retry-After honoured). Every answer then passes
 * the guardrails and the journal and becomes at most one command ({@link Deliberation}: one
 * decision). {@link Recovery} watches the run's health and rolls it back, and never waits for the
 * policy: while the agent's thread waits for an answer it goes on reading the events given
 * meanwhile for recovery, and everything else sees them after the decision, in order ({@link
 * AgentQueue}). {@link Memory} remembers the agent's decisions and what followed them for its next
 * prompts; a person's words ({@link #tellAgent}) go into every prompt until withdrawn.
 *
 * <p>Thread-safety: {@link #accept}, {@link #restore}, {@link #drain}, {@link #tellAgent} and the
 * counters may be called from any thread; everything else runs on the agent's thread, in the order
 * the events were given. The policy's thread runs the policy chain alone; what the chain reports
 * ({@code health}) is sent from the agent's thread once the answer is in.
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  /** The longest a person's words to the agent may be, in characters. */
  public static final int MAX_WORDS = dev.coxswain.protocol.Action.MAX_WORDS;

  /** How the supervisor reaches the run. */
  public interface Gateway {
    /** Records and sends a command; completes with its one result. */
    CompletableFuture<CommandResult> submit(Command command);

    /**
     * Records an event of the agent's own ({@code agent_decision}, {@code agent_outcome}, {@code
     * health}); its JSON form is {@link Payloads#encode}'s.
     */
    void emit(Payload payload);
  }

  private final SupervisorConfig config;
  private final Budget budget;
  private final DecisionLog log;
  private final Gateway gateway;
  private final AgentQueue<Read> queue;
  private final Summarizer summarizer = new Summarizer();
  private final Recovery recovery;
  private final Memory memory = new Memory();
  private final GoalWatch goal = new GoalWatch();
  private final DecisionOutcomes outcomes = new DecisionOutcomes(goal);
  private final Deliberation deliberation;

  private volatile boolean enabled = true;
  private volatile int every;
  private volatile String words = "";
  private volatile boolean ruleOnly; // a person chose the rule policy with an agent command
  private AgentControls controls = AgentControls.NONE; // the agent's thread only
  private final PendingCommand pending; // the agent's thread only
  private final Set<EventType> malformed = EnumSet.noneOf(EventType.class); // warned of
  private volatile long lastSeqRead = -1;

  /**
   * An event as recovery read it.
   *
   * @param recovering whether a recovery was under way right after it
   */
  private record Read(Event event, Payload body, boolean recovering) {}

  public Supervisor(
      SupervisorConfig config,
      Policy primary,
      Policy fallback,
      Guardrails guardrails,
      Budget budget,
      Journal journal,
      Gateway gateway,
      String promptName) {
    this(
        config,
        primary,
        fallback,
        guardrails,
        budget,
        journal,
        gateway,
        promptName,
        Supervisor::sleep);
  }

  Supervisor(
      SupervisorConfig config,
      Policy primary,
      Policy fallback,
      Guardrails guardrails,
      Budget budget,
      Journal journal,
      Gateway gateway,
      String promptName,
      LongConsumer sleeper) {
    this.config = config;
    this.every = config.every();
    this.budget = budget;
    this.log = new DecisionLog(journal, promptName);
    this.pending = new PendingCommand(log);
    this.gateway = gateway;
    this.recovery =
        new Recovery(
            config.nonFiniteLimit(),
            config.spikePatience(),
            config.maxRecoveries(),
            this::send,
            this::health);
    this.deliberation =
        new Deliberation(
            config,
            primary,
            fallback,
            guardrails,
            budget,
            log,
            gateway,
            memory,
            goal,
            outcomes,
            sleeper,
            this::health,
            this::awaitAnswer,
            recovery::recovering);
    this.queue = new AgentQueue<>("coxswain-agent", this::read, this::turn);
    queue.start(); // after every field is set: the thread sees them all
  }

  private static void sleep(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // --- a person's words ---

  /**
   * A person's words to the agent: from the next decision on, every prompt carries them, marked as
   * a person's ("A person running this training says: ..."), until {@link #tellAgent} replaces them
   * or {@link #withdrawWords} takes them back. They guide the agent and nothing more: the
   * guardrails still refuse a locked knob and every bound, whatever the words say. Journaled (a
   * {@code person_words} line) and recorded in each decision's entry. Thread-safe.
   *
   * @param text at most {@link #MAX_WORDS} characters; blank withdraws the words
   * @throws IllegalArgumentException when the text is longer, saying so
   */
  public void tellAgent(String text) {
    String t = text == null ? "" : text.strip();
    if (t.length() > MAX_WORDS) {
      throw new IllegalArgumentException(
          "words to the agent may be at most "
              + MAX_WORDS
              + " characters; these are "
              + t.length());
    }
    words = t;
    log.words(summarizer.step(), t);
  }

  /** Takes a person's words back: later prompts carry none. Thread-safe. */
  public void withdrawWords() {
    if (!words.isEmpty()) {
      tellAgent("");
    }
  }

  /** The person's words every prompt carries now; empty when none. */
  public String personWords() {
    return words;
  }

  // --- events ---

  /** Takes an event of the run; returns at once. */
  public void accept(Event e) {
    queue.accept(e);
  }

  /**
   * Takes up what the run's log says of this agent (on or off, cadence, policy, words) when it is
   * started again for a run (a resume): queued like an event, so events given after it win.
   */
  public void restore(AgentControls c) {
    queue.run(() -> take(c, false));
  }

  // on the agent's thread; words said again live are journaled, restored ones were already
  private void take(AgentControls c, boolean live) {
    controls = c;
    enabled = c.enabled() == null || c.enabled();
    every = c.every() == null ? config.every() : c.every();
    ruleOnly = "rule".equals(c.policy());
    String w = c.words() == null ? "" : c.words();
    if (!w.equals(words)) {
      if (live) {
        tellAgent(w);
      } else {
        words = w;
      }
    }
  }

  /** Decides every this many steps now (the configured cadence until a command changes it). */
  public int every() {
    return every;
  }

  /**
   * Waits until every event given so far has been handled, and every command it made the agent
   * decide has been submitted, a decision waiting for its policy included (tests, shutdown, an
   * experiment that holds training in lockstep).
   */
  public void drain(long seconds) throws Exception {
    queue.drain(seconds);
  }

  /**
   * The sequence number of the newest event the agent has read (its recovery has seen), -1 before
   * any: ahead of the events that had their turn while a decision waits for its policy.
   */
  long lastSeqRead() {
    return lastSeqRead;
  }

  // on the agent's thread, as soon as it can: never behind a policy's answer
  private Read read(Event e) {
    Payload body;
    try {
      body = e.body(); // once, for every reader
    } catch (MalformedPayloadException bad) {
      if (malformed.add(e.type())) { // a newer trainer's shape would otherwise warn every step
        LOG.warn(
            "agent: skipped event {} at step {} ({}); later malformed {} events are skipped"
                + " without a warning",
            e.seq(),
            e.step(),
            bad.getMessage(),
            e.type().wire());
      }
      lastSeqRead = e.seq();
      return null;
    }
    recovery.accept(e, body);
    lastSeqRead = e.seq();
    return new Read(e, body, recovery.recovering());
  }

  // on the agent's thread, in order: right after its read, or once a decision waited for is made
  private void turn(Read r) {
    try {
      onEvent(r);
    } catch (RuntimeException ex) {
      LOG.warn("agent: {} while handling a {} event", ex.toString(), r.event().type());
    }
  }

  private Answer awaitAnswer(CompletableFuture<Answer> answer) {
    return queue.await(answer);
  }

  private void onEvent(Read r) {
    Event e = r.event();
    Payload body = r.body();
    summarizer.accept(e, body);
    memory.accept(e, body);
    goal.accept(body);
    outcomes.accept(body);
    switch (e.type()) {
      case EVAL -> goal.stopReason().ifPresent(why -> stopEarly(e.step(), why));
      case METRICS -> {
        if (enabled
            && e.step() > 0
            && e.step() % every == 0
            && !r.recovering() // as it was after this step was read
            && !recovery.recovering() // and now, when its turn came after a decision's wait
            && !pending.awaited(e.step())) {
          Summary window = summarizer.summarize();
          memory.windowEnded(window);
          outcomes.windowEnded(e.step(), window).ifPresent(this::outcome);
          if (recovery.levelJumped(e.step(), window, every)) {
            summarizer.startWindow();
          } else {
            pending.sent(deliberation.decide(e.step(), window, words, ruleOnly));
            summarizer.startWindow();
          }
        }
      }
      case COMMAND_RESULT -> {
        // settings and a person's words reach the agent as recorded commands, applied by the
        // trainer; a resumed agent is handed the same fold of the log (restore)
        AgentControls now = controls.with(((Payload.Result) body).result());
        if (now != controls) {
          take(now, true);
        }
      }
      case BRANCH -> summarizer.startWindow();
      default -> {}
    }
  }

  /** Journals what followed a decision and tells the run (the console marks the decision). */
  private void outcome(Payload.AgentOutcome o) {
    log.write(o);
    gateway.emit(o);
  }

  /** The goal allows an early stop and is met or stalled: stop, saying why (journaled too). */
  private void stopEarly(long step, String why) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "early_stop");
    m.put("step", step);
    m.put("reason", why);
    log.write(m);
    send("stop", Map.of(), Source.AGENT, why);
  }

  // --- helpers ---

  private void send(String type, Map<String, Object> args, Source source, String reason) {
    gateway.submit(new Command(null, type, source, args, reason, null));
  }

  private void health(String kind, String message) {
    gateway.emit(Payload.Health.of(kind, message));
  }

  public boolean breakerOpen() {
    return deliberation.breakerOpen();
  }

  /** Decisions taken so far (every one, whichever policy made it). */
  public long decisions() {
    return deliberation.decisions();
  }

  /**
   * Decisions the policy in charge could not make: every attempt failed, the breaker's probe
   * failed, or its answer could not be used.
   */
  public long failures() {
    return deliberation.failures();
  }

  /**
   * Decisions made by the fallback (rule) policy in place of another primary one: after a failure,
   * while the breaker is open, or once the budget is spent. Always 0 when the rule is the primary.
   */
  public long fallbacks() {
    return deliberation.fallbacks();
  }

  /** The run's spending caps and what has been spent (a resumed run's from its journal). */
  public Budget budget() {
    return budget;
  }

  @Override
  public void close() {
    queue.close();
    deliberation.close();
  }
}
