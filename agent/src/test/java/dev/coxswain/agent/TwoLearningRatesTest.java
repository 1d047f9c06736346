package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.guard.KnobFloor;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.policy.RulePolicy;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A run with two learning rates (a GAN's lr_g and lr_d) and knobs of other kinds: the rule policy
 * acts on every learning-rate knob, each by what it remembers of that knob; the guardrails check
 * each knob by its own spec (the factor band only on log knobs, locks and floors per knob).
 */
class TwoLearningRatesTest {
  private static final Summary.KnobView CRITIC =
      new Summary.KnobView(Knob.integer("n_critic").bounds(1, 10).initial(2).build(), false);
  private static final Summary.KnobView MOMENTUM =
      new Summary.KnobView(Knob.real("momentum").bounds(0, 1).initial(0.1).build(), false);

  /** A 100-step window with a loss of this mean and trend after {@code prev}, at these knobs. */
  private static Summary window(
      double mean, double trend, double prev, double best, List<Summary.KnobView> knobs) {
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
        knobs,
        List.of(),
        prev,
        best);
  }

  private static List<Summary.KnobView> gan(double lrG, double lrD, boolean lockD) {
    List<Summary.KnobView> k = new ArrayList<>();
    k.add(TestKnobs.lr("lr_g", lrG, 1e-6, 1e-2, false));
    k.add(TestKnobs.lr("lr_d", lrD, 1e-6, 1e-2, lockD));
    k.add(CRITIC);
    k.add(MOMENTUM);
    return k;
  }

  private static final Guardrails LR = new Guardrails(Guardrails.Config.lrRecovery());

  @Test
  void troubleHalvesEveryLearningRateAndDoublingBackIsPerKnob() {
    RulePolicy rule = new RulePolicy();
    Summary rising = window(2.0, 0.5, 1.9, 1.9, gan(1e-3, 1e-3, false));
    Answer halve = rule.decide(rising);
    assertEquals("halve", halve.decision().action());
    assertEquals(
        Map.of("lr_g", 5e-4, "lr_d", 5e-4),
        LR.apply(halve.decision(), rising, -1).args(),
        "both learning rates, nothing else");
    // both train well at 1e-3; then lr_d alone is lowered: only lr_d is doubled back
    RulePolicy fresh = new RulePolicy();
    assertEquals(
        "keep",
        fresh.decide(window(2.0, -0.1, 2.1, 2.1, gan(1e-3, 1e-3, false))).decision().action());
    Summary lowD = window(1.9, -0.1, 2.0, 2.0, gan(1e-3, 5e-4, false));
    Decision back = fresh.decide(lowD).decision();
    assertEquals("double", back.action(), back.rationale());
    assertEquals(List.of("lr_d"), back.args().get("knobs"), back.rationale());
    assertTrue(back.rationale().contains("lr_d"), back.rationale());
    assertEquals(Map.of("lr_d", 1e-3), LR.apply(back, lowD, -1).args());
    assertEquals(1e-3, fresh.knownGood("lr_g"), 1e-15);
    assertEquals(1e-3, fresh.knownGood("lr_d"), 1e-15);
  }

  @Test
  void aRunWithoutALearningRateKnobIsKeptSayingSo() {
    Summary rising = window(2.0, 0.5, 1.9, 1.9, List.of(CRITIC, MOMENTUM));
    Decision d = new RulePolicy().decide(rising).decision();
    assertEquals("keep", d.action());
    assertTrue(d.rationale().contains("no knob with the learning_rate role"), d.rationale());
    Guardrails.Outcome o = LR.apply(new Decision("halve", null, ""), rising, -1);
    assertEquals(Optional.empty(), o.type());
    assertTrue(o.edits().get(0).contains("no knob with the learning_rate role"), o.edits().get(0));
  }

  @Test
  void aLockOnOneLearningRateLeavesTheOtherToTheDecision() {
    Summary s = window(2.0, 0.5, 1.9, 1.9, gan(1e-3, 1e-3, true));
    Guardrails.Outcome o = LR.apply(new RulePolicy().decide(s).decision(), s, -1);
    assertEquals(Map.of("lr_g", 5e-4), o.args());
    assertTrue(
        o.edits().contains("knob 'lr_d' is locked by a person; not changed"), o.edits().toString());
  }

  @Test
  void eachKnobIsCheckedByItsOwnSpec() {
    Guardrails g = new Guardrails(Guardrails.Config.supervisor());
    Summary s = window(2.0, -0.1, 2.1, 2.1, gan(2e-4, 2e-4, false));
    Guardrails.Outcome set =
        g.apply(
            new Decision("set_knobs", Map.of("momentum", 0.9, "lr_d", 2e-3, "n_critic", 3.6), ""),
            s,
            -1);
    assertEquals(Map.of("momentum", 0.9, "lr_d", 4e-4, "n_critic", 4L), set.args());
    String edits = set.edits().toString();
    assertTrue(edits.contains("lr_d: 0.002000 is a factor of 10.0; clamped"), edits);
    assertTrue(!edits.contains("momentum"), "no factor band on a linear knob: " + edits);
    assertTrue(edits.contains("n_critic: 3.6 is not a whole number; rounded to 4.0"), edits);
    assertEquals(
        Map.of("n_critic", 10L),
        g.apply(new Decision("set_knobs", Map.of("n_critic", 50), ""), s, -1).args(),
        "clamped to its bounds");
    Guardrails.Outcome scale =
        g.apply(new Decision("scale_knob", Map.of("knob", "n_critic", "factor", 2), ""), s, -1);
    assertEquals(Optional.empty(), scale.type());
    assertTrue(scale.edits().get(0).contains("not on a log scale"), scale.edits().toString());
  }

  @Test
  void anActionIsSentOnlyWhenTheAgentMayCallItWithFieldsThatFit() {
    ActionSpec freeze =
        new ActionSpec(
            "freeze_d",
            "",
            true,
            List.of(ActionSpec.Field.integer("steps", 1, 100, "how many steps")));
    ActionSpec reinit = new ActionSpec("reinit_d", "", false, List.of());
    Summary s =
        window(2.0, -0.1, 2.1, 2.1, gan(2e-4, 2e-4, false)).withActions(List.of(freeze, reinit));
    Guardrails g = new Guardrails(Guardrails.Config.supervisor());
    Guardrails.Outcome ok =
        g.apply(new Decision("run_action", Map.of("action", "freeze_d", "steps", 20), ""), s, -1);
    assertEquals(Optional.of("run_action"), ok.type());
    assertEquals(Map.of("action", "freeze_d", "steps", 20), ok.args());
    Guardrails.Outcome big =
        g.apply(new Decision("run_action", Map.of("action", "freeze_d", "steps", 500), ""), s, -1);
    assertEquals(Optional.empty(), big.type());
    assertTrue(big.edits().get(0).contains("out of bounds [1, 100]"), big.edits().toString());
    Guardrails.Outcome persons =
        g.apply(new Decision("run_action", Map.of("action", "reinit_d"), ""), s, -1);
    assertEquals(Optional.empty(), persons.type());
    assertTrue(persons.edits().get(0).contains("a person's only"), persons.edits().toString());
  }

  @Test
  void theDefaultFloorIsPerLearningRateKnobAndNoneForOthers() {
    KnobFloor f = KnobFloor.defaults();
    f.observe(window(2.0, -0.1, 2.1, 2.1, gan(1e-3, 1e-4, false)));
    assertEquals(1e-6, f.floor("lr_g").getAsDouble(), 1e-18);
    assertEquals(1e-7, f.floor("lr_d").getAsDouble(), 1e-18);
    assertTrue(f.floor("n_critic").isEmpty());
    assertTrue(f.floor("momentum").isEmpty());
  }
}
