package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.agent.Supervisor;
import dev.coxswain.agent.SupervisorConfig;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lockstep's promise to the trainer: when {@link AgentLockstep#hold} returns at a window's end,
 * the agent has decided on that window and sent what it decided, so the command is queued before
 * the next step starts. The rule agent itself, fed a run's metrics events.
 */
class AgentLockstepTest {
  @TempDir Path dir;
  private long seq;
  private volatile long lastStep;

  @Test
  void aHeldWindowEndReturnsOnlyOnceTheAgentHasDecidedOnIt() throws Exception {
    List<Command> sent = new CopyOnWriteArrayList<>();
    AgentSettings rule =
        new AgentSettings(
            "rule",
            "lr-recovery",
            null,
            SupervisorConfig.defaults().withEvery(10),
            0,
            0,
            1.10,
            4.40,
            null,
            null);
    Supervisor agent = rule.build(dir, gateway(sent));
    AgentLockstep gate = new AgentLockstep();
    gate.hold(0); // follows no agent yet: returns at once
    gate.follow(agent);
    try {
      for (long step = 1; step <= 30; step++) {
        lastStep = step;
        agent.accept(metrics(step));
        gate.hold(step);
        // no wait here: hold returned, so the window's decision is taken and its command sent
        assertEquals(step / 10, agent.decisions(), "decisions after step " + step);
      }
    } finally {
      agent.close();
    }
    assertTrue(sent.size() <= 3, "at most one command a decision: " + sent);
    // an agent that can no longer take in a step stops the run, naming the step
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> gate.hold(31));
    assertTrue(e.getMessage().contains("step 31"), e.getMessage());
  }

  /** Records each command and answers it at once, applied from the next step. */
  private Supervisor.Gateway gateway(List<Command> sent) {
    return new Supervisor.Gateway() {
      @Override
      public CompletableFuture<CommandResult> submit(Command c) {
        sent.add(c);
        return CompletableFuture.completedFuture(
            new CommandResult(c.id(), c.type(), CommandStatus.APPLIED, lastStep + 1, null, null));
      }

      @Override
      public void emit(Payload payload) {}
    };
  }

  /** A healthy step: a loss falling by 0.001 a step, nothing clipped or skipped. */
  private Event metrics(long step) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("loss", 3.0 - step * 0.001);
    m.put("lr", 0.001);
    m.put("grad_norm", 1.0);
    m.put("clip_scale", 1.0);
    m.put("tokens_per_s", 100.0);
    m.put("step_ms", 10.0);
    m.put("skipped", false);
    return new Event(++seq, "r", "main", step, EventType.METRICS, Instant.now(), m);
  }
}
