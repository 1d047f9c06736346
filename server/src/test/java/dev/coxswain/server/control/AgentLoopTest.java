package dev.coxswain.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.FakeOpenAi;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.CharCorpus;
import dev.coxswain.trainer.data.CharWindowSource;
import dev.coxswain.trainer.model.CharGpt;
import dev.coxswain.trainer.model.GptConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop with real parts: DJL trainer -> summary -> LangChain4j -> a chat-completions
 * server on loopback -> decision -> guardrails -> command -> the trainer's result.
 */
class AgentLoopTest {
  @TempDir Path dir;
  private final FakeOpenAi llm;
  private CoxswainServer server;

  AgentLoopTest() throws Exception {
    llm = new FakeOpenAi();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
    llm.close();
  }

  private AgentSettings settings(String prompt, long maxTokens, Duration timeout) {
    return new AgentSettings(
        "openai",
        prompt,
        new OpenAiPolicy.Options(
            llm.baseUrl(), "sk-fake-agent-key-42", "o4-mini", "low", 2000, timeout),
        new SupervisorConfig(10, false, 3, 50, 3, 3, 20, 3),
        maxTokens,
        5.0,
        1.10,
        4.40,
        null,
        null);
  }

  private void start(AgentSettings agent, Workload workload, int checkpointEvery) throws Exception {
    RunConfig cfg =
        RunConfig.load(TestRuns.config(dir, 1_000_000, checkpointEvery))
            .withOverrides("a1", null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, 1_000_000, Map.of("agent", agent.describe()));
    if (workload != null) {
      spec = new RunSpec(spec.runId(), spec.config(), spec.trainer(), workload, spec.runJson());
    }
    RunStore store = RunStore.create(dir.resolve("runs/a1"), spec.runJson());
    server =
        CoxswainServer.start(
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            dir.resolve("runs"),
            store,
            spec,
            null,
            null,
            agent);
  }

  private List<Event> events(Predicate<Event> p) throws Exception {
    return server.store().scan(p, 1_000_000);
  }

  private List<Event> await(Predicate<Event> p, int count, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Event> got = events(p);
    while (got.size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "only " + got.size() + " of " + count + " matching events within " + seconds + " s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
      got = events(p);
    }
    return got;
  }

  /** The step whose window an agent_decision event judged. */
  private static long decidedAt(Event decision) {
    return ((Number) decision.payload().get("step")).longValue();
  }

  private static Predicate<Event> type(EventType t) {
    return e -> e.type() == t;
  }

  private static Predicate<Event> health(String kind) {
    return e -> e.type() == EventType.HEALTH && kind.equals(e.payload().get("kind"));
  }

  private static double lrAfter(List<Event> all, String commandId) {
    boolean seen = false;
    for (Event e : all) {
      if (e.type() == EventType.COMMAND_RESULT && commandId.equals(e.payload().get("command_id"))) {
        seen = true;
      } else if (seen && e.type() == EventType.METRICS) {
        return ((Number) e.payload().get("lr")).doubleValue();
      }
    }
    throw new AssertionError("no metrics after " + commandId);
  }

  @Test
  void doubleHalveAndKeepChangeTheLearningRateThroughTheWholeLoop() throws Exception {
    llm.then(
            FakeOpenAi.decision("double", "too slow"),
            FakeOpenAi.decision("halve", "too noisy"),
            FakeOpenAi.decision("keep", "fine"))
        .always(FakeOpenAi.decision("keep", "fine"));
    start(settings("lr-recovery", 1_000_000, Duration.ofSeconds(10)), null, 1000);
    List<Event> decisions = await(type(EventType.AGENT_DECISION), 3, 60);
    List<Event> agentCmds =
        await(
            e -> e.type() == EventType.COMMAND && "agent".equals(e.payload().get("source")), 2, 60);
    Event secondResult =
        await(
                e ->
                    e.type() == EventType.COMMAND_RESULT
                        && agentCmds
                            .get(1)
                            .payload()
                            .get("id")
                            .equals(e.payload().get("command_id")),
                1,
                60)
            .get(0);
    // the metrics of the step it applied at come after its result: wait for them too
    await(e -> e.type() == EventType.METRICS && e.seq() > secondResult.seq(), 1, 60);
    List<Event> all = events(e -> true);
    assertEquals(Map.of("lr", 0.002), agentCmds.get(0).payload().get("args"));
    assertEquals(0.002, lrAfter(all, (String) agentCmds.get(0).payload().get("id")), 1e-12);
    assertEquals(0.001, lrAfter(all, (String) agentCmds.get(1).payload().get("id")), 1e-12);
    Map<String, Object> third = decisions.get(2).payload();
    assertEquals("keep", ((Map<?, ?>) third.get("decision")).get("action"));
    assertTrue(
        ((Number) ((Map<?, ?>) decisions.get(0).payload().get("usage")).get("input_tokens"))
                .longValue()
            > 0);
    // the journal and the API carry the same decisions, with the prompt and the cost; no key
    // anywhere
    List<String> journal = Files.readAllLines(dir.resolve("runs/a1/agent.jsonl"));
    assertTrue(journal.stream().filter(l -> l.contains("\"prompt\"")).count() >= 3);
    assertTrue(
        journal.stream()
            .anyMatch(
                l -> l.contains("\"type\":\"result\"") && l.contains("\"status\":\"applied\"")));
    TestRuns.Http http = new TestRuns.Http(server.port());
    assertTrue(http.get("/api/runs/a1/decisions").body().contains("too noisy"));
    for (String f : List.of("agent.jsonl", "events.jsonl", "run.json")) {
      assertTrue(
          !Files.readString(dir.resolve("runs/a1/" + f)).contains("sk-fake-agent-key-42"), f);
    }
  }

  @Test
  void faultsNeverStopTrainingAndEachIsHandled() throws Exception {
    llm.then(
            new FakeOpenAi.Status(429, "1"),
            FakeOpenAi.decision("double", "after a 429"),
            new FakeOpenAi.Status(500, null),
            FakeOpenAi.decision("halve", "after a 500"),
            new FakeOpenAi.Hang(3000),
            FakeOpenAi.decision("keep", "after a hang"),
            new FakeOpenAi.Garbage("<<<not json>>>"),
            new FakeOpenAi.Text("no idea", 10, 5, 0),
            FakeOpenAi.decision("triple", "more"),
            FakeOpenAi.decision("keep", "ok then"))
        .always(FakeOpenAi.decision("keep", "fine"));
    start(settings("lr-recovery", 1_000_000, Duration.ofSeconds(1)), null, 1000);
    long t0 = System.nanoTime();
    List<Event> d = await(type(EventType.AGENT_DECISION), 5, 120);
    String notes =
        d.subList(0, 5).stream()
            .map(e -> String.valueOf(e.payload().get("notes")))
            .toList()
            .toString();
    assertTrue(notes.contains("RATE_LIMITED"), notes);
    assertTrue(notes.contains("SERVER_ERROR"), notes);
    assertTrue(notes.contains("TIMEOUT"), notes);
    assertTrue(notes.contains("unusable answer after a re-ask"), notes);
    assertTrue(notes.contains("unknown or unpermitted action 'triple'"), notes);
    assertTrue(System.nanoTime() - t0 >= 1_000_000_000L, "Retry-After was honoured");
    assertEquals("double", ((Map<?, ?>) d.get(0).payload().get("decision")).get("action"));
    assertEquals(
        "keep",
        ((Map<?, ?>) d.get(3).payload().get("decision")).get("action"),
        "garbage twice is treated as keep");
    // training kept stepping while the agent waited on the hung call (>= 1 s, its timeout): steps
    // were recorded inside that decision's own time span (the journal stamps its end and latency)
    Event hung =
        d.subList(0, 5).stream()
            .filter(e -> String.valueOf(e.payload().get("notes")).contains("TIMEOUT"))
            .findFirst()
            .orElseThrow();
    java.time.Instant end = java.time.Instant.parse((String) hung.payload().get("time"));
    java.time.Instant start =
        end.minusMillis(((Number) hung.payload().get("latency_ms")).longValue());
    assertTrue(
        start.plusMillis(900).isBefore(end),
        "the hung call took its timeout: " + start + ".." + end);
    long during =
        events(type(EventType.METRICS)).stream()
            .filter(e -> e.time().isAfter(start) && e.time().isBefore(end))
            .count();
    assertTrue(
        during >= 3,
        "training kept stepping while the agent waited on a hung call: "
            + during
            + " steps in "
            + java.time.Duration.between(start, end).toMillis()
            + " ms");
  }

  @Test
  void supervisorToolCallsAreClampedAndHumanLocksRespected() throws Exception {
    llm.then(
            new FakeOpenAi.Tool(
                "scale_knob",
                "{\"knob\":\"lr\",\"factor\":100,\"rationale\":\"go fast\"}",
                800,
                40))
        .always(
            new FakeOpenAi.Tool(
                "scale_knob", "{\"knob\":\"lr\",\"factor\":2,\"rationale\":\"again\"}", 800, 40));
    start(settings("supervisor", 1_000_000, Duration.ofSeconds(10)), null, 1000);
    Event first = await(type(EventType.AGENT_DECISION), 1, 60).get(0);
    assertTrue(
        String.valueOf(first.payload().get("guardrail_edits")).contains("clamped"),
        first.payload().toString());
    Event cmd =
        await(
                e -> e.type() == EventType.COMMAND && "agent".equals(e.payload().get("source")),
                1,
                60)
            .get(0);
    assertEquals(Map.of("lr", 0.002), cmd.payload().get("args"), "factor 100 became 2");
    // a person locks lr: the agent's next wishes are kept out
    TestRuns.Http http = new TestRuns.Http(server.port());
    assertEquals(
        202,
        http.command("a1", "{\"type\":\"lock_knob\",\"args\":{\"knob\":\"lr\"}}").statusCode());
    Event locked =
        await(
                e ->
                    e.type() == EventType.COMMAND_RESULT
                        && "lock_knob".equals(e.payload().get("type")),
                1,
                60)
            .get(0);
    assertEquals("applied", locked.payload().get("status"));
    long lockSeq = locked.seq();
    // a decision already under way when the lock landed was summarized before it: judge later ones
    long lockStep = locked.step();
    // judge by the step a decision's window ends at (its payload), not the step at which the event
    // was recorded: a tiny model steps faster than the agent decides, so a decision about step 30
    // can be recorded at step 56, after a lock that landed at step 42
    await(e -> e.type() == EventType.AGENT_DECISION && decidedAt(e) > lockStep + 1, 2, 60);
    List<Event> after = events(e -> e.seq() > lockSeq);
    double lockedLr = Double.NaN;
    for (Event e : after) {
      if (e.type() == EventType.METRICS) {
        double lr = ((Number) e.payload().get("lr")).doubleValue();
        if (Double.isNaN(lockedLr)) {
          lockedLr = lr;
        }
        assertEquals(lockedLr, lr, 0.0, "lr moved after the lock");
      }
      if (e.type() == EventType.COMMAND_RESULT && "set_knobs".equals(e.payload().get("type"))) {
        // one decided before the lock may still arrive: the trainer refuses it
        assertEquals("rejected", e.payload().get("status"), e.payload().toString());
      }
      if (e.type() == EventType.AGENT_DECISION && decidedAt(e) > lockStep + 1) {
        assertTrue(
            String.valueOf(e.payload().get("guardrail_edits")).contains("locked by a person"),
            "lock result at step "
                + lockStep
                + " (seq "
                + lockSeq
                + "); events since: "
                + after.stream()
                    .filter(x -> x.type() != EventType.METRICS)
                    .map(x -> x.seq() + ":" + x.type().wire() + "@" + x.step() + x.payload())
                    .toList());
      }
    }
  }

  @Test
  void anExhaustedBudgetHandsOverToTheRulePolicy() throws Exception {
    llm.always(FakeOpenAi.decision("keep", "fine")); // 760 tokens each
    start(settings("lr-recovery", 1500, Duration.ofSeconds(10)), null, 1000);
    await(health("budget_exhausted"), 1, 60);
    List<Event> d = await(type(EventType.AGENT_DECISION), 4, 60);
    assertEquals("openai", d.get(0).payload().get("policy"));
    assertEquals("openai", d.get(1).payload().get("policy"));
    assertEquals("rule", d.get(2).payload().get("policy"));
    assertEquals(2, llm.requests().size(), "no call after the cap");
  }

  @Test
  void aDeadEndpointOpensTheBreakerAndItClosesWhenTheEndpointAnswers() throws Exception {
    for (int i = 0; i < 9; i++) {
      llm.then(new FakeOpenAi.Status(500, null));
    }
    llm.always(FakeOpenAi.decision("keep", "back"));
    start(settings("lr-recovery", 1_000_000, Duration.ofSeconds(10)), null, 1000);
    await(health("agent_fallback"), 1, 60);
    await(health("agent_recovered"), 1, 60);
    List<Event> d = await(type(EventType.AGENT_DECISION), 5, 60);
    assertEquals("rule", d.get(0).payload().get("policy"));
    assertEquals("openai", d.get(d.size() - 1).payload().get("policy"));
  }

  /** A loss that turns NaN for good once poisoned. */
  static final class Poison extends Loss {
    private final Loss inner = Loss.softmaxCrossEntropyLoss();
    final AtomicBoolean on = new AtomicBoolean();

    Poison() {
      super("poison");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      NDArray l = inner.evaluate(labels, predictions);
      return on.get() ? l.mul(Float.NaN) : l;
    }
  }

  @Test
  void anInjectedDivergenceIsRolledBackAtMostThreeTimesThenPaused() throws Exception {
    llm.always(FakeOpenAi.decision("keep", "fine"));
    Poison poison = new Poison();
    CharCorpus corpus = CharCorpus.load(TestRuns.corpus(dir), 4);
    Workload w =
        Workload.builder()
            .setBlock(new CharGpt(new GptConfig(corpus.vocabSize(), 8, 1, 16, 2)))
            .setInputShape(new Shape(4, 8))
            .setLoss(poison)
            .setData(new CharWindowSource(corpus, 4, 8, 42, 0))
            .build();
    start(settings("lr-recovery", 1_000_000, Duration.ofSeconds(10)), w, 10);
    await(e -> e.type() == EventType.CHECKPOINT && e.step() >= 20, 1, 60);
    poison.on.set(true);
    Event end = await(health("recovery_exhausted").or(health("recovery_impossible")), 1, 60).get(0);
    TestRuns.Http http = new TestRuns.Http(server.port());
    http.awaitState("a1", s -> "paused".equals(s.get("status")), 30);
    if ("recovery_impossible".equals(end.payload().get("kind"))) {
      // the race this test used to lose: retention pruned the checkpoint the rollback chose (and
      // every older one from before the trouble) before the rollback applied. The run is paused
      // for a person, not left diverging; the refusal is on record.
      assertTrue(
          events(
                      e ->
                          e.type() == EventType.COMMAND_RESULT
                              && "load_checkpoint".equals(e.payload().get("type"))
                              && "rejected".equals(e.payload().get("status")))
                  .size()
              >= 1,
          "a refused rollback led to the pause");
      System.err.println("AgentLoopTest: rollback refused, run paused: " + Json.write(end));
      return;
    }
    List<Event> loads =
        events(
            e ->
                e.type() == EventType.COMMAND && "load_checkpoint".equals(e.payload().get("type")));
    assertEquals(3, loads.size(), "at most three rollbacks in a row");
    assertTrue(loads.stream().allMatch(e -> "rule".equals(e.payload().get("source"))));
    List<Event> rollbacks = events(health("rollback"));
    assertEquals(3, rollbacks.size());
    List<Event> branches = events(type(EventType.BRANCH));
    assertEquals(3, branches.size());
    // each rollback halved the learning rate of the restored state
    List<Event> scales =
        events(
            e ->
                e.type() == EventType.COMMAND_RESULT
                    && "scale_knob".equals(e.payload().get("type")));
    assertEquals(3, scales.size());
    assertTrue(
        scales.stream().allMatch(e -> "applied".equals(e.payload().get("status"))),
        Json.write(scales));
  }

  private static final java.util.regex.Pattern WINDOW =
      java.util.regex.Pattern.compile("Training summary \\(steps (\\d+)-(\\d+)\\)");

  /**
   * Waits for the first prompt the fake server received whose summary window ends at or after
   * {@code step}; returns it. Prompts of earlier windows are passed over.
   */
  private String promptEndingFrom(long step, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int seen = 0;
    while (true) {
      List<String> r = llm.requests();
      for (; seen < r.size(); seen++) {
        java.util.regex.Matcher m = WINDOW.matcher(r.get(seen));
        if (m.find() && Long.parseLong(m.group(2)) >= step) {
          return r.get(seen);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no prompt for a window ending at or after step " + step + " within " + seconds + " s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
    }
  }

  private static long stepOf(Event result) {
    return ((Number) result.payload().get("step")).longValue();
  }

  private Event commandResult(String id, long seconds) throws Exception {
    return await(
            x -> x.type() == EventType.COMMAND_RESULT && id.equals(x.payload().get("command_id")),
            1,
            seconds)
        .get(0);
  }

  @Test
  void aPersonsWordsReachEveryLaterPromptUntilWithdrawn() throws Exception {
    llm.always(FakeOpenAi.decision("keep", "fine"));
    start(settings("lr-recovery", 1_000_000, Duration.ofSeconds(10)), null, 1000);
    TestRuns.Http http = new TestRuns.Http(server.port());
    String words = "we are fine-tuning tonight, be conservative (marker-7f3a)";
    // too long: refused with the reason, nothing recorded
    int before = server.store().commands().size();
    var tooLong =
        http.command(
            "a1",
            Json.write(Map.of("type", "tell_agent", "args", Map.of("text", "x".repeat(2001)))));
    assertEquals(400, tooLong.statusCode(), tooLong.body());
    assertEquals("args.text", http.json(tooLong).get("field"));
    assertEquals(before, server.store().commands().size(), "nothing recorded");
    var told =
        http.command(
            "a1",
            Json.write(
                Map.of("id", "words-1", "type", "tell_agent", "args", Map.of("text", words))));
    assertEquals(202, told.statusCode(), told.body());
    Event toldResult = commandResult("words-1", 60);
    assertEquals("applied", toldResult.payload().get("status"));
    // the agent reads events in log order; a window ending at or after the step the words apply
    // from is summarized after it read them. Earlier windows may still be queued behind an
    // answer in flight (a busy machine), and carry the old words: those prove nothing.
    String next = promptEndingFrom(stepOf(toldResult), 120);
    assertTrue(next.contains("marker-7f3a"), "the next prompt carries the words: " + next);
    assertTrue(next.contains("A person"), "marked as a person's: " + next);
    // withdrawn: a prompt made after the withdrawal no longer has them
    var withdrawn =
        http.command(
            "a1",
            Json.write(
                Map.of("id", "words-2", "type", "tell_agent", "args", Map.of("withdraw", true))));
    assertEquals(202, withdrawn.statusCode(), withdrawn.body());
    Event withdrawnResult = commandResult("words-2", 60);
    assertEquals("applied", withdrawnResult.payload().get("status"));
    String later = promptEndingFrom(stepOf(withdrawnResult), 120);
    assertTrue(!later.contains("marker-7f3a"), "withdrawn words are gone: " + later);
  }
}
