package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.Steps;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A person's lock keeps the agent and the rules off a knob; the person can still change it. */
class KnobLockTest {
  @TempDir Path dir;

  private static CommandResult send(
      InteractiveTrainer t, String type, Source source, Map<String, Object> args) throws Exception {
    return t.submit(Command.of(type, source, args)).get(30, TimeUnit.SECONDS);
  }

  @Test
  void lockedKnobsRefuseAgentAndRuleChangesOnly() throws Exception {
    Recorder rec = new Recorder();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (InteractiveTrainer t =
        InteractiveTrainer.builder(Fixtures.tinyGpt(1), Fixtures.config(100_000).build())
            .optRunDir(dir)
            .optSink(rec)
            .build()) {
      rec.at(2, e -> t.submit(Command.of("pause", Source.HUMAN, Map.of())));
      Future<RunOutcome> run = pool.submit(t::run);
      rec.await(Recorder.status("paused"), 60);
      assertEquals(
          CommandStatus.APPLIED, send(t, "lock_knob", Source.HUMAN, Map.of("knob", "lr")).status());
      CommandResult agent = send(t, "set_knobs", Source.AGENT, Map.of("lr", 0.002));
      assertEquals(CommandStatus.REJECTED, agent.status());
      assertTrue(agent.reason().contains("locked by a person"), agent.reason());
      assertEquals(
          CommandStatus.REJECTED,
          send(t, "scale_knob", Source.RULE, Map.of("knob", "lr", "factor", 0.5)).status());
      assertEquals(
          CommandStatus.APPLIED,
          send(t, "set_knobs", Source.AGENT, Map.of("weight_decay", 0.02)).status(),
          "other knobs stay free");
      assertEquals(
          CommandStatus.APPLIED,
          send(t, "set_knobs", Source.HUMAN, Map.of("lr", 0.004)).status(),
          "a person may still change it");
      assertEquals(
          CommandStatus.REJECTED,
          send(t, "lock_knob", Source.HUMAN, Map.of("knob", "warp")).status());
      assertEquals(
          CommandStatus.APPLIED,
          send(t, "unlock_knob", Source.HUMAN, Map.of("knob", "lr")).status());
      assertEquals(
          CommandStatus.REJECTED,
          send(t, "unlock_knob", Source.HUMAN, Map.of("knob", "lr")).status());
      assertEquals(
          CommandStatus.APPLIED, send(t, "set_knobs", Source.AGENT, Map.of("lr", 0.002)).status());
      // the longest lock there is ends far ahead, not (wrapped around) in the past
      CommandResult longest =
          send(t, "lock_knob", Source.HUMAN, Map.of("knob", "lr", "steps", Steps.MAX));
      assertEquals(CommandStatus.APPLIED, longest.status());
      long until = ((Number) longest.detail().get("until_step")).longValue();
      assertTrue(until >= Steps.MAX, "until_step " + until);
      assertEquals(
          CommandStatus.REJECTED, send(t, "set_knobs", Source.AGENT, Map.of("lr", 0.003)).status());
      send(t, "unlock_knob", Source.HUMAN, Map.of("knob", "lr"));
      CommandResult cfg = send(t, "agent", Source.HUMAN, Map.of("every", 50, "enabled", false));
      assertEquals(Map.of("every", 50, "enabled", false), cfg.detail());
      assertEquals(
          CommandStatus.REJECTED, send(t, "agent", Source.HUMAN, Map.of("every", 0)).status());
      send(t, "stop", Source.HUMAN, Map.of());
      assertEquals("stopped", run.get(60, TimeUnit.SECONDS).status());
      assertEquals(0.002, t.knobs().get(0).value());
    } finally {
      pool.shutdownNow();
    }
  }
}
