package dev.coxswain.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.FakeOpenAi;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.control.ActionOutcome;
import dev.coxswain.trainer.data.CharCorpus;
import dev.coxswain.trainer.data.CharWindowSource;
import dev.coxswain.trainer.model.CharGpt;
import dev.coxswain.trainer.model.GptConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent follows what a run registered, with real parts: a DJL workload that registers its own
 * knobs ({@code lr_d}, log with the learning_rate role; {@code n_critic}, an integer) and actions
 * ({@code freeze_d}, the agent's; {@code reinit_d}, a person's only), the supervisor talking HTTP
 * to an OpenAI-compatible server on loopback, and the run's results.
 */
class RegisteredControlsAgentTest {
  @TempDir Path dir;
  private final FakeOpenAi llm;
  private CoxswainServer server;
  private final List<Double> lrD = new CopyOnWriteArrayList<>();
  private final List<Object> frozeFor = new CopyOnWriteArrayList<>();

  RegisteredControlsAgentTest() throws Exception {
    llm = new FakeOpenAi();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
    llm.close();
  }

  private Workload gan() throws Exception {
    CharCorpus corpus = CharCorpus.load(TestRuns.corpus(dir), 4);
    return Workload.builder()
        .setBlock(new CharGpt(new GptConfig(corpus.vocabSize(), 8, 1, 16, 2)))
        .setInputShape(new Shape(4, 8))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new CharWindowSource(corpus, 4, 8, 42, 0))
        .optKnob(
            Knob.real("lr_d")
                .bounds(1e-6, 1e-2)
                .initial(2e-4)
                .log()
                .role(Knob.LEARNING_RATE)
                .describe("the discriminator's learning rate")
                .build(),
            lrD::add)
        .optKnob(
            Knob.integer("n_critic")
                .bounds(1, 10)
                .initial(2)
                .describe("critic steps per generator step")
                .build(),
            v -> {})
        .optAction(
            new ActionSpec(
                "freeze_d",
                "freeze the discriminator for some steps",
                true,
                List.of(ActionSpec.Field.integer("steps", 1, 100, "how many steps"))),
            (args, next) -> {
              frozeFor.add(args.get("steps"));
              return ActionOutcome.applied(Map.of("until", next + (Long) args.get("steps")));
            })
        .optAction(
            new ActionSpec("reinit_d", "re-initialise the discriminator's head", false, List.of()),
            (args, next) -> ActionOutcome.applied())
        .build();
  }

  private void start(Workload w) throws Exception {
    AgentSettings agent =
        new AgentSettings(
            "openai",
            "supervisor",
            new OpenAiPolicy.Options(
                llm.baseUrl(),
                "sk-fake-agent-key-42",
                "o4-mini",
                "low",
                2000,
                Duration.ofSeconds(10)),
            new SupervisorConfig(10, false, 3, 50, 3, 3, 20, 3),
            1_000_000,
            5.0,
            1.10,
            4.40,
            null,
            null);
    RunConfig cfg =
        RunConfig.load(TestRuns.config(dir, 1_000_000, 1000))
            .withOverrides("g1", null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, 1_000_000, Map.of("agent", agent.describe()));
    spec = new RunSpec(spec.runId(), spec.config(), spec.trainer(), w, spec.runJson());
    RunStore store = RunStore.create(dir.resolve("runs/g1"), spec.runJson());
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

  private List<Event> await(Predicate<Event> p, int count, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Event> got = server.store().scan(p, 1_000_000);
    while (got.size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "only " + got.size() + " of " + count + " matching events within " + seconds + " s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
      got = server.store().scan(p, 1_000_000);
    }
    return got;
  }

  private static Predicate<Event> agentCommand(String type) {
    return e ->
        e.type() == EventType.COMMAND
            && "agent".equals(e.payload().get("source"))
            && type.equals(e.payload().get("type"));
  }

  private Event resultOf(Event command) throws Exception {
    Object id = command.payload().get("id");
    return await(
            e -> e.type() == EventType.COMMAND_RESULT && id.equals(e.payload().get("command_id")),
            1,
            60)
        .get(0);
  }

  private static JsonNode tool(JsonNode request, String name) {
    for (JsonNode t : request.get("tools")) {
      if (t.get("function").get("name").asText().equals(name)) {
        return t.get("function").get("parameters");
      }
    }
    return null;
  }

  @Test
  void theAgentGetsToolsFromTheRunsKnobsAndActionsAndALockRefusesItsDecision() throws Exception {
    FakeOpenAi.Tool doubleD =
        new FakeOpenAi.Tool(
            "scale_knob", "{\"knob\":\"lr_d\",\"factor\":2,\"rationale\":\"d lags\"}", 800, 40);
    llm.then(
            doubleD,
            new FakeOpenAi.Tool(
                "freeze_d", "{\"steps\":5,\"rationale\":\"let g catch up\"}", 800, 40))
        .always(doubleD);
    start(gan());

    // the model's decision on lr_d is applied at the next step, through the run's own setter
    Event first = await(agentCommand("set_knobs"), 1, 60).get(0);
    assertEquals(Map.of("lr_d", 4e-4), first.payload().get("args"), "2e-4 doubled");
    Event applied = resultOf(first);
    assertEquals("applied", applied.payload().get("status"), applied.payload().toString());
    Payload.Knobs change =
        (Payload.Knobs)
            await(
                    e ->
                        e.type() == EventType.KNOBS
                            && first.payload().get("id").equals(e.payload().get("command_id")),
                    1,
                    60)
                .get(0)
                .body();
    assertEquals(new Payload.Change(2e-4, 4e-4), change.changed().get("lr_d"));
    assertEquals(
        ((Number) applied.payload().get("step")).longValue(),
        change.fromStep(),
        "from the step the result names");
    assertTrue(lrD.contains(4e-4), "the workload's setter got it: " + lrD);
    TestRuns.Http http = new TestRuns.Http(server.port());

    // the action the agent may call was called with its typed field, and applied
    Event freeze = await(agentCommand("run_action"), 1, 60).get(0);
    assertEquals(Map.of("action", "freeze_d", "steps", 5), freeze.payload().get("args"));
    assertEquals("applied", resultOf(freeze).payload().get("status"));
    assertEquals(List.of(5L), frozeFor);

    // what the model received: tools generated from the registered knobs and actions, bounds in
    JsonNode req = Json.mapper().readTree(llm.requests().get(0));
    JsonNode set = tool(req, "set_knobs").get("properties");
    assertEquals("[\"number\",\"null\"]", set.at("/lr_d/type").toString());
    assertEquals(1e-6, set.at("/lr_d/minimum").asDouble());
    assertEquals(1e-2, set.at("/lr_d/maximum").asDouble());
    assertEquals("[\"integer\",\"null\"]", set.at("/n_critic/type").toString());
    assertEquals(1, set.at("/n_critic/minimum").asLong());
    assertEquals(10, set.at("/n_critic/maximum").asLong());
    List<String> scalable = new ArrayList<>();
    tool(req, "scale_knob").at("/properties/knob/enum").forEach(n -> scalable.add(n.asText()));
    assertTrue(scalable.contains("lr_d") && scalable.contains("lr"), scalable.toString());
    assertFalse(scalable.contains("n_critic"), "an integer knob is set, not scaled");
    JsonNode freezeTool = tool(req, "freeze_d");
    assertEquals("integer", freezeTool.at("/properties/steps/type").asText());
    assertEquals(1, freezeTool.at("/properties/steps/minimum").asLong());
    assertEquals(100, freezeTool.at("/properties/steps/maximum").asLong());
    assertTrue(freezeTool.get("required").toString().contains("\"steps\""));
    assertEquals(null, tool(req, "reinit_d"), "a person's own action is no tool of the agent's");
    String prompt = req.at("/messages/1/content").asText();
    assertTrue(prompt.contains("n_critic=2 [1, 10] integer"), prompt);
    assertTrue(prompt.contains("lr_d=0.0002000 [1.000e-06, 0.01000] real, log scale"), prompt);
    assertTrue(prompt.contains("freeze_d(steps: integer [1, 100]"), prompt);

    // a person locks lr_d: the same decision is refused by the guardrails, lr_d stays put
    assertEquals(
        202,
        http.command("g1", "{\"type\":\"lock_knob\",\"args\":{\"knob\":\"lr_d\"}}").statusCode());
    Event locked =
        await(
                e ->
                    e.type() == EventType.COMMAND_RESULT
                        && "lock_knob".equals(e.payload().get("type")),
                1,
                60)
            .get(0);
    assertEquals("applied", locked.payload().get("status"), locked.payload().toString());
    long lockStep = locked.step();
    List<Event> refused =
        await(
            e ->
                e.type() == EventType.AGENT_DECISION
                    && ((Number) e.payload().get("step")).longValue() > lockStep + 1,
            2,
            60);
    for (Event d : refused) {
      assertTrue(
          String.valueOf(d.payload().get("guardrail_edits"))
              .contains("knob 'lr_d' is locked by a person"),
          d.payload().toString());
    }
    int settersAtLock = lrD.size();
    await(e -> e.type() == EventType.AGENT_DECISION, refused.size() + 1, 60);
    for (Event e : server.store().scan(x -> x.seq() > locked.seq(), 1_000_000)) {
      if (e.type() == EventType.COMMAND_RESULT && "set_knobs".equals(e.payload().get("type"))) {
        // one decided before the lock may still arrive: the trainer refuses it
        assertEquals("rejected", e.payload().get("status"), e.payload().toString());
      }
    }
    assertEquals(settersAtLock, lrD.size(), "lr_d not set again after the lock: " + lrD);
  }
}
