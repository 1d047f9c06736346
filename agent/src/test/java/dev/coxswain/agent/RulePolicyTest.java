package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.RulePolicy;
import dev.coxswain.agent.summary.Summary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rule policy as the lr-recovery stand-in: halve on trouble, double back to the lr the run
 * trained well at once it is calm again (never above it, never to a lr that caused trouble), keep
 * otherwise, and stop plateau halvings at a floor.
 */
class RulePolicyTest {

  /** A 100-step window at {@code lr} with the given loss mean and trend, after {@code prev}. */
  private static Summary window(double lr, double mean, double trend, double prev, double best) {
    Summary.Series loss =
        new Summary.Series(List.of(new Summary.Point(100, mean)), mean, trend, 0.01, mean, 100);
    return new Summary(
        1,
        100,
        "main",
        "running",
        Map.of("train_loss", loss),
        Double.NaN,
        0,
        0,
        0,
        List.of(TestKnobs.lr(lr)),
        List.of(),
        prev,
        best);
  }

  /**
   * The same window with a goal: minimize eval_loss by step {@code deadline}, at step {@code at}.
   */
  private static Summary withDeadline(Summary s, long deadline, long at) {
    return s.withGoal(
        new Summary.GoalView(
            "eval_loss",
            false,
            null,
            deadline,
            deadline - at,
            Double.NaN,
            Double.NaN,
            -1,
            0,
            false,
            false));
  }

  @Test
  void withADeadlineItProbesWhileEachDoublingPaysThenAnnealsInTheLastQuarter() throws Exception {
    RulePolicy p = new RulePolicy();
    assertEquals(
        "keep", act(p, withDeadline(window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN), 1200, 100)));
    assertEquals(
        "keep",
        act(p, withDeadline(window(1e-3, 2.4, -0.4, 2.6, 2.6), 1200, 150)),
        "the first window that trains well: the run has not left its start, no probe yet");
    Answer probe = p.decide(withDeadline(window(1e-3, 2.2, -0.3, 2.4, 2.4), 1200, 200));
    assertEquals("double", probe.decision().action(), "calm, improving, far from the deadline");
    assertTrue(probe.decision().rationale().contains("probing"), probe.decision().rationale());
    // each probe paid (the loss fell by 9%, then 5%): the next one
    assertEquals("double", act(p, withDeadline(window(2e-3, 2.0, -0.2, 2.2, 2.2), 1200, 300)));
    assertEquals("double", act(p, withDeadline(window(4e-3, 1.9, -0.1, 2.0, 2.0), 1200, 400)));
    // at 8e-3 the loss fell by 1.6% only: under the 2% a probe must gain, so back to 4e-3
    assertEquals("halve", act(p, withDeadline(window(8e-3, 1.87, -0.1, 1.9, 1.9), 1200, 500)));
    assertEquals(
        "keep",
        act(p, withDeadline(window(4e-3, 1.80, -0.1, 1.87, 1.87), 1200, 600)),
        "8e-3 did not pay: no second probe there");
    // the last quarter: halve at every decision, even while improving
    Answer anneal = p.decide(withDeadline(window(4e-3, 1.75, -0.1, 1.8, 1.8), 1200, 900));
    assertEquals("halve", anneal.decision().action());
    assertTrue(anneal.decision().rationale().contains("annealing"), anneal.decision().rationale());
    assertEquals("halve", act(p, withDeadline(window(2e-3, 1.7, -0.1, 1.75, 1.75), 1200, 1000)));
    assertEquals(
        "keep",
        act(p, withDeadline(window(2.5e-4, 1.6, -0.1, 1.7, 1.7), 1200, 1200)),
        "at the deadline it does not double back out of the anneal");
    // the same window without a goal: no plan, no anneal
    assertEquals("keep", act(new RulePolicy(), window(4e-3, 1.8, -0.1, 1.9, 1.9)));
  }

  @Test
  void aProbeThatBringsTroubleIsHalvedAndNeverTriedAgain() throws Exception {
    RulePolicy p = new RulePolicy();
    act(p, withDeadline(window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN), 1200, 100));
    act(p, withDeadline(window(1e-3, 2.4, -0.4, 2.6, 2.6), 1200, 150));
    assertEquals("double", act(p, withDeadline(window(1e-3, 2.2, -0.3, 2.4, 2.4), 1200, 200)));
    // at 2e-3 the loss goes 10% above the best window: trouble
    assertEquals("halve", act(p, withDeadline(window(2e-3, 2.42, 0.0, 2.2, 2.2), 1200, 300)));
    assertEquals(
        "keep",
        act(p, withDeadline(window(1e-3, 2.1, -0.1, 2.42, 2.2), 1200, 400)),
        "2e-3 caused trouble: no second probe");
  }

  /** The window with a goal whose metric was best at {@code bestStep}, {@code since} evals ago. */
  private static Summary withStall(Summary s, long deadline, long at, long bestStep, int since) {
    return s.withGoal(
        new Summary.GoalView(
            "eval_loss",
            false,
            null,
            deadline,
            deadline - at,
            2.0,
            1.9,
            bestStep,
            since,
            false,
            false));
  }

  @Test
  void aProbeAfterWhichTheLossDoesNotFallEnoughIsHalvedBackAndNeverTriedAgain() throws Exception {
    RulePolicy p = new RulePolicy();
    act(p, withDeadline(window(1e-2, 2.8, -0.5, Double.NaN, Double.NaN), 2000, 100));
    act(p, withDeadline(window(1e-2, 2.65, -0.3, 2.8, 2.8), 2000, 150));
    assertEquals("double", act(p, withDeadline(window(1e-2, 2.54, -0.3, 2.65, 2.65), 2000, 200)));
    // at 2e-2 the loss fell, but by 0.8% only: no trouble, yet the probe did not pay
    Answer back = p.decide(withDeadline(window(2e-2, 2.52, 0.0, 2.54, 2.54), 2000, 300));
    assertEquals("halve", back.decision().action());
    assertTrue(back.decision().rationale().contains("did not pay"), back.decision().rationale());
    // back at 1e-2 and falling well: no second probe to 2e-2
    assertEquals("keep", act(p, withDeadline(window(1e-2, 2.40, -0.1, 2.52, 2.52), 2000, 400)));
    // a raise that paid is not judged again: a later flat window is only kept
    RulePolicy q = new RulePolicy();
    act(q, withDeadline(window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN), 1200, 100));
    act(q, withDeadline(window(1e-3, 2.2, -0.3, 2.6, 2.6), 1200, 200));
    assertEquals("double", act(q, withDeadline(window(1e-3, 2.0, -0.1, 2.2, 2.2), 1200, 300)));
    Answer flat = q.decide(withDeadline(window(2e-3, 2.01, 0.0, 2.0, 2.0), 1200, 400));
    assertEquals("halve", flat.decision().action(), "the probe to 2e-3 did not pay");
    Answer kept = q.decide(withDeadline(window(1e-3, 2.02, 0.0, 2.01, 2.0), 1200, 500));
    assertEquals("keep", kept.decision().action(), "no raise to judge: flat is kept");
    assertTrue(
        kept.decision().rationale().contains("not falling"),
        "a keep says the loss is not falling when it is not: " + kept.decision().rationale());
  }

  @Test
  void aLossStillAboveItsBestButFallingAgainAtAProvenLrIsLeftToRecover() throws Exception {
    RulePolicy p = new RulePolicy();
    act(p, window(4e-3, 2.6, -0.5, Double.NaN, Double.NaN));
    act(p, window(4e-3, 2.27, -0.3, 2.6, 2.6));
    assertEquals(4e-3, p.knownGoodLr(), 1e-12);
    // a window of garbage: the loss doubles at the lr the run trained well at
    Answer garbage = p.decide(window(4e-3, 4.75, 0.0, 2.27, 2.27));
    assertEquals("halve", garbage.decision().action());
    assertTrue(
        garbage.decision().rationale().contains("put down to the data"),
        garbage.decision().rationale());
    // after it: still 8% above the best window, but falling fast at 2e-3 (below the proven 4e-3)
    Answer after = p.decide(window(2e-3, 2.44, -0.2, 4.75, 2.27));
    assertEquals("keep", after.decision().action(), after.decision().rationale());
    assertTrue(after.decision().rationale().contains("recovering"), after.decision().rationale());
    // calm and improving near its best again: back to the proven lr, as the trouble was forgiven
    assertEquals("double", act(p, window(2e-3, 2.30, -0.1, 2.44, 2.27)));
    // the same trouble at 4e-3 a second time: now it is capped there
    assertEquals("halve", act(p, window(4e-3, 4.0, 0.0, 2.25, 2.25)));
    act(p, window(2e-3, 2.35, -0.2, 4.0, 2.25));
    assertEquals("keep", act(p, window(2e-3, 2.24, -0.1, 2.35, 2.25)), "capped at 4e-3: no double");
    // above its best and falling, at an lr never proven (a person's x40): trouble, halve
    RulePolicy q = new RulePolicy();
    act(q, window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN));
    act(q, window(1e-3, 2.2, -0.3, 2.6, 2.6));
    assertEquals("halve", act(q, window(2e-2, 2.5, -0.1, 2.7, 2.2)));
  }

  @Test
  void whenTheGoalStallsItHalvesOnceForEveryTwoEvaluationsWithoutANewBest() throws Exception {
    RulePolicy p = new RulePolicy();
    act(p, withStall(window(1e-2, 2.8, -0.5, Double.NaN, Double.NaN), 2000, 100, 100, 0));
    act(p, withStall(window(1e-2, 2.5, -0.3, 2.8, 2.8), 2000, 200, 200, 0));
    // one evaluation without a new best: nothing yet (the window's loss is flat: keep)
    assertEquals("keep", act(p, withStall(window(1e-2, 2.51, 0.0, 2.5, 2.5), 2000, 300, 200, 1)));
    Answer stall = p.decide(withStall(window(1e-2, 2.50, 0.0, 2.51, 2.5), 2000, 400, 200, 2));
    assertEquals("halve", stall.decision().action());
    assertTrue(stall.decision().rationale().contains("not improved"), stall.decision().rationale());
    // one more evaluation without a new best: wait for the halving to show
    assertEquals("keep", act(p, withStall(window(5e-3, 2.49, 0.0, 2.50, 2.49), 2000, 500, 200, 3)));
    assertEquals(
        "halve", act(p, withStall(window(5e-3, 2.49, 0.0, 2.49, 2.49), 2000, 600, 200, 4)));
    // a new best, improving at 2.5e-3: no doubling back to the lrs it stalled at
    assertEquals(
        "keep", act(p, withStall(window(2.5e-3, 2.3, -0.1, 2.49, 2.49), 2000, 700, 700, 0)));
    // a stalled goal while the loss is still above its best window and falling at a proven lr
    // (after bad data): recovering, not stalled
    RulePolicy r = new RulePolicy();
    act(r, withStall(window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN), 2000, 100, 100, 0));
    act(r, withStall(window(1e-3, 2.3, -0.3, 2.6, 2.6), 2000, 200, 200, 0));
    Answer after = r.decide(withStall(window(1e-3, 2.5, -0.2, 4.0, 2.3), 2000, 500, 200, 3));
    assertEquals("keep", after.decision().action(), after.decision().rationale());
    assertTrue(after.decision().rationale().contains("recovering"), after.decision().rationale());
    // in the anneal the stall is not what halves
    Answer anneal = p.decide(withStall(window(2.5e-3, 2.3, 0.0, 2.3, 2.3), 2000, 1600, 700, 9));
    assertTrue(anneal.decision().rationale().contains("annealing"), anneal.decision().rationale());
  }

  private static String act(RulePolicy p, Summary s) throws Exception {
    Answer a = p.decide(s);
    return a.decision().action();
  }

  @Test
  void afterARollbackItDoublesBackToTheLrTheRunTrainedWellAtAndNoHigher() throws Exception {
    RulePolicy p = new RulePolicy();
    // pretraining at 1e-3: the first window has nothing to compare with, the next improve
    assertEquals("keep", act(p, window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN)));
    assertEquals("keep", act(p, window(1e-3, 2.2, -0.3, 2.6, 2.6)));
    assertEquals(1e-3, p.knownGoodLr(), 1e-12);
    // the automatic recovery rolled back and halved; the run is calm and improving again
    Answer a = p.decide(window(5e-4, 2.0, -0.1, 2.9, 2.2));
    assertEquals("double", a.decision().action());
    assertTrue(a.decision().rationale().contains("trained well at"), a.decision().rationale());
    // back at the known-good lr: keep, not higher
    assertEquals("keep", act(p, window(1e-3, 1.9, -0.1, 2.0, 2.0)));
  }

  @Test
  void itNeverDoublesToALrThatCausedTrouble() throws Exception {
    RulePolicy p = new RulePolicy();
    assertEquals("keep", act(p, window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN)));
    assertEquals("keep", act(p, window(1e-3, 2.2, -0.3, 2.6, 2.6)));
    // the lr went to 0.01: the loss is 10% above the best window
    assertEquals("halve", act(p, window(0.01, 2.42, 0.0, 2.2, 2.2)));
    // at 0.005 it improves, so 0.005 is now known to train; doubling would be 0.01 again: keep
    assertEquals("keep", act(p, window(0.005, 2.3, -0.1, 2.42, 2.2)));
    assertEquals(0.005, p.knownGoodLr(), 1e-12);
    assertEquals("keep", act(p, window(0.005, 2.1, -0.1, 2.3, 2.2)));
  }

  @Test
  void itDoesNotDoubleWhileTheLossIsNotImproving() throws Exception {
    RulePolicy p = new RulePolicy();
    act(p, window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN));
    act(p, window(1e-3, 2.2, -0.3, 2.6, 2.6));
    assertEquals("keep", act(p, window(2.5e-4, 2.25, 0.0, 2.2, 2.2)), "flat: keep, no double");
  }

  @Test
  void troubleAlwaysHalvesEvenBelowTheFloor() throws Exception {
    RulePolicy p = new RulePolicy(0.02);
    act(p, window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN));
    act(p, window(1e-3, 2.2, -0.3, 2.6, 2.6));
    assertEquals("halve", act(p, window(1e-5, 2.6, 0.0, 2.2, 2.2)), "5% above best: trouble");
  }

  @Test
  void plateauHalvingsStopAtTheFloor() throws Exception {
    RulePolicy p = new RulePolicy(0.02);
    act(p, window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN));
    act(p, window(1e-3, 2.2, -0.3, 2.6, 2.6));
    // flat at 1e-3: no progress, halve
    assertEquals("halve", act(p, window(1e-3, 2.19, -0.001, 2.2, 2.2)));
    // at 1/32 of the known-good lr a further halving would go below the floor: keep, and say so
    Answer a = p.decide(window(1e-3 / 32, 2.18, -0.001, 2.19, 2.19));
    assertEquals("keep", a.decision().action());
    assertTrue(a.decision().rationale().contains("floor"), a.decision().rationale());
  }
}
