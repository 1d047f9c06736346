package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.guard.KnobFloor;
import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.summary.Summary;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The floor under the agent: halvings stop at it (clamped, then kept), the journal's edit says why,
 * raises and changes above it pass untouched, a configured floor wins over the default, and the
 * agent's own lowering never carries the default floor down with it.
 */
class KnobFloorTest {

  /** A 100-step window at {@code lr}: trained well (loss falling, no trouble) or not. */
  private static Summary window(double lr, boolean trainedWell) {
    double mean = 2.0;
    double prev = trainedWell ? 2.1 : 1.9;
    Summary.Series loss =
        new Summary.Series(List.of(new Summary.Point(100, mean)), mean, -0.01, 0.01, mean, 100);
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
        Math.min(mean, prev));
  }

  private static final Decision HALVE = new Decision("halve", null, "");

  @Test
  void halvingsStopAtAConfiguredFloorClampedThenKeptSayingWhy() {
    Guardrails g =
        new Guardrails(Guardrails.Config.lrRecovery(), new KnobFloor(Map.of("lr", 1e-3)));
    Guardrails.Outcome above = g.apply(HALVE, window(0.004, true), -1);
    assertEquals(Map.of("lr", 0.002), above.args(), "above the floor: untouched");
    assertTrue(above.edits().isEmpty(), above.edits().toString());

    Guardrails.Outcome clamped = g.apply(HALVE, window(0.0015, true), -1);
    assertEquals(Map.of("lr", 1e-3), clamped.args(), "0.00075 is below the floor: clamped");
    assertTrue(
        clamped.edits().get(0).startsWith("lr floor 0.001 (knobs.lr.agent_floor of the run)"),
        clamped.edits().toString());

    Guardrails.Outcome kept = g.apply(HALVE, window(1e-3, true), -1);
    assertEquals(Optional.empty(), kept.type(), "at the floor: nothing sent");
    assertTrue(
        kept.edits().get(0).contains("lr is 0.001, at the floor already; kept instead"),
        kept.edits().toString());

    Guardrails.Outcome up = g.apply(new Decision("double", null, ""), window(1e-3, true), -1);
    assertEquals(Map.of("lr", 2e-3), up.args(), "a raise is never held by a floor");
  }

  @Test
  void theDefaultFloorIsAThousandthOfTheLowestLrTrainedWellNotOfTheAgentsOwnLowering() {
    KnobFloor f = KnobFloor.defaults();
    Guardrails g = new Guardrails(Guardrails.Config.lrRecovery(), f);
    assertTrue(f.floor("lr").isEmpty(), "nothing seen yet: no floor");
    g.apply(Decision.keep(""), window(0.1, false), -1);
    assertEquals(1e-4, f.floor("lr").getAsDouble(), 1e-15, "not trained well yet: the first lr");
    g.apply(Decision.keep(""), window(0.05, true), -1); // a person's lr that trained well
    assertEquals(5e-5, f.floor("lr").getAsDouble(), 1e-15);
    g.apply(Decision.keep(""), window(0.2, true), -1);
    assertEquals(5e-5, f.floor("lr").getAsDouble(), 1e-15, "the lowest good lr, not the last");

    // the agent halves 0.05 to 0.025; that window trains well, but the agent lowered it there
    assertEquals(Map.of("lr", 0.025), g.apply(HALVE, window(0.05, true), -1).args());
    g.apply(Decision.keep(""), window(0.025, true), -1);
    assertEquals(5e-5, f.floor("lr").getAsDouble(), 1e-15, "its own lowering does not count");
    assertTrue(f.floor("weight_decay").isEmpty(), "the default is for lr only");
  }

  @Test
  void aDefaultFloorSaysItsBasisInTheEdit() {
    Guardrails g = new Guardrails(Guardrails.Config.supervisor());
    Guardrails.Outcome o =
        g.apply(new Decision("set_knobs", Map.of("lr", 5e-5), ""), window(1e-4, true), -1);
    assertEquals(Map.of("lr", 5e-5), o.args(), "far above 1e-7: untouched");
    Guardrails.Outcome low =
        g.apply(
            new Decision("set_knobs", Map.of("lr", 1e-9), ""),
            window(5e-5, false),
            -1); // the band first clamps 1e-9 to 2.5e-5: still above the floor 1e-7
    assertEquals(Map.of("lr", 2.5e-5), low.args());
    Guardrails wide =
        new Guardrails(
            new Guardrails.Config(1e-6, 2, 0, Guardrails.Config.supervisor().permitted()));
    wide.apply(Decision.keep(""), window(1e-4, true), -1);
    Guardrails.Outcome held =
        wide.apply(new Decision("set_knobs", Map.of("lr", 1e-9), ""), window(1e-4, false), -1);
    assertEquals(1e-7, (Double) held.args().get("lr"), 1e-20, held.edits().toString());
    assertTrue(
        held.edits().get(0).startsWith("lr floor 1e-7 (1/1000 of 0.0001, the lowest lr"),
        held.edits().toString());
  }

  @Test
  void aFloorThatIsNotAPositiveNumberIsRefusedNamingTheKey() {
    IllegalArgumentException zero =
        assertThrows(IllegalArgumentException.class, () -> new KnobFloor(Map.of("lr", 0.0)));
    assertTrue(zero.getMessage().contains("knobs.lr.agent_floor"), zero.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new KnobFloor(Map.of("lr", -1e-6)));
    assertThrows(IllegalArgumentException.class, () -> new KnobFloor(Map.of("lr", Double.NaN)));
  }
}
