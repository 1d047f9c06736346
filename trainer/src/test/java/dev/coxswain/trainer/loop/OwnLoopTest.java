package dev.coxswain.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.control.ActionOutcome;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A loop's description is refused when it is built, naming what is wrong. */
class OwnLoopTest {
  private static final Knob LR_D =
      Knob.real("lr_d").bounds(1e-6, 1e-2).initial(2e-4).log().role(Knob.LEARNING_RATE).build();
  private static final ActionSpec FREEZE =
      new ActionSpec("freeze_d", "", true, List.of(ActionSpec.Field.integer("steps", 1, 1000, "")));
  private static final StatePart NOTHING =
      new StatePart() {
        @Override
        public void save(OutputStream out) {}

        @Override
        public void restore(InputStream in) {}
      };

  private static OwnLoop.Builder gan() {
    return OwnLoop.builder("gan").loop(steer -> {});
  }

  private static void refused(Executable build, String... named) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
    for (String n : named) {
      assertTrue(e.getMessage().contains(n), "'" + n + "' in: " + e.getMessage());
    }
  }

  @Test
  void aGoodDescriptionBuildsWithItsKnobsActionsAndState() {
    OwnLoop loop =
        gan()
            .knob(LR_D, v -> {})
            .knob(Knob.integer("n_critic").bounds(1, 10).initial(1).build(), v -> {})
            .action(FREEZE, (args, next) -> ActionOutcome.applied())
            .state("freeze", NOTHING)
            .build();
    assertEquals(
        List.of("lr_d", "n_critic"), loop.registry().knobs().stream().map(Knob::name).toList());
    assertEquals("freeze_d", loop.registry().actions().get(0).name());
    assertEquals(List.of("freeze"), List.copyOf(loop.state().keySet()));
    assertTrue(loop.replayable());
  }

  @Test
  void badDescriptionsAreRefusedWithTheName() {
    refused(() -> gan().knob(LR_D, v -> {}).knob(LR_D, v -> {}).build(), "two knobs", "'lr_d'");
    refused(
        () ->
            gan()
                .action(FREEZE, (a, n) -> ActionOutcome.applied())
                .action(FREEZE, (a, n) -> ActionOutcome.applied())
                .build(),
        "two actions",
        "'freeze_d'");
    refused(
        () -> gan().knob(Knob.integer("n_critic").bounds(1, 10).initial(0).build(), v -> {}),
        "n_critic",
        "default");
    refused(
        () -> gan().knob(Knob.real("lr_g").bounds(1e-2, 1e-6).initial(1e-3).build(), v -> {}),
        "lr_g",
        "reversed");
    refused(
        () -> gan().knob(Knob.real("lr_g").bounds(0, 1e-2).initial(1e-3).log().build(), v -> {}),
        "lr_g",
        "above 0");
    refused(
        () -> gan().action(new ActionSpec("stop", "", true, List.of()), (a, n) -> null),
        "'stop'",
        "built-in");
    refused(() -> gan().state("freeze", NOTHING).state("freeze", NOTHING), "'freeze'");
    refused(() -> OwnLoop.builder("My GAN"), "My GAN");
    NullPointerException noLoop =
        assertThrows(NullPointerException.class, () -> OwnLoop.builder("gan").build());
    assertTrue(noLoop.getMessage().contains("'gan' needs its loop"), noLoop.getMessage());
  }
}
