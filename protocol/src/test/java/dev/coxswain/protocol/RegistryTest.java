package dev.coxswain.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Registered knobs and actions: built with checks, and commands checked against them. */
class RegistryTest {
  private final Knob lrD =
      Knob.real("lr_d")
          .bounds(1e-6, 1e-2)
          .initial(2e-4)
          .log()
          .role(Knob.LEARNING_RATE)
          .unit("per step")
          .describe("discriminator learning rate")
          .build();
  private final Knob nCritic = Knob.integer("n_critic").bounds(1, 10).initial(5).build();
  private final Knob ema = Knob.bool("ema").build();
  private final Knob loss = Knob.choice("loss", "hinge", "bce", "wasserstein").initial(1).build();
  private final ActionSpec freeze =
      new ActionSpec(
          "freeze_d",
          "hold the discriminator for some steps",
          true,
          List.of(
              ActionSpec.Field.integer("steps", 1, 1000, "how many steps"),
              ActionSpec.Field.choice("part", List.of("head", "all"), "what").optional()));
  private final Registry registry = new Registry(List.of(lrD, nCritic, ema, loss), List.of(freeze));

  private static Action parse(String type, Map<String, Object> args) throws Exception {
    return Action.parse(new Command("c", type, Source.HUMAN, args, null, Instant.EPOCH));
  }

  private InvalidCommandException refused(String type, Map<String, Object> args) {
    return assertThrows(
        InvalidCommandException.class,
        () -> {
          Action a = parse(type, args);
          if (a instanceof Action.SetKnobs s) {
            registry.values(s);
          } else if (a instanceof Action.ScaleKnob s) {
            registry.scaled(s);
          } else if (a instanceof Action.Invoke i) {
            registry.args(i);
          }
        });
  }

  @Test
  void valuesOfEveryTypeAreResolvedAndChecked() throws Exception {
    Action.SetKnobs s =
        (Action.SetKnobs)
            parse(
                "set_knobs",
                Map.of("lr_d", 1e-3, "n_critic", 3, "ema", true, "loss", "wasserstein"));
    Map<String, Double> v = registry.values(s);
    assertEquals(1e-3, v.get("lr_d"));
    assertEquals(3.0, v.get("n_critic"));
    assertEquals(1.0, v.get("ema"));
    assertEquals(2.0, v.get("loss"), "an option becomes its index");
    assertEquals(
        4e-4,
        registry.scaled(
            (Action.ScaleKnob) parse("scale_knob", Map.of("knob", "lr_d", "factor", 2))),
        1e-12);
  }

  @Test
  void badValuesAreRefusedNamingTheKnob() {
    InvalidCommandException e = refused("set_knobs", Map.of("n_critic", 11));
    assertEquals("args.n_critic", e.field());
    assertTrue(e.getMessage().contains("out of bounds [1.0, 10.0]"), e.getMessage());
    e = refused("set_knobs", Map.of("n_critic", 2.5));
    assertTrue(e.getMessage().contains("whole number"), e.getMessage());
    e = refused("set_knobs", Map.of("lr_g", 1e-3));
    assertEquals("args.lr_g", e.field());
    assertTrue(e.getMessage().contains("unknown knob 'lr_g'; known: lr_d"), e.getMessage());
    e = refused("set_knobs", Map.of("loss", "mse"));
    assertTrue(e.getMessage().contains("[hinge, bce, wasserstein]"), e.getMessage());
    e = refused("set_knobs", Map.of("lr_d", true));
    assertTrue(e.getMessage().contains("takes a number, got boolean"), e.getMessage());
    e = refused("set_knobs", Map.of("lr_d", "fast"));
    assertTrue(e.getMessage().contains("takes a number"), e.getMessage());
    e = refused("scale_knob", Map.of("knob", "n_critic", "factor", 2));
    assertTrue(e.getMessage().contains("only a real knob can be scaled"), e.getMessage());
    e = refused("scale_knob", Map.of("knob", "lr_d", "factor", 100));
    assertEquals("args.factor", e.field());
  }

  @Test
  void actionArgumentsAreCheckedNamingTheField() throws Exception {
    Map<String, Object> args =
        registry.args(
            (Action.Invoke) parse("run_action", Map.of("action", "freeze_d", "steps", 20)));
    assertEquals(Map.of("steps", 20L), args);
    assertEquals(
        "args.steps", refused("run_action", Map.of("action", "freeze_d", "steps", 0)).field());
    assertEquals("args.steps", refused("run_action", Map.of("action", "freeze_d")).field());
    assertEquals(
        "args.steps", refused("run_action", Map.of("action", "freeze_d", "steps", "ten")).field());
    assertEquals(
        "args.part",
        refused("run_action", Map.of("action", "freeze_d", "steps", 3, "part", "tail")).field());
    assertEquals(
        "args.speed",
        refused("run_action", Map.of("action", "freeze_d", "steps", 3, "speed", 1)).field());
    InvalidCommandException e = refused("run_action", Map.of("action", "thaw_d"));
    assertEquals("args.action", e.field());
    assertTrue(e.getMessage().contains("registered: freeze_d"), e.getMessage());
  }

  @Test
  void badRegistrationsAreRefusedWithTheName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new Registry(List.of(lrD, lrD), List.of()));
    assertTrue(e.getMessage().contains("'lr_d'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> new Registry(List.of(), List.of(freeze, freeze)));
    assertTrue(e.getMessage().contains("'freeze_d'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Knob.real("lr_g").bounds(0, 1e-2).initial(1e-3).log().build());
    assertTrue(e.getMessage().contains("lr_g") && e.getMessage().contains("above 0"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Knob.integer("n_critic").bounds(10, 1).initial(5).build());
    assertTrue(e.getMessage().contains("reversed"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Knob.integer("n_critic").bounds(1, 10).initial(12).build());
    assertTrue(e.getMessage().contains("n_critic") && e.getMessage().contains("default"));
    e =
        assertThrows(
            IllegalArgumentException.class, () -> new ActionSpec("pause", "", true, List.of()));
    assertTrue(e.getMessage().contains("built-in command"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ActionSpec(
                "twice",
                "",
                true,
                List.of(ActionSpec.Field.bool("x", ""), ActionSpec.Field.bool("x", ""))));
  }

  @Test
  void theJsonFormOfALinearKnobIsAsBeforeAndALogKnobSaysSo() throws Exception {
    Map<String, Object> linear =
        Json.toMap(new Knob("wd", KnobType.DOUBLE, 0.1, 0, 1, "weight decay"));
    assertFalse(linear.containsKey("scale"));
    assertFalse(linear.containsKey("choices"));
    assertFalse(linear.containsKey("log"));
    Map<String, Object> log = Json.toMap(lrD);
    assertEquals("log", log.get("scale"));
    assertEquals("learning_rate", log.get("role"));
    assertEquals(lrD, Json.fromMap(log, Knob.class));
    assertEquals(loss, Json.fromMap(Json.toMap(loss), Knob.class));
    assertEquals(freeze, Json.fromMap(Json.toMap(freeze), ActionSpec.class));
  }
}
