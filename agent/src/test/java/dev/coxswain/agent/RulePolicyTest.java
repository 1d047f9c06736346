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
  void withADeadlineItProbesUpToFourTimesTheFirstGoodLrThenAnnealsInTheLastQuarter()
      throws Exception {
    RulePolicy p = new RulePolicy();
    assertEquals(
        "keep", act(p, withDeadline(window(1e-3, 2.6, -0.5, Double.NaN, Double.NaN), 1200, 100)));
    Answer probe = p.decide(withDeadline(window(1e-3, 2.2, -0.3, 2.6, 2.6), 1200, 200));
    assertEquals("double", probe.decision().action(), "calm, improving, far from the deadline");
    assertTrue(probe.decision().rationale().contains("probing"), probe.decision().rationale());
    assertEquals("double", act(p, withDeadline(window(2e-3, 2.0, -0.2, 2.2, 2.2), 1200, 300)));
    assertEquals(
        "keep",
        act(p, withDeadline(window(4e-3, 1.9, -0.1, 2.0, 2.0), 1200, 400)),
        "at 4x the first good lr it probes no higher");
    // the last quarter: halve at every decision, even while improving
    Answer anneal = p.decide(withDeadline(window(4e-3, 1.8, -0.1, 1.9, 1.9), 1200, 900));
    assertEquals("halve", anneal.decision().action());
    assertTrue(anneal.decision().rationale().contains("annealing"), anneal.decision().rationale());
    assertEquals("halve", act(p, withDeadline(window(2e-3, 1.7, -0.1, 1.8, 1.8), 1200, 1000)));
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
    assertEquals("double", act(p, withDeadline(window(1e-3, 2.2, -0.3, 2.6, 2.6), 1200, 200)));
    // at 2e-3 the loss goes 10% above the best window: trouble
    assertEquals("halve", act(p, withDeadline(window(2e-3, 2.42, 0.0, 2.2, 2.2), 1200, 300)));
    assertEquals(
        "keep",
        act(p, withDeadline(window(1e-3, 2.1, -0.1, 2.42, 2.2), 1200, 400)),
        "2e-3 caused trouble: no second probe");
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
