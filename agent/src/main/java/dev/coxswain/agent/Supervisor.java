package dev.coxswain.agent;

import dev.coxswain.agent.budget.Budget;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.journal.Journal;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.policy.Policy;
import dev.coxswain.agent.policy.PolicyException;
import dev.coxswain.agent.policy.Usage;
import dev.coxswain.agent.summary.Summarizer;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent loop. Fed every event of a run (on any thread; it queues them), it decides every N
 * steps on a thread of its own, so training never waits unless blocking mode is on. Each decision
 * goes through retries (backoff with jitter, Retry-After honoured), a circuit breaker that falls
 * back to the rule policy, the budget, the guardrails and the journal, and becomes at most one
 * command. It also watches the run's health and rolls back to the last good checkpoint with half
 * the learning rate after repeated non-finite steps or a spike that does not recover, at most three
 * times in a row, and then pauses the run for a person.
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  /** A spike has recovered once a step's loss is back within 10% of the mean before it. */
  static final double SPIKE_RECOVERED = 1.1;

  /** A window whose mean loss is this many times the best window's has jumped, not drifted. */
  static final double LEVEL_JUMP = 1.2;

  /** How the supervisor reaches the run. */
  public interface Gateway {
    /** Records and sends a command; completes with its one result. */
    CompletableFuture<CommandResult> submit(Command command);

    /** Records an event of the agent's own ({@code agent_decision}, {@code health}). */
    void emit(EventType type, Map<String, Object> payload);
  }

  /**
   * @param every decide every this many steps
   * @param blocking pause training while deciding (the reference's behaviour)
   * @param attempts calls per decision before it counts as failed
   * @param backoffMillis first retry wait, doubled each time, with jitter
   * @param breakerThreshold consecutive failed decisions that switch to the fallback policy
   * @param nonFiniteLimit consecutive skipped steps that trigger a rollback
   * @param spikePatience steps a spike may last before it triggers a rollback
   * @param maxRecoveries rollbacks in a row before pausing for a person
   */
  public record Config(
      int every,
      boolean blocking,
      int attempts,
      long backoffMillis,
      int breakerThreshold,
      int nonFiniteLimit,
      int spikePatience,
      int maxRecoveries) {
    public Config {
      if (every < 1
          || attempts < 1
          || backoffMillis < 0
          || breakerThreshold < 1
          || nonFiniteLimit < 1
          || spikePatience < 1
          || maxRecoveries < 0) {
        throw new IllegalArgumentException("agent settings must be positive: " + this);
      }
    }

    public static Config defaults() {
      return new Config(100, false, 3, 500, 3, 3, 20, 3);
    }

    public Config withEvery(int n) {
      return new Config(
          n,
          blocking,
          attempts,
          backoffMillis,
          breakerThreshold,
          nonFiniteLimit,
          spikePatience,
          maxRecoveries);
    }

    public Config withBlocking(boolean b) {
      return new Config(
          every,
          b,
          attempts,
          backoffMillis,
          breakerThreshold,
          nonFiniteLimit,
          spikePatience,
          maxRecoveries);
    }

    public Config withBackoff(long ms) {
      return new Config(
          every,
          blocking,
          attempts,
          ms,
          breakerThreshold,
          nonFiniteLimit,
          spikePatience,
          maxRecoveries);
    }
  }

  private final Config config;
  private final Policy primary;
  private final Policy fallback;
  private final Guardrails guardrails;
  private final Budget budget;
  private final Journal journal;
  private final Gateway gateway;
  private final String promptName;
  private final ExecutorService thread;
  private final Summarizer summarizer = new Summarizer();
  private final Random jitter = new Random();
  private final LongConsumer sleeper;

  private volatile boolean enabled = true;
  private volatile int every;
  private int failuresInARow;
  private boolean breakerOpen;
  private boolean budgetAnnounced;
  private long lastKnobChange = -1;
  // written on the agent's thread only, read from any (metrics, tests)
  private volatile long decisions;
  private volatile long failures;
  private volatile long fallbacks;
  // health watching
  private int nonFiniteInARow;
  private long spikeSince = -1;
  private double preSpikeMean = Double.NaN;
  private final List<long[]> checkpoints = new ArrayList<>(); // (step, index into ids)
  private final List<String> checkpointIds = new ArrayList<>();
  private long troubleStart = -1;
  private int recoveriesInARow;
  private long healthySince = -1;
  private boolean recovering;

  public Supervisor(
      Config config,
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
      Config config,
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
    this.primary = primary;
    this.fallback = fallback;
    this.guardrails = guardrails;
    this.budget = budget;
    this.journal = journal;
    this.gateway = gateway;
    this.promptName = promptName;
    this.sleeper = sleeper;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "coxswain-agent");
              t.setDaemon(true);
              return t;
            });
  }

  private static void sleep(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Takes an event of the run; returns at once. */
  public void accept(Event e) {
    if (!thread.isShutdown()) {
      thread.execute(
          () -> {
            try {
              onEvent(e);
            } catch (RuntimeException ex) {
              LOG.warn("agent: {} while handling a {} event", ex.toString(), e.type());
            }
          });
    }
  }

  /** Waits until every event given so far has been handled (tests, shutdown). */
  public void drain(long seconds) throws Exception {
    thread.submit(() -> {}).get(seconds, TimeUnit.SECONDS);
  }

  private void onEvent(Event e) {
    summarizer.accept(e);
    Map<String, Object> p = e.payload();
    switch (e.type()) {
      case METRICS -> {
        watchHealth(e);
        if (enabled && e.step() > 0 && e.step() % every == 0 && !recovering) {
          Summary window = summarizer.summarize();
          Summary.Series loss = window.series().get("train_loss");
          double best = window.bestWindowMeanLoss();
          if (loss.count() >= 10 && Double.isFinite(best) && loss.mean() > LEVEL_JUMP * best) {
            // the run got much worse and a whole window did not bring it back: a spike that stayed
            troubleStart = Math.max(1, e.step() - every + 1);
            recover(
                e.step(),
                String.format(
                    java.util.Locale.ROOT,
                    "the loss level jumped to %.4g, %.0f%% above the best window so far (%.4g), and stayed there",
                    loss.mean(),
                    100 * (loss.mean() / best - 1),
                    best));
            summarizer.startWindow();
          } else {
            decide(e.step(), window);
          }
        }
      }
      case CHECKPOINT -> {
        checkpointIds.add(String.valueOf(p.get("id")));
        checkpoints.add(new long[] {e.step(), checkpointIds.size() - 1});
      }
      case HEALTH -> {
        if ("spike".equals(p.get("kind")) && spikeSince < 0) {
          spikeSince = e.step();
          preSpikeMean = p.get("window_mean") instanceof Number n ? n.doubleValue() : Double.NaN;
        }
      }
      case COMMAND_RESULT -> {
        if ("agent".equals(p.get("type"))
            && "applied".equals(p.get("status"))
            && p.get("detail") instanceof Map<?, ?> d) {
          if (d.get("enabled") instanceof Boolean b) {
            enabled = b;
          }
          if (d.get("every") instanceof Number n) {
            every = Math.max(1, n.intValue());
          }
        }
      }
      case BRANCH -> {
        recovering = false;
        summarizer.startWindow();
      }
      default -> {}
    }
  }

  // --- decisions ---

  private void decide(long step, Summary s) {
    decisions++;
    long t0 = System.nanoTime();
    if (config.blocking()) {
      send("pause", Map.of(), Source.AGENT, "deciding (blocking mode)");
    }
    Policy used = primary;
    Answer answer;
    List<String> notes = new ArrayList<>();
    if (budget != null && budget.exhausted() && primary != fallback) {
      used = fallback;
      if (!budgetAnnounced) {
        budgetAnnounced = true;
        health(
            "budget_exhausted",
            "the agent's budget is spent ("
                + budget.tokens()
                + " tokens, $"
                + String.format(java.util.Locale.ROOT, "%.4f", budget.usd())
                + "); the rule policy takes over");
      }
      notes.add("budget exhausted: rule policy");
    }
    boolean failed = false;
    try {
      answer = used == primary && breakerOpen ? probe(s, notes) : call(used, s, notes);
      if (answer == null) {
        failed = true;
        used = fallback;
        answer = fallback.decide(s);
      }
    } catch (PolicyException e) {
      failed = true;
      if (e.kind() == PolicyException.Kind.UNPARSEABLE) {
        notes.add("unusable answer after a re-ask: " + e.getMessage() + "; kept");
        answer =
            new Answer(
                Decision.keep("the model's answer could not be used"),
                e.usage(),
                "",
                "",
                2,
                String.join("; ", notes));
      } else {
        notes.add("policy failed: " + e.getMessage() + "; rule policy decided");
        used = fallback;
        try {
          answer = fallback.decide(s);
        } catch (PolicyException e2) {
          answer =
              new Answer(
                  Decision.keep("no policy could decide"), Usage.NONE, "", "", 0, e2.getMessage());
        }
      }
    }
    if (failed) {
      failures++;
    }
    if (used == fallback && primary != fallback) {
      fallbacks++;
    }
    double cost = budget == null || used != primary ? 0 : budget.charge(answer.usage());
    Guardrails.Outcome g = guardrails.apply(answer.decision(), s, lastKnobChange);
    Map<String, Object> entry = new LinkedHashMap<>();
    String decisionId = "d-" + step + "-" + decisions;
    entry.put("id", decisionId);
    entry.put("time", Instant.now().toString());
    entry.put("step", step);
    entry.put("policy", used.name());
    entry.put("prompt_name", promptName);
    entry.put("prompt_sha256", sha256(answer.prompt()));
    entry.put("prompt", answer.prompt());
    entry.put("response", answer.response());
    entry.put(
        "usage",
        Map.of(
            "input_tokens",
            answer.usage().inputTokens(),
            "output_tokens",
            answer.usage().outputTokens(),
            "reasoning_tokens",
            answer.usage().reasoningTokens()));
    entry.put("cost_usd", cost);
    entry.put("budget_spent_usd", budget == null ? 0 : budget.usd());
    entry.put("latency_ms", (System.nanoTime() - t0) / 1_000_000);
    entry.put("attempts", answer.attempts());
    entry.put(
        "decision",
        Map.of(
            "action",
            answer.decision().action(),
            "args",
            answer.decision().args(),
            "rationale",
            answer.decision().rationale()));
    entry.put("guardrail_edits", g.edits());
    if (answer.note() != null) {
      notes.add(answer.note());
    }
    entry.put("notes", notes);
    CompletableFuture<CommandResult> result = null;
    if (g.type().isPresent()) {
      Command c =
          command(
              g.type().get(),
              g.args(),
              used == primary ? Source.AGENT : Source.RULE,
              answer.decision().rationale());
      entry.put("command_id", c.id());
      if (g.type().get().equals("set_knobs")) {
        lastKnobChange = step;
      }
      result = gateway.submit(c);
    }
    journal.write(entry);
    Map<String, Object> event = new LinkedHashMap<>(entry);
    event.remove("prompt"); // the full prompt is in agent.jsonl; the event carries its digest
    gateway.emit(EventType.AGENT_DECISION, event);
    if (result != null) {
      result.thenAccept(
          r ->
              journal.write(
                  Map.of(
                      "type",
                      "result",
                      "decision_id",
                      decisionId,
                      "command_id",
                      r.commandId(),
                      "status",
                      r.status().wire(),
                      "step",
                      r.step(),
                      "reason",
                      r.reason() == null ? "" : r.reason())));
    }
    if (config.blocking()) {
      send("resume", Map.of(), Source.AGENT, "decided (blocking mode)");
    }
    summarizer.startWindow();
  }

  /** Calls a policy with retries; returns null when it failed (and counts towards the breaker). */
  private Answer call(Policy p, Summary s, List<String> notes) throws PolicyException {
    if (p == fallback) {
      return p.decide(s);
    }
    PolicyException last = null;
    for (int attempt = 1; attempt <= config.attempts(); attempt++) {
      try {
        Answer a = p.decide(s);
        failuresInARow = 0;
        return a;
      } catch (PolicyException e) {
        if (e.kind() == PolicyException.Kind.UNPARSEABLE) {
          failuresInARow = 0; // the endpoint answered
          throw e;
        }
        last = e;
        notes.add("attempt " + attempt + ": " + e.kind() + " " + e.getMessage());
        if (!e.retriable() || attempt == config.attempts()) {
          break;
        }
        long wait =
            e.retryAfterMillis() >= 0
                ? e.retryAfterMillis()
                : config.backoffMillis() << (attempt - 1);
        sleeper.accept(wait + (long) (jitter.nextDouble() * 0.2 * Math.max(1, wait)));
      }
    }
    failuresInARow++;
    if (failuresInARow >= config.breakerThreshold() && !breakerOpen) {
      breakerOpen = true;
      health(
          "agent_fallback",
          "the LLM failed "
              + failuresInARow
              + " decisions in a row ("
              + (last == null ? "" : last.getMessage())
              + "); the rule policy takes over until it answers again");
    }
    return null;
  }

  /** While the breaker is open: one try at the endpoint; on success the breaker closes. */
  private Answer probe(Summary s, List<String> notes) throws PolicyException {
    try {
      Answer a = primary.decide(s);
      breakerOpen = false;
      failuresInARow = 0;
      health("agent_recovered", "the LLM answers again; it decides from now on");
      return a;
    } catch (PolicyException e) {
      if (e.kind() == PolicyException.Kind.UNPARSEABLE) {
        breakerOpen = false;
        failuresInARow = 0;
        throw e;
      }
      notes.add("breaker open; probe failed: " + e.getMessage());
      return null;
    }
  }

  // --- health and automatic recovery ---

  private void watchHealth(Event e) {
    boolean skipped = Boolean.TRUE.equals(e.payload().get("skipped"));
    nonFiniteInARow = skipped ? nonFiniteInARow + 1 : 0;
    if (skipped && troubleStart < 0) {
      troubleStart = e.step();
    }
    if (spikeSince >= 0 && !skipped) {
      double loss = ((Number) e.payload().get("loss")).doubleValue();
      if (Double.isFinite(preSpikeMean) && loss < SPIKE_RECOVERED * preSpikeMean) {
        spikeSince = -1; // it recovered by itself
      } else if (e.step() - spikeSince >= config.spikePatience()) {
        troubleStart = spikeSince;
        recover(
            e.step(),
            "a loss spike at step "
                + spikeSince
                + " has not recovered after "
                + config.spikePatience()
                + " steps");
        return;
      }
    }
    if (nonFiniteInARow >= config.nonFiniteLimit()) {
      recover(e.step(), nonFiniteInARow + " non-finite steps in a row");
      return;
    }
    if (!skipped && spikeSince < 0) {
      troubleStart = -1;
      if (healthySince < 0) {
        healthySince = e.step();
      } else if (e.step() - healthySince >= 100) {
        recoveriesInARow = 0; // long healthy: the next trouble starts a new count
      }
    } else {
      healthySince = -1;
    }
  }

  private void recover(long step, String why) {
    nonFiniteInARow = 0;
    spikeSince = -1;
    if (recovering) {
      return;
    }
    if (recoveriesInARow >= config.maxRecoveries()) {
      recovering = true;
      send("pause", Map.of(), Source.RULE, "automatic recovery gave up: " + why);
      health(
          "recovery_exhausted",
          "rolled back "
              + recoveriesInARow
              + " times in a row and "
              + why
              + "; the run is paused for a person");
      return;
    }
    String good = null;
    for (int i = checkpoints.size() - 1; i >= 0; i--) {
      long cs = checkpoints.get(i)[0];
      if (troubleStart < 0 || cs < troubleStart) {
        good = checkpointIds.get((int) checkpoints.get(i)[1]);
        break;
      }
    }
    if (good == null) {
      recovering = true;
      send("pause", Map.of(), Source.RULE, "no checkpoint before the trouble: " + why);
      health(
          "recovery_impossible",
          why + " and there is no checkpoint from before it; the run is paused for a person");
      return;
    }
    recoveriesInARow++;
    recovering = true;
    health(
        "rollback",
        why
            + "; rolling back to "
            + good
            + " with lr x0.5 (recovery "
            + recoveriesInARow
            + " of at most "
            + config.maxRecoveries()
            + ")");
    send("load_checkpoint", Map.of("checkpoint", good), Source.RULE, why);
    send(
        "scale_knob",
        Map.of("knob", "lr", "factor", 0.5),
        Source.RULE,
        "automatic recovery: halve the learning rate after the rollback");
    troubleStart = -1;
  }

  // --- helpers ---

  private void send(String type, Map<String, Object> args, Source source, String reason) {
    gateway.submit(command(type, args, source, reason));
  }

  private static Command command(
      String type, Map<String, Object> args, Source source, String reason) {
    return new Command(null, type, source, args, reason, null);
  }

  private void health(String kind, String message) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("kind", kind);
    p.put("message", message);
    gateway.emit(EventType.HEALTH, p);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean breakerOpen() {
    return breakerOpen;
  }

  /** Decisions taken so far (every one, whichever policy made it). */
  public long decisions() {
    return decisions;
  }

  /**
   * Decisions the policy in charge could not make: every attempt failed, the breaker's probe
   * failed, or its answer could not be used.
   */
  public long failures() {
    return failures;
  }

  /**
   * Decisions made by the fallback (rule) policy in place of another primary one: after a failure,
   * while the breaker is open, or once the budget is spent. Always 0 when the rule is the primary.
   */
  public long fallbacks() {
    return fallbacks;
  }

  /** The run's spending caps and what has been spent (a resumed run's from its journal). */
  public Budget budget() {
    return budget;
  }

  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
