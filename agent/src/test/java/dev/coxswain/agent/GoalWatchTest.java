package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.goal.GoalWatch;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.CommandStatus;
import dev.coxswain.protocol.event.GoalProgress;
import dev.coxswain.protocol.event.Payload;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The goal as the agent reads it from typed evaluations and set_goal results. */
class GoalWatchTest {
  private static Payload.Eval eval(double accuracy, boolean stopEarly, boolean met) {
    GoalProgress g =
        new GoalProgress(
            "accuracy",
            "maximize",
            0.9,
            1000L,
            3,
            stopEarly,
            accuracy,
            accuracy,
            500L,
            true,
            0,
            met,
            false,
            500L);
    return new Payload.Eval(0.3, null, Map.of("accuracy", accuracy), null, null, null, null, g);
  }

  private static Payload.Result setGoal(CommandStatus status, Map<String, Object> detail) {
    return new Payload.Result(new CommandResult("g1", "set_goal", status, 600, null, detail));
  }

  @Test
  void anEvaluationCarriesTheGoalAndItsProgressAndAnAllowedStopIsSaidOnce() {
    GoalWatch w = new GoalWatch();
    assertEquals("eval_loss", w.metric(), "no goal yet");
    w.accept(eval(0.91, true, true));
    assertEquals("accuracy", w.metric());
    assertTrue(w.maximize());
    Summary.GoalView v = w.view(600).orElseThrow();
    assertEquals(0.9, v.target(), 1e-12);
    assertEquals(Long.valueOf(400), v.stepsLeft());
    assertEquals(0.91, v.value(), 1e-12);
    assertEquals(500L, v.bestStep());
    assertTrue(v.targetMet());
    String why = w.stopReason().orElseThrow();
    assertTrue(why.startsWith("the goal is met: accuracy 0.9100 at step 500 (target 0.9)"), why);
    assertTrue(w.stopReason().isEmpty(), "said once");
  }

  @Test
  void withoutAPersonsPermissionThereIsNoEarlyStop() {
    GoalWatch w = new GoalWatch();
    w.accept(eval(0.91, false, true));
    assertTrue(w.view(600).orElseThrow().targetMet());
    assertTrue(w.stopReason().isEmpty());
  }

  @Test
  void anAppliedSetGoalReplacesTheGoalAndAClearedOneRemovesIt() {
    GoalWatch w = new GoalWatch();
    w.accept(eval(0.91, true, false));
    // negative: a rejected set_goal, or a detail of another shape, changes nothing
    Map<String, Object> lossGoal =
        Map.of("goal", Map.of("metric", "eval_loss", "direction", "minimize", "stop_early", false));
    w.accept(setGoal(CommandStatus.REJECTED, lossGoal));
    w.accept(setGoal(CommandStatus.APPLIED, Map.of("goal", "soon")));
    assertEquals("accuracy", w.metric());
    w.accept(setGoal(CommandStatus.APPLIED, lossGoal));
    assertEquals("eval_loss", w.metric());
    assertFalse(w.maximize());
    assertTrue(Double.isNaN(w.view(600).orElseThrow().value()), "another aim: no progress yet");
    w.accept(setGoal(CommandStatus.APPLIED, Map.of("cleared", true)));
    assertTrue(w.view(600).isEmpty());
  }
}
