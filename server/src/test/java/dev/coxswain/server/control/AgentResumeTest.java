package dev.coxswain.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.console.Browser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * A resumed run's agent is the one its log describes: the cadence, on/off and policy that commands
 * set before the stop, not the ones the run was started with; the API and the agent agree.
 */
class AgentResumeTest {
  private static final int CONFIGURED_EVERY = 40;

  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  private static AgentSettings rule() {
    return new AgentSettings(
        "rule",
        "lr-recovery",
        null,
        SupervisorConfig.defaults().withEvery(CONFIGURED_EVERY),
        5_000_000,
        5.0,
        1.10,
        4.40,
        null,
        null);
  }

  private TestRuns.Http startFresh() throws Exception {
    AgentSettings agent = rule();
    RunConfig cfg =
        RunConfig.load(TestRuns.config(dir, 1_000_000, 10))
            .withOverrides("r1", null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, 1_000_000, Map.of("agent", agent.describe()));
    RunStore store = RunStore.create(dir.resolve("runs/r1"), spec.runJson());
    server = start(store, spec, null, agent);
    return new TestRuns.Http(server.port());
  }

  /**
   * What {@code coxswain resume} does: the agent and the spec from run.json, the latest checkpoint.
   */
  @SuppressWarnings("unchecked")
  private TestRuns.Http resume() throws Exception {
    server.shutdown("stopped for the test");
    server = null;
    RunStore store = RunStore.open(dir.resolve("runs/r1"));
    AgentSettings agent = AgentSettings.fromRunJson(store.runJson().get("agent"), Map.of());
    RunSpec spec =
        RunSpec.resolve(
            RunConfig.fromMap((Map<String, Object>) store.runJson().get("config")), 0, Map.of());
    server = start(store, spec, "latest", agent);
    return new TestRuns.Http(server.port());
  }

  private CoxswainServer start(RunStore store, RunSpec spec, String from, AgentSettings agent)
      throws Exception {
    return CoxswainServer.start(
        ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
        dir.resolve("runs"),
        store,
        spec,
        from,
        null,
        agent);
  }

  private static Map<?, ?> agent(Map<String, Object> state) {
    return (Map<?, ?>) state.get("agent");
  }

  /** The steps of the agent's decisions logged after {@code seq}, once there are {@code n}. */
  private List<Long> decisionsAfter(long seq, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      List<Event> d =
          server
              .store()
              .scan(e -> e.seq() > seq && e.type() == EventType.AGENT_DECISION, 1_000_000);
      if (d.size() >= n) {
        return d.stream().map(e -> ((Number) e.payload().get("step")).longValue()).toList();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + d.size() + " decisions after seq " + seq);
      }
      LockSupport.parkNanos(50_000_000);
    }
  }

  @Test
  void aCadenceSetBeforeTheStopIsTheCadenceAfterTheResume() throws Exception {
    TestRuns.Http http = startFresh();
    http.awaitState("r1", s -> ((Number) s.get("step")).longValue() >= 5, 120);
    assertEquals(
        202, http.command("r1", "{\"type\":\"agent\",\"args\":{\"every\":15}}").statusCode());
    http.awaitState("r1", s -> Integer.valueOf(15).equals(agent(s).get("every")), 60);
    http.awaitState("r1", s -> ((Number) s.get("step")).longValue() >= 35, 120);

    http = resume();
    Map<String, Object> s = http.state("r1");
    assertEquals(15, agent(s).get("every"), "the API after the resume: " + s);
    assertEquals(true, agent(s).get("enabled"));
    assertEquals("rule", agent(s).get("policy"));
    long from = server.store().lastSeq();
    List<Long> steps = decisionsAfter(from, 3);
    assertTrue(steps.stream().allMatch(st -> st % 15 == 0), "decided at " + steps);
    assertEquals(15, server.supervisor().every());
  }

  @Test
  void afterTheResumeTheConsolesAgentPanelSaysWhatTheApiSays() throws Exception {
    TestRuns.Http http = startFresh();
    http.awaitState("r1", s -> ((Number) s.get("step")).longValue() >= 5, 120);
    assertEquals(
        202, http.command("r1", "{\"type\":\"agent\",\"args\":{\"every\":15}}").statusCode());
    http.awaitState("r1", s -> Integer.valueOf(15).equals(agent(s).get("every")), 60);
    http = resume();
    assertEquals(15, agent(http.state("r1")).get("every"));
    try (Browser b = new Browser(dir.resolve("chromium"), 1300, 1000)) {
      b.driver.get("http://127.0.0.1:" + server.port() + "/#token=" + TestRuns.TOKEN);
      b.await(
          60,
          "the agent panel says every 15 steps",
          d -> "every 15 steps".equals(d.findElement(By.id("ag-every")).getText()));
      assertEquals("on", b.driver.findElement(By.id("ag-state")).getText());
    }
  }

  @Test
  void withoutAnAgentCommandTheResumedAgentHasTheConfiguredCadence() throws Exception {
    TestRuns.Http http = startFresh();
    http.awaitState("r1", s -> ((Number) s.get("step")).longValue() >= 15, 120);

    http = resume();
    Map<String, Object> s = http.state("r1");
    assertEquals(CONFIGURED_EVERY, agent(s).get("every"), "the API after the resume: " + s);
    assertEquals(true, agent(s).get("enabled"));
    assertEquals("rule", agent(s).get("policy"));
    long from = server.store().lastSeq();
    List<Long> steps = decisionsAfter(from, 2);
    assertTrue(steps.stream().allMatch(st -> st % CONFIGURED_EVERY == 0), "decided at " + steps);
    assertEquals(CONFIGURED_EVERY, server.supervisor().every());
  }
}
