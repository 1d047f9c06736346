package dev.coxswain.examples.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.FakeOpenAi;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.trainer.RunLauncher;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GAN's own loop supervised by the OpenAI agent, which talks HTTP to an OpenAI-compatible
 * server on loopback: the model receives tools generated from the GAN's registered knobs and action
 * (bounds included), its decision on lr_d is applied, and a person's lock on lr_d refuses it.
 */
class GanAgentTest {
  @TempDir Path dir;

  private static List<Event> await(RunStore store, Predicate<Event> p, int count, long seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Event> got = store.scan(p, 1_000_000);
    while (got.size() < count) {
      if (System.nanoTime() > deadline) {
        List<String> decisions = new ArrayList<>();
        for (Event d : store.scan(e -> e.type() == EventType.AGENT_DECISION, 1_000_000)) {
          decisions.add(d.step() + ": " + d.payload());
        }
        throw new AssertionError(
            "only "
                + got.size()
                + " of "
                + count
                + " matching events within "
                + seconds
                + " s; at step "
                + store.read(s -> s.step())
                + " ("
                + store.status()
                + "), last events: "
                + store.scan(e -> e.seq() > store.lastSeq() - 8, 100).stream()
                    .map(e -> e.type() + "@" + e.step() + " " + e.time())
                    .toList()
                + ", the agent's decisions: "
                + decisions);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
      got = store.scan(p, 1_000_000);
    }
    return got;
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
  void theAgentSteersTheGansOwnKnobsThroughGeneratedToolsAndALockStopsIt() throws Exception {
    FashionMnistData train = FashionMnistData.train(GanServedTest.DATA, 256);
    FashionMnistData val = FashionMnistData.test(GanServedTest.DATA, 100);
    TrainerConfig config =
        TrainerConfig.builder()
            .optRunId("gan-agent")
            .optMaxSteps(1_000_000)
            .optEvalEvery(0)
            .build();
    FakeOpenAi.Tool doubleD =
        new FakeOpenAi.Tool(
            "scale_knob", "{\"knob\":\"lr_d\",\"factor\":2,\"rationale\":\"d lags\"}", 800, 40);
    try (FakeOpenAi llm = new FakeOpenAi();
        GanLoop gan = new GanLoop(train, val, 16, 42)) {
      llm.then(doubleD).always(doubleD);
      AgentSettings withLlm =
          new AgentSettings(
              "openai",
              "supervisor",
              new OpenAiPolicy.Options(
                  llm.baseUrl(),
                  "sk-fake-gan-key-7",
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
      RunStore store =
          RunStore.create(
              dir.resolve("runs/gan-agent"),
              RunSpec.runJson(
                  "gan-agent", gan.loop(), Map.of(), Map.of("agent", withLlm.describe())));
      CoxswainServer server =
          CoxswainServer.start(
              ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
              dir.resolve("runs"),
              store,
              RunLauncher.of(gan.loop(), config),
              null,
              null,
              withLlm);
      try {
        Predicate<Event> agentScale =
            e ->
                e.type() == EventType.COMMAND
                    && "agent".equals(e.payload().get("source"))
                    && "set_knobs".equals(e.payload().get("type"));
        Event first = await(store, agentScale, 1, 90).get(0);
        assertEquals(Map.of("lr_d", 4e-4), first.payload().get("args"), "2e-4 doubled");
        Object id = first.payload().get("id");
        Event applied =
            await(
                    store,
                    e ->
                        e.type() == EventType.COMMAND_RESULT
                            && id.equals(e.payload().get("command_id")),
                    1,
                    60)
                .get(0);
        assertEquals("applied", applied.payload().get("status"), applied.payload().toString());
        long from = ((Number) applied.payload().get("step")).longValue();
        Event metrics =
            await(store, e -> e.type() == EventType.METRICS && e.step() == from, 1, 60).get(0);
        assertEquals(
            4e-4,
            ((Number) ((Map<?, ?>) metrics.payload().get("values")).get("lr_d")).doubleValue(),
            1e-12,
            "the GAN's step " + from + " ran with the agent's lr_d");

        // what the model received: tools from the GAN's registry, bounds in
        JsonNode req = Json.mapper().readTree(llm.requests().get(0));
        JsonNode set = tool(req, "set_knobs").get("properties");
        assertEquals(1e-6, set.at("/lr_d/minimum").asDouble());
        assertEquals(1e-2, set.at("/lr_d/maximum").asDouble());
        assertEquals("[\"integer\",\"null\"]", set.at("/n_critic/type").toString());
        assertEquals(10, set.at("/n_critic/maximum").asLong());
        List<String> scalable = new ArrayList<>();
        tool(req, "scale_knob").at("/properties/knob/enum").forEach(n -> scalable.add(n.asText()));
        assertTrue(scalable.containsAll(List.of("lr_d", "lr_g")), scalable.toString());
        assertFalse(scalable.contains("n_critic"), scalable.toString());
        JsonNode freeze = tool(req, "freeze_d");
        assertEquals("integer", freeze.at("/properties/steps/type").asText());
        assertEquals(1000, freeze.at("/properties/steps/maximum").asLong());

        // a person locks lr_d: the agent's next decisions on it are refused by its guardrails
        TestRuns.Http http = new TestRuns.Http(server.port());
        assertEquals(
            202,
            http.command("gan-agent", "{\"type\":\"lock_knob\",\"args\":{\"knob\":\"lr_d\"}}")
                .statusCode());
        Event locked =
            await(
                    store,
                    e ->
                        e.type() == EventType.COMMAND_RESULT
                            && "lock_knob".equals(e.payload().get("type")),
                    1,
                    60)
                .get(0);
        assertEquals("applied", locked.payload().get("status"));
        List<Event> refused =
            await(
                store,
                e ->
                    e.type() == EventType.AGENT_DECISION
                        && ((Number) e.payload().get("step")).longValue() > locked.step() + 1,
                1,
                90);
        assertTrue(
            String.valueOf(refused.get(0).payload().get("guardrail_edits"))
                .contains("knob 'lr_d' is locked by a person"),
            refused.get(0).payload().toString());
      } finally {
        server.shutdown("test over");
      }
    }
  }
}
