package dev.coxswain.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.FakeOpenAi;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The floor under the agent in a real run: an OpenAI-compatible server on loopback answers "halve"
 * every time; lr stops at the run's floor ({@code knobs.lr.agent_floor}), the journal and the
 * decisions say why, and a person can still set it lower through the API.
 */
class AgentFloorTest {
  private static final double FLOOR = 3e-4;

  @TempDir Path dir;
  private final FakeOpenAi llm;
  private CoxswainServer server;

  AgentFloorTest() throws Exception {
    llm = new FakeOpenAi();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
    llm.close();
  }

  private void start() throws Exception {
    AgentSettings agent =
        new AgentSettings(
            "openai",
            "lr-recovery",
            new OpenAiPolicy.Options(
                llm.baseUrl(), "sk-fake-key-7", "o4-mini", "low", 2000, Duration.ofSeconds(10)),
            new SupervisorConfig(10, false, 3, 50, 3, 3, 20, 3),
            1_000_000,
            5.0,
            1.10,
            4.40,
            null,
            null);
    Path yaml = TestRuns.config(dir, 1_000_000, 1000);
    Files.writeString(yaml, Files.readString(yaml) + "knobs: {lr: {agent_floor: " + FLOOR + "}}\n");
    RunConfig cfg = RunConfig.load(yaml).withOverrides("f1", null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, 1_000_000, Map.of("agent", agent.describe()));
    RunStore store = RunStore.create(dir.resolve("runs/f1"), spec.runJson());
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
      LockSupport.parkNanos(50_000_000);
      got = server.store().scan(p, 1_000_000);
    }
    return got;
  }

  private static Predicate<Event> decisionSaying(String words) {
    return e ->
        e.type() == EventType.AGENT_DECISION
            && String.valueOf(e.payload().get("guardrail_edits")).contains(words);
  }

  private static double lr(Event metrics) {
    return ((Number) metrics.payload().get("lr")).doubleValue();
  }

  @Test
  void halveEveryTimeStopsAtTheFloorSayingWhyAndAPersonCanStillGoLower() throws Exception {
    llm.always(FakeOpenAi.decision("halve", "halve again"));
    start();
    // 1e-3 -> 5e-4 -> (2.5e-4 is below the floor) 3e-4 -> kept at the floor
    Event clamped = await(decisionSaying("clamped to the floor"), 1, 120).get(0);
    assertTrue(
        String.valueOf(clamped.payload().get("guardrail_edits"))
            .contains("lr floor 0.0003 (knobs.lr.agent_floor of the run): 0.00025 is below it"),
        clamped.payload().toString());
    long keptAt = await(decisionSaying("at the floor already; kept instead"), 1, 120).get(0).step();
    Event afterKept = await(e -> e.type() == EventType.METRICS && e.step() > keptAt, 1, 60).get(0);
    assertEquals(FLOOR, lr(afterKept), 1e-12, "lr stopped at the floor");
    for (Event c :
        server
            .store()
            .scan(
                e -> e.type() == EventType.COMMAND && "agent".equals(e.payload().get("source")),
                1_000_000)) {
      double asked = ((Number) ((Map<?, ?>) c.payload().get("args")).get("lr")).doubleValue();
      assertTrue(asked >= FLOOR, "the agent never asked below the floor: " + c.payload());
    }
    String journal = Files.readString(dir.resolve("runs/f1/agent.jsonl"));
    assertTrue(journal.contains("lr floor 0.0003"), "the journal says why");

    // a person is not held by the agent's floor
    HttpResponse<String> r =
        new TestRuns.Http(server.port())
            .command(
                "f1",
                "{\"id\":\"person-1\",\"type\":\"set_knobs\",\"source\":\"human\","
                    + "\"args\":{\"lr\":0.0001}}");
    assertEquals(202, r.statusCode(), r.body());
    Event applied =
        await(
                e ->
                    e.type() == EventType.COMMAND_RESULT
                        && "person-1".equals(e.payload().get("command_id")),
                1,
                60)
            .get(0);
    assertEquals("applied", applied.payload().get("status"), applied.payload().toString());
    Event later =
        await(e -> e.type() == EventType.METRICS && e.step() > applied.step(), 1, 60).get(0);
    assertEquals(1e-4, lr(later), 1e-12, "the person's lr, below the agent's floor");
    // and the agent's next halving finds lr below its floor: it sends nothing
    long personAt = applied.step();
    Event next =
        await(
                e ->
                    e.type() == EventType.AGENT_DECISION
                        && ((Number) e.payload().get("step")).longValue() > personAt + 10,
                1,
                120)
            .get(0);
    assertTrue(next.payload().get("command_id") == null, next.payload().toString());
  }
}
