package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The baselines' schedules (d, e) and how a run's final line of branches is followed. */
class LrRecoverySchedulesTest {
  private static Event ev(EventType t, long step, Map<String, Object> p) {
    return new Event(0, "r", "main", step, t, Instant.EPOCH, p);
  }

  private static Event eval(long step, double loss) {
    return ev(EventType.EVAL, step, Map.of("eval_loss", loss));
  }

  private static Event metrics(long step, double lr) {
    return Event.of(
        "r", "main", step, new Payload.Metrics(2.0, lr, 0.5, 1.0, null, 1e3, 10.0, false));
  }

  private static Event command(long step, String id, Source source, String type) {
    return Event.of(
        "r",
        "main",
        step,
        new Payload.CommandSent(new Command(id, type, source, Map.of(), null, null)));
  }

  private static Event applied(long step, String id, String type) {
    return Event.of(
        "r",
        "main",
        step,
        new Payload.Result(new CommandResult(id, type, CommandStatus.APPLIED, step, null, null)));
  }

  @Test
  void linearDecayStartsAfterPretrainingAndFallsInStairs() {
    LrSchedule s = LrSchedule.linear(0.001, 0, 300, 1200, 10);
    assertTrue(s.onEvent(ev(EventType.METRICS, 200, Map.of())).isEmpty(), "pretraining");
    assertTrue(s.onEvent(ev(EventType.METRICS, 305, Map.of())).isEmpty(), "between stairs");
    assertEquals(
        0.001 * (1 - 10.0 / 900),
        s.onEvent(ev(EventType.METRICS, 310, Map.of())).getAsDouble(),
        1e-12);
    assertEquals(0.0005, s.onEvent(ev(EventType.METRICS, 750, Map.of())).getAsDouble(), 1e-12);
    assertTrue(s.onEvent(ev(EventType.METRICS, 1200, Map.of())).isEmpty(), "the run is over");
  }

  @Test
  void plateauHalvesAfterPatienceEvaluationsWithoutANewBest() {
    LrSchedule s = LrSchedule.plateau(0.03, 300, 2, 0.5);
    assertTrue(s.onEvent(eval(300, 1.0)).isEmpty(), "pretraining evaluations do not count");
    assertTrue(s.onEvent(eval(400, 2.6)).isEmpty(), "first best");
    assertTrue(s.onEvent(eval(500, 2.7)).isEmpty(), "one without a new best");
    OptionalDouble lr = s.onEvent(eval(600, 2.65));
    assertEquals(0.015, lr.getAsDouble(), 1e-12, "two: halve");
    assertTrue(s.onEvent(eval(700, 2.61)).isEmpty(), "counting again");
    assertTrue(s.onEvent(eval(800, 2.5)).isEmpty(), "a new best resets the count");
    assertTrue(s.onEvent(eval(900, 2.55)).isEmpty());
    assertEquals(0.0075, s.onEvent(eval(1000, 2.52)).getAsDouble(), 1e-12);
  }

  @Test
  void theObserverFollowsTheFinalLineOfBranchesAndCountsControllerCommands() {
    LrRecoveryArmRunner.Observer o = new LrRecoveryArmRunner.Observer();
    o.accept(metrics(300, 0.001));
    o.accept(eval(300, 2.0));
    o.accept(metrics(301, 0.03));
    o.accept(metrics(320, 0.03));
    o.accept(command(320, "c1", Source.RULE, "load_checkpoint"));
    o.accept(applied(321, "c1", "load_checkpoint"));
    o.accept(Event.of("r", "b1", 300, new Payload.Branch("b1", "main/300", "main", 320L, 301L)));
    o.accept(command(300, "c2", Source.API, "set_knobs"));
    o.accept(applied(300, "c2", "set_knobs"));
    o.accept(metrics(301, 0.0005));
    o.accept(eval(400, 1.9));
    assertEquals(4, o.stepsTrained, "steps a rollback threw away still count as computed");
    assertEquals(1, o.rollbacks);
    assertEquals(1, o.interventions, "the experiment's own (api) commands are not the agent's");
    assertEquals(List.of(300.0, 400.0), o.evals.stream().map(p -> p[0]).toList());
    assertEquals(0.0005, o.lr);
    assertFalse(o.lrs.stream().anyMatch(p -> p[1] == 0.03), "the abandoned branch's lr is gone");
  }
}
