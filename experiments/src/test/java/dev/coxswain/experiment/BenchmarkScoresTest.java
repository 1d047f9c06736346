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
        Math.max(300, 100L * evalsAt100s.length),
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
    // a move that applied at the trouble's step or the next was decided before any step trained
    // under it (the trouble applies after step 100, step 101 is the first under it)
    List<ScenarioResult.Action> early =
        List.of(
            new ScenarioResult.Action(100, "set_knobs", 0.03, 0.015),
            new ScenarioResult.Action(101, "load_checkpoint", 0.03, Double.NaN),
            new ScenarioResult.Action(102, "set_knobs", 0.03, 0.015));
    assertEquals(
        2, BenchmarkScores.stepsToCorrection(run("plateau", 1, List.of(HIGH), early)).getAsLong());
    assertFalse(
        BenchmarkScores.stepsToCorrection(run("constant", 1, List.of(), acts)).isPresent(),
        "no trouble reached it: nothing to correct");
  }

  @Test
  void aPreplannedSchedulesStairsAreNoCorrectionButAnAdaptiveArmsMovesAre() {
    List<ScenarioResult.Action> stairs =
        List.of(
            new ScenarioResult.Action(200, "set_knobs", 0.001, 0.00099),
            new ScenarioResult.Action(210, "set_knobs", 0.00099, 0.00098));
    for (String planned : List.of("cosine", "linear")) {
      assertFalse(
          BenchmarkScores.stepsToCorrection(run(planned, 1, List.of(HIGH), stairs)).isPresent(),
          planned + " planned its stairs before the run: they react to nothing");
    }
    for (String adaptive : List.of("plateau", "greedy", "rule")) {
      assertEquals(
          100,
          BenchmarkScores.stepsToCorrection(run(adaptive, 1, List.of(HIGH), stairs)).getAsLong(),
          adaptive + " lowered its lr at step 200 in answer to what it saw (trouble at 100)");
    }
  }

  @Test
  void backWithinTwoPercentIsTheFirstEvaluationFromWhichOnTheRunStaysNearTheUntroubledOne() {
    ScenarioResult clean = run("untroubled", 1, List.of(), List.of(), 3.0, 2.0, 1.5, 1.4);
    // 2.5 at 200 is out (2.04 is the edge), 1.52 at 300 and 1.42 at 400 are in: back at 300
    ScenarioResult slow = run("none", 1, List.of(HIGH), List.of(), 3.0, 2.5, 1.52, 1.42);
    assertEquals(300, RunScores.backWithin(slow, clean, 400, false).getAsLong());
    // better than the untroubled run is back too; the evaluation at the trouble's step is not
    ScenarioResult better = run("rule", 1, List.of(HIGH), List.of(), 9.0, 1.0, 1.0, 1.0);
    assertEquals(200, RunScores.backWithin(better, clean, 400, false).getAsLong());
    // in at 200, out at 300, in again at 400: back from 400 only
    ScenarioResult relapse = run("rule", 1, List.of(HIGH), List.of(), 3.0, 2.0, 1.6, 1.4);
    assertEquals(400, RunScores.backWithin(relapse, clean, 400, false).getAsLong());
    // out at the deadline: not back, whatever came before; evaluations past it do not count
    assertFalse(RunScores.backWithin(relapse, clean, 300, false).isPresent());
    ScenarioResult diverged = run("none", 1, List.of(HIGH), List.of(), 3.0, 2.0, 1.5, Double.NaN);
    assertFalse(RunScores.backWithin(diverged, clean, 400, false).isPresent(), "NaN is not back");
    assertFalse(
        RunScores.backWithin(slow, null, 400, false).isPresent(), "no untroubled run to compare");
    assertFalse(
        RunScores.backWithin(
                run("constant", 1, List.of(), List.of(), 3, 2, 1.5, 1.4), clean, 400, false)
            .isPresent(),
        "no trouble reached it: nothing to get back from");
    // a higher accuracy is better: 0.79 is within 2 % of 0.80, 0.78 is not
    assertTrue(RunScores.within(0.79, 0.80, true));
    assertFalse(RunScores.within(0.78, 0.80, true));
    assertTrue(RunScores.within(0.95, 0.80, true));
    assertTrue(RunScores.within(0.81, 0.80, false), "a lower loss is better");
    assertFalse(RunScores.within(0.83, 0.80, false));
  }

  @Test
  void aRunsScoresGoIntoItsResultAndAddUpOverSeeds() throws Exception {
    ScenarioResult clean1 = run("untroubled", 1, List.of(), List.of(), 3.0, 2.0, 1.5);
    ScenarioResult clean2 = run("untroubled", 2, List.of(), List.of(), 3.0, 2.0, 1.5);
    List<ScenarioResult.Action> acts =
        List.of(new ScenarioResult.Action(150, "scale_knob", 0.03, 0.015));
    ScenarioResult r1 =
        withOutcomes(
            run("rule", 1, List.of(HIGH), acts, 3.0, 2.5, 1.5), 3, Map.of("helped", 2, "hurt", 1));
    ScenarioResult r2 =
        withOutcomes(run("rule", 2, List.of(HIGH), acts, 3.0, 2.0, 1.5), 2, Map.of("neutral", 2));
    RunScores s1 = RunScores.of(r1, clean1, 300, false);
    assertEquals(new RunScores(100L, 150L, 300L, 3, 2, 1), s1);
    assertEquals(50, s1.stepsToCorrection());
    assertEquals(200, s1.stepsToBack());
    ScenarioResult back = roundTrip(r1.withScores(s1));
    assertEquals(s1, back.scores(), "result.json keeps the scores");

    BenchmarkScores rule =
        BenchmarkScores.of(
            BenchArm.RULE, List.of(r1, r2), 300, 0, Map.of(1L, clean1, 2L, clean2), false);
    assertEquals(2, rule.troubled());
    assertEquals(150, rule.back().mean(), 1e-12, "200 and 100 steps after the trouble");
    assertEquals(2, rule.back().n());
    assertEquals(5, rule.decisions());
    assertEquals(2, rule.helped());
    assertEquals(1, rule.hurt());
    assertEquals(50, rule.correction().mean(), 1e-12);

    // without untroubled runs the score does not apply; a run no trouble reached is not counted
    BenchmarkScores alone = BenchmarkScores.of(BenchArm.RULE, List.of(r1, r2), 300, 0);
    assertEquals(0, alone.troubled());
    assertEquals(0, alone.back().n());
    BenchmarkScores constant =
        BenchmarkScores.of(
            BenchArm.CONSTANT,
            List.of(run("constant", 1, List.of(), List.of(), 3, 2, 1.5)),
            300,
            0,
            Map.of(1L, clean1),
            false);
    assertEquals(0, constant.troubled());
    assertEquals(0, constant.decisions());
  }

  private static ScenarioResult withOutcomes(
      ScenarioResult r, int decisions, Map<String, Integer> outcomes) {
    return new ScenarioResult(
        r.scenario(),
        r.digest(),
        r.arm(),
        r.seed(),
        r.lr(),
        r.status(),
        r.steps(),
        r.stepsTrained(),
        r.metric(),
        r.evals(),
        r.troubles(),
        r.actions(),
        decisions,
        outcomes,
        r.commit(),
        r.wallSeconds());
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
  void anAccuracyIsBetterHigherInEveryComparison() throws Exception {
    // the same values as accuracies: the best until the deadline is now the highest, and the arm
    // with the higher mean wins
    ScenarioResult a1 = run("rule", 1, List.of(HIGH), List.of(), 0.5, 0.8, 0.7);
    ScenarioResult a2 = run("rule", 2, List.of(HIGH), List.of(), 0.5, 0.9, 0.8);
    BenchmarkScores rule =
        BenchmarkScores.of(BenchArm.RULE, List.of(a1, a2), 300, 0, Map.of(), true);
    assertEquals(0.85, rule.best().mean(), 1e-12, "the highest until the deadline");
    assertEquals(0.8, a1.bestUntil(300, true), 1e-12);
    assertEquals(0.5, a1.bestUntil(300, false), 1e-12, "as a loss: the lowest");
    BenchmarkScores low =
        BenchmarkScores.of(
            BenchArm.NONE,
            List.of(
                run("none", 1, List.of(), List.of(), 0.5, 0.5, 0.4),
                run("none", 2, List.of(), List.of(), 0.5, 0.5, 0.41)),
            300,
            0,
            Map.of(),
            true);
    assertEquals("win", rule.against(low), "0.75 against 0.405");
    assertEquals("loss", low.against(rule));
    assertEquals(
        BenchArm.RULE,
        BenchmarkScores.bestOf(
            Map.of(BenchArm.RULE, rule, BenchArm.NONE, low),
            List.of(BenchArm.NONE, BenchArm.RULE)));
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
