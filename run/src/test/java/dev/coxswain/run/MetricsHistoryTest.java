package dev.coxswain.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsHistoryTest {
  private long seq;

  private Event ev(String branch, long step, EventType type, Map<String, Object> payload) {
    return new Event(++seq, "r", branch, step, type, Instant.now(), payload);
  }

  private Event metrics(String branch, long step, double loss) {
    return ev(branch, step, EventType.METRICS, Map.of("loss", loss));
  }

  @Test
  void stepsAfterTheResumedCheckpointAreReplacedByTheRetrainedOnes() {
    MetricsHistory h = new MetricsHistory();
    for (long s = 1; s <= 29; s++) {
      h.accept(metrics("main", s, 9.0)); // crashed at 29, checkpoint at 20
    }
    h.accept(ev("b1", 25, EventType.METRICS, Map.of("loss", 1.0))); // another branch: kept
    h.accept(
        ev(
            "main",
            29,
            EventType.STATUS,
            Map.of("status", "resuming", "branch", "main", "from_step", 20)));
    for (long s = 21; s <= 30; s++) {
      h.accept(metrics("main", s, 1.0));
    }
    List<Event> points = h.points();
    assertEquals(31, points.size());
    assertEquals(30, points.stream().filter(e -> e.branch().equals("main")).count());
    assertEquals(
        0,
        points.stream()
            .filter(e -> e.step() > 20 && (double) e.payload().get("loss") == 9.0)
            .count());
    assertEquals(1, points.stream().filter(e -> e.branch().equals("b1")).count());
  }

  @Test
  void otherStatusEventsChangeNothingAndARepeatedEvaluationKeepsTheLaterOne() {
    MetricsHistory h = new MetricsHistory();
    h.accept(metrics("main", 1, 3.0));
    h.accept(metrics("main", 2, 2.0));
    h.accept(ev("main", 2, EventType.STATUS, Map.of("status", "paused")));
    h.accept(ev("main", 2, EventType.STATUS, Map.of("status", "resuming", "from", "the start")));
    h.accept(ev("main", 2, EventType.EVAL, Map.of("eval_loss", 2.5)));
    h.accept(ev("main", 2, EventType.EVAL, Map.of("eval_loss", 2.4)));
    List<Event> points = h.points();
    assertEquals(3, points.size());
    assertEquals(2.4, points.get(2).payload().get("eval_loss"));
  }
}
