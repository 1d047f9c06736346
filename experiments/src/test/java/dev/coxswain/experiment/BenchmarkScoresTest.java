package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scores read what the result files say: values at the deadline, corrections, comparisons. */
class BenchmarkScoresTest {
  private static final Trouble HIGH =
      new Trouble(Trouble.Kind.LR_TOO_HIGH, 100, 0.03, Double.NaN, 0, null, null);
  private static final Trouble LOW =
      new Trouble(Trouble.Kind.LR_TOO_LOW, 0, 1e-5, Double.NaN, 0, null, null);

  private static ScenarioResult run(
      String arm,
      long seed,
      List<Trouble> troubles,
      List<ScenarioResult.Action> actions,
      double... evalsAt100s) {
    List<double[]> evals = new java.util.ArrayList<>();
    for (int i = 0; i < evalsAt100s.length; i++) {
      evals.add(new double[] {100.0 * (i + 1), evalsAt100s[i]});
    }
    return new ScenarioResult(
        "s",
        "d",
        arm,
        seed,
        0.001,
        "finished",
        300,
        300 + seed,
        "eval_loss",
        evals,
        troubles,
        actions,
        0,
        Map.of(),
        "c",
        1.0);
  }

  @Test
  void theFirstCorrectionIsTheFirstMoveTheRightWayAfterTheTrouble() {
    List<ScenarioResult.Action> acts =
        List.of(
            new ScenarioResult.Action(50, "set_knobs", 0.001, 0.0005), // before the trouble
            new ScenarioResult.Action(200, "scale_knob", 0.03, 0.06), // the wrong way
            new ScenarioResult.Action(300, "scale_knob", 0.06, 0.03));
    assertEquals(
        200, BenchmarkScores.stepsToCorrection(run("rule", 1, List.of(HIGH), acts)).getAsLong());
    // up is the right way after too low an lr; a rollback corrects any trouble
    assertEquals(
        200, BenchmarkScores.stepsToCorrection(run("rule", 1, List.of(LOW), acts)).getAsLong());
    List<ScenarioResult.Action> back =
        List.of(new ScenarioResult.Action(150, "load_checkpoint", 0.03, Double.NaN));
    assertEquals(
        50, BenchmarkScores.stepsToCorrection(run("rule", 1, List.of(HIGH), back)).getAsLong());
    Trouble arriving =
        new Trouble(Trouble.Kind.DATA_ARRIVING, 250, Double.NaN, Double.NaN, 0, "a*", "b*");
    assertEquals(
        50,
        BenchmarkScores.stepsToCorrection(run("rule", 1, List.of(arriving), acts)).getAsLong(),
        "after new data a move either way counts");
    assertFalse(
        BenchmarkScores.stepsToCorrection(run("none", 1, List.of(HIGH), List.of())).isPresent());
    assertFalse(
        BenchmarkScores.stepsToCorrection(run("constant", 1, List.of(), acts)).isPresent(),
        "no trouble reached it: nothing to correct");
  }

  @Test
  void scoresAreTheResultsOverSeedsAndComparedWithinOneSd() throws Exception {
    // through result.json's form, as the report reads it
    ScenarioResult a1 = roundTrip(run("rule", 1, List.of(HIGH), List.of(), 3.0, 2.0, 2.5));
    ScenarioResult a2 = roundTrip(run("rule", 2, List.of(HIGH), List.of(), 3.0, 2.2, 2.7));
    BenchmarkScores rule = BenchmarkScores.of(BenchArm.RULE, List.of(a1, a2), 300, 999);
    assertEquals(2.6, rule.atDeadline().mean(), 1e-12);
    assertEquals(Math.sqrt(0.02), rule.atDeadline().sd(), 1e-12);
    assertEquals(2.1, rule.best().mean(), 1e-12, "best until the deadline");
    assertEquals(301.5, rule.steps().mean(), 1e-12);
    assertEquals(0, rule.tuningSteps(), "an untuned arm costs no sweep");
    assertEquals(0, rule.corrected());

    BenchmarkScores constant =
        BenchmarkScores.of(
            BenchArm.CONSTANT,
            List.of(
                run("constant", 1, List.of(), List.of(), 3, 3, 2.65),
                run("constant", 2, List.of(), List.of(), 3, 3, 2.65)),
            300,
            999);
    assertEquals(999, constant.tuningSteps());
    assertEquals("tie", rule.against(constant), "0.05 apart, sd 0.14");
    BenchmarkScores far =
        BenchmarkScores.of(
            BenchArm.NONE,
            List.of(
                run("none", 1, List.of(), List.of(), 3, 3, 3.5),
                run("none", 2, List.of(), List.of(), 3, 3, 3.6)),
            300,
            0);
    assertEquals("win", rule.against(far));
    assertEquals("loss", far.against(rule));
    assertEquals(
        BenchArm.RULE,
        BenchmarkScores.bestOf(
            Map.of(BenchArm.RULE, rule, BenchArm.CONSTANT, constant, BenchArm.NONE, far),
            List.of(BenchArm.NONE, BenchArm.CONSTANT, BenchArm.RULE)));
    assertTrue(Double.isNaN(a1.valueAt(250)), "no evaluation at 250");
  }

  @Test
  void aRunStoppedBeforeTheDeadlineIsScoredOnTheModelItLeft() {
    ScenarioResult full = run("rule", 1, List.of(HIGH), List.of(), 3.0, 2.0, 2.5);
    ScenarioResult cut =
        new ScenarioResult(
            "s",
            "d",
            "rule",
            2,
            0.001,
            "stopped",
            250,
            260,
            "eval_loss",
            List.of(new double[] {100, 3.0}, new double[] {200, 2.4}),
            List.of(HIGH),
            List.of(),
            0,
            Map.of(),
            "c",
            1.0);
    assertEquals(2.4, cut.scoreAt(300));
    assertTrue(Double.isNaN(cut.valueAt(300)));
    BenchmarkScores s = BenchmarkScores.of(BenchArm.RULE, List.of(full, cut), 300, 0);
    assertEquals(1, s.stopped());
    assertEquals(2.45, s.atDeadline().mean(), 1e-12);
  }

  private static ScenarioResult roundTrip(ScenarioResult r) throws Exception {
    ScenarioResult back = Json.read(Json.mapper().writeValueAsString(r), ScenarioResult.class);
    assertEquals(r.troubles(), back.troubles());
    assertEquals(r.valueAt(300), back.valueAt(300));
    return back;
  }
}
