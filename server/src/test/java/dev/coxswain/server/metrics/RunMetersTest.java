package dev.coxswain.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.RunRegistry;
import dev.coxswain.run.RunStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The meters of runs in a real registry, fed by real stores: what each kind of event sets, what a
 * store already held, bounds on labels, a replaced store, a run that leaves, and the agent's.
 */
class RunMetersTest {
  @TempDir Path dir;

  private final Telemetry telemetry = Telemetry.create();
  private final RunRegistry runs = new RunRegistry();
  private final Map<String, Supervisor> agents = new ConcurrentHashMap<>();

  private RunStore store(String id) throws Exception {
    return store(id, id);
  }

  private RunStore store(String id, String dirName) throws Exception {
    return RunStore.create(
        dir.resolve(dirName),
        Map.of(
            "run_id", id, "started", Instant.now().toString(), "config", Map.of("max_steps", 100)));
  }

  private static Event event(long step, EventType type, Map<String, Object> payload) {
    return new Event(0, "r1", "main", step, type, Instant.now(), payload);
  }

  private static Map<String, Object> metrics(Double loss) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("loss", loss);
    m.put("lr", 1e-3);
    m.put("grad_norm", 0.5);
    m.put("clip_scale", 1.0);
    m.put("tokens_per_s", 1234.5);
    m.put("step_ms", 20.0);
    m.put("skipped", loss == null);
    return m;
  }

  private Scrape scrape() {
    Telemetry.Scrape s = telemetry.scrape(null);
    return new Scrape(200, s.contentType(), s.body(), 0);
  }

  private double v(String name, String... labels) {
    return scrape().value(name, labels);
  }

  @Test
  void eachEventSetsItsGaugesAndAFinishedRunKeepsThem() throws Exception {
    telemetry.bind(runs, agents::get);
    RunStore s = store("r1");
    runs.add(s);
    assertEquals(1, v("coxswain_run_status", "run", "r1", "status", "created"));
    assertEquals(100, v("coxswain_run_max_steps", "run", "r1"));
    assertTrue(Double.isNaN(v("coxswain_run_train_loss", "run", "r1")), "no value: no gauge");

    s.append(event(0, EventType.STATUS, Map.of("status", "running")));
    s.append(event(0, EventType.KNOBS, Map.of("knobs", Map.of("lr", 1e-3, "weight_decay", 0.1))));
    s.append(event(1, EventType.METRICS, metrics(2.5)));
    s.append(event(2, EventType.METRICS, metrics(null))); // a skipped, non-finite step
    assertEquals(2, v("coxswain_run_step", "run", "r1"));
    assertEquals(2.5, v("coxswain_run_train_loss", "run", "r1"), "the last finite loss");
    assertEquals(1234.5, v("coxswain_run_throughput_tokens_per_second", "run", "r1"));
    assertEquals(0.02, v("coxswain_run_step_duration_seconds", "run", "r1"), 1e-12);
    assertEquals(0.5, v("coxswain_run_grad_norm", "run", "r1"));
    assertEquals(1, v("coxswain_run_status", "run", "r1", "status", "running"));
    assertEquals(0, v("coxswain_run_status", "run", "r1", "status", "created"));

    // a knob change is its command's applied result; a detail that names no knob changes none
    Command c = Command.of("set_knobs", Source.HUMAN, Map.of("lr", 2e-3));
    s.append(event(2, EventType.COMMAND, Json.toMap(c)));
    s.append(
        event(
            2,
            EventType.COMMAND_RESULT,
            Json.toMap(
                CommandResult.applied(
                    c,
                    3,
                    Map.of(
                        "lr", Map.of("from", 1e-3, "to", 2e-3),
                        "bogus", Map.of("from", 0, "to", 1))))));
    assertEquals(2e-3, v("coxswain_run_knob", "run", "r1", "knob", "lr"));
    assertEquals(0.1, v("coxswain_run_knob", "run", "r1", "knob", "weight_decay"));
    assertTrue(scrape().find("coxswain_run_knob", "knob", "bogus").isEmpty());

    Map<String, Object> metricValues = new LinkedHashMap<>();
    metricValues.put("accuracy", 0.875);
    metricValues.put("not a \"label\"\n", 1.0); // not a name: left out, never escaped into text
    s.append(event(3, EventType.EVAL, Map.of("eval_loss", 1.9, "metrics", metricValues)));
    assertEquals(1.9, v("coxswain_run_eval_loss", "run", "r1"));
    assertEquals(0.875, v("coxswain_run_eval_metric", "run", "r1", "metric", "accuracy"));
    assertEquals(1, scrape().find("coxswain_run_eval_metric").size());

    s.append(event(3, EventType.STATUS, Map.of("status", "finished")));
    assertEquals(1, v("coxswain_run_status", "run", "r1", "status", "finished"));
    assertEquals(0, v("coxswain_run_status", "run", "r1", "status", "running"));
    assertEquals(3, v("coxswain_run_step", "run", "r1"), "a finished run keeps its last values");
    assertEquals(2.5, v("coxswain_run_train_loss", "run", "r1"));

    String before = coxswainLines();
    assertEquals(before, coxswainLines(), "a scrape changes nothing");
  }

  private String coxswainLines() {
    return String.join(
        "\n", scrape().body().lines().filter(l -> l.startsWith("coxswain_")).sorted().toList());
  }

  @Test
  void labelsAreBoundedPerRun() throws Exception {
    telemetry.bind(runs, agents::get);
    RunStore s = store("r1");
    runs.add(s);
    Map<String, Object> many = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      many.put("k" + i, (double) i);
    }
    s.append(event(0, EventType.KNOBS, Map.of("knobs", many)));
    assertEquals(MeterSet.MAX_LABELS, scrape().find("coxswain_run_knob", "run", "r1").size());
  }

  @Test
  void aStoreThatHeldEventsIsSeededAndAReplacedOrRemovedRunLosesItsMeters() throws Exception {
    RunStore old = store("r1");
    old.append(event(0, EventType.STATUS, Map.of("status", "running")));
    // as a trainer starts: the values and the table of knobs
    old.append(
        event(
            0,
            EventType.KNOBS,
            Map.of(
                "knobs",
                Map.of("lr", 1e-3),
                "specs",
                List.of(Map.of("name", "lr", "value", 1e-3, "min", 0, "max", 1)))));
    old.append(event(7, EventType.METRICS, metrics(3.25)));
    old.append(event(7, EventType.EVAL, Map.of("eval_loss", 3.5)));
    runs.add(old);
    telemetry.bind(runs, agents::get); // after the events: seeded from what the store holds
    assertEquals(7, v("coxswain_run_step", "run", "r1"));
    assertEquals(3.25, v("coxswain_run_train_loss", "run", "r1"));
    assertEquals(3.5, v("coxswain_run_eval_loss", "run", "r1"));
    assertEquals(1e-3, v("coxswain_run_knob", "run", "r1", "knob", "lr"));
    assertEquals(1, v("coxswain_run_status", "run", "r1", "status", "running"));

    // the run's replica replaces the store found on disk: the meters follow the new one only
    runs.add(old); // told again: nothing changes
    assertEquals(3.25, v("coxswain_run_train_loss", "run", "r1"));
    RunStore replica = store("r1", "replica");
    runs.add(replica);
    assertTrue(Double.isNaN(v("coxswain_run_train_loss", "run", "r1")), "no loss in the new one");
    assertEquals(0, v("coxswain_run_step", "run", "r1"));
    replica.append(event(8, EventType.METRICS, metrics(4.0)));
    assertEquals(4.0, v("coxswain_run_train_loss", "run", "r1"));
    assertEquals(8, v("coxswain_run_step", "run", "r1"));

    runs.remove("r1");
    assertTrue(
        scrape().samples().stream().noneMatch(x -> x.labels().containsKey("run")),
        "no run, no run meters:\n" + coxswainLines());
  }

  @Test
  void theAgentsMetersReadItsSupervisorAndKeepTheLastValuesWhenItIsGone() throws Exception {
    telemetry.bind(runs, agents::get);
    RunStore s = store("r1");
    runs.add(s);
    s.append(event(0, EventType.STATUS, Map.of("status", "running")));
    assertTrue(scrape().find("coxswain_agent_decisions_total").isEmpty(), "no agent, no meters");

    AgentSettings rule =
        new AgentSettings(
            "rule",
            "lr-recovery",
            null,
            SupervisorConfig.defaults().withEvery(5),
            1000,
            2.0,
            1.10,
            4.40,
            null,
            null);
    Supervisor sup =
        rule.build(
            s.dir(),
            new Supervisor.Gateway() {
              @Override
              public CompletableFuture<CommandResult> submit(Command c) {
                return CompletableFuture.completedFuture(CommandResult.applied(c, 0, Map.of()));
              }

              @Override
              public void emit(Payload payload) {}
            });
    agents.put("r1", sup);
    try {
      for (long step = 1; step <= 10; step++) {
        Event e = event(step, EventType.METRICS, metrics(2.0));
        s.append(e); // the first event after the agent started registers its meters
        sup.accept(e);
      }
      sup.drain(30);
      assertEquals(2, v("coxswain_agent_decisions_total", "run", "r1"));
      assertEquals(0, v("coxswain_agent_failures_total", "run", "r1"));
      assertEquals(0, v("coxswain_agent_fallbacks_total", "run", "r1"));
      assertEquals(1000, v("coxswain_agent_budget_tokens", "run", "r1"));
      assertEquals(2.0, v("coxswain_agent_budget_dollars", "run", "r1"));
      assertEquals(0, v("coxswain_agent_breaker_open", "run", "r1"));
    } finally {
      sup.close();
    }
    agents.remove("r1");
    assertEquals(2, v("coxswain_agent_decisions_total", "run", "r1"), "the last value read");
    runs.remove("r1");
    assertTrue(scrape().find("coxswain_agent_decisions_total").isEmpty());
  }

  /** What one scrape costs in this JVM, without HTTP: a run's meters and Vert.x's. */
  @Test
  void aScrapeIsCheap() throws Exception {
    io.vertx.core.Vertx vertx = telemetry.vertx();
    try {
      telemetry.bind(runs, agents::get);
      RunStore s = store("r1");
      runs.add(s);
      s.append(event(0, EventType.KNOBS, Map.of("knobs", Map.of("lr", 1e-3))));
      s.append(event(1, EventType.METRICS, metrics(2.5)));
      for (int i = 0; i < 50; i++) {
        telemetry.scrape(null); // warm up
      }
      int n = 200;
      long t0 = System.nanoTime();
      int bytes = 0;
      for (int i = 0; i < n; i++) {
        bytes = telemetry.scrape(null).body().length();
      }
      double ms = (System.nanoTime() - t0) / 1e6 / n;
      System.out.printf(
          Locale.ROOT,
          "in-process scrape (a run, Vert.x and JVM meters): %.3f ms each, %,d bytes (%d scrapes)%n",
          ms,
          bytes,
          n);
      assertTrue(ms < 100, ms + " ms a scrape");
      List<String> names = List.of("coxswain_run_step", "jvm_memory_used_bytes");
      for (String name : names) {
        assertTrue(scrape().hasFamily(name), name);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }
}
