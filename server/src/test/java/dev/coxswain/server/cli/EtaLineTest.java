package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ETA line: said once, after twenty measured steps, at the speed they were trained at. */
class EtaLineTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final EtaLine eta = new EtaLine(new PrintStream(out, true, StandardCharsets.UTF_8), 2000);
  private static final Instant T0 = Instant.parse("2026-12-02T02:00:00Z");

  private void step(long step, double atSeconds) {
    eta.accept(
        new Event(
            step,
            "r",
            "main",
            step,
            EventType.METRICS,
            T0.plusMillis((long) (atSeconds * 1000)),
            Map.of("loss", 3.0)));
  }

  private String said() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void afterTwentyMeasuredStepsItSaysHowLongOnce() {
    step(1, 30); // the first step warms up: not measured from the run's start
    for (int s = 2; s <= 20; s++) {
      step(s, 30 + (s - 1) * 1.3);
    }
    assertEquals("", said(), "19 steps measured: not yet");
    step(21, 30 + 20 * 1.3);
    assertEquals("coxswain: about 43 min to step 2000 at 1.3 s/step\n", said());
    step(22, 30 + 21 * 1.3);
    step(60, 200);
    assertEquals(1, said().lines().count(), "once");
  }

  @Test
  void aPauseIsNotTheRunsSpeed() {
    step(1, 0);
    step(10, 0.9);
    eta.accept(
        new Event(
            11, "r", "main", 10, EventType.STATUS, T0.plusSeconds(1), Map.of("status", "paused")));
    step(11, 600); // resumed ten minutes later
    for (int s = 12; s <= 31; s++) {
      step(s, 600 + (s - 11) * 0.1);
    }
    assertEquals("coxswain: about 3 min to step 2000 at 10.0 steps/s\n", said());
  }

  @Test
  void longAndShortRunsReadNaturally() {
    assertEquals("about 45 s to step 100 at 1.5 s/step", EtaLine.describe(1.5, 30, 100));
    assertEquals("about 2.8 h to step 10000 at 1.0 s/step", EtaLine.describe(1.0, 10000, 10000));
    assertEquals("about 0 s to step 20 at 2.0 steps/s", EtaLine.describe(0.5, 0, 20));
  }
}
