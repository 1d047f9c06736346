package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.RunStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's synthetic night is a log today's reader takes whole: no line skipped. */
class NightLogTest {
  @TempDir Path tmp;

  @Test
  void everyEventOfTheNightReadsAsItsType() throws Exception {
    Path dir = NightLog.write(tmp, 10_000, s -> {});
    try (RunStore s = RunStore.open(dir)) {
      assertEquals(List.of(), s.damage(), "no line skipped");
      List<Payload.AgentDecision> decisions = new ArrayList<>();
      s.forEach(
          e -> {
            if (e.type() == EventType.AGENT_DECISION) {
              decisions.add((Payload.AgentDecision) e.body());
            }
          });
      assertEquals(
          5,
          decisions.size(),
          "the agent's interventions: 1,000, 4,000, 7,000 on main, 7,000 and 10,000 on b1");
      assertTrue(
          decisions.stream().allMatch(d -> d.usage().inputTokens() == 900), "usage: " + decisions);
      assertEquals(5, (int) s.read(st -> st.agent().decisions()), "the fold counts them all");
    }
  }
}
