package dev.coxswain.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActionTest {
  private static Command c(String type, Map<String, Object> args) {
    return Command.of(type, Source.API, args);
  }

  @Test
  void parsesEveryKnownCommand() throws Exception {
    Action.SetKnobs set =
        (Action.SetKnobs) Action.parse(c("set_knobs", Map.of("lr", 1e-4, "weight_decay", 0)));
    assertEquals(1e-4, set.values().get("lr"));
    assertEquals(0.0, set.values().get("weight_decay"));
    Action.ScaleKnob scale =
        (Action.ScaleKnob) Action.parse(c("scale_knob", Map.of("knob", "lr", "factor", 0.5)));
    assertEquals("lr", scale.knob());
    assertEquals(0.5, scale.factor());
    assertEquals(
        "best",
        ((Action.SaveCheckpoint) Action.parse(c("save_checkpoint", Map.of("tag", "best")))).tag());
    assertEquals(
        null, ((Action.SaveCheckpoint) Action.parse(c("save_checkpoint", Map.of()))).tag());
    Action.LoadCheckpoint load =
        (Action.LoadCheckpoint)
            Action.parse(
                c("load_checkpoint", Map.of("checkpoint", "main/200", "branch", "low-lr")));
    assertEquals("main/200", load.checkpoint());
    assertEquals("low-lr", load.branch());
    assertInstanceOf(Action.Pause.class, Action.parse(c("pause", Map.of())));
    assertInstanceOf(Action.Resume.class, Action.parse(c("resume", null)));
    assertInstanceOf(Action.Stop.class, Action.parse(c("stop", Map.of())));
    assertInstanceOf(Action.Evaluate.class, Action.parse(c("evaluate", Map.of())));
    assertEquals("hi", ((Action.Note) Action.parse(c("note", Map.of("text", "hi")))).text());
    assertEquals(
        "be gentle",
        ((Action.TellAgent) Action.parse(c("tell_agent", Map.of("text", "  be gentle ")))).text());
    assertEquals(
        null, ((Action.TellAgent) Action.parse(c("tell_agent", Map.of("withdraw", true)))).text());
    Goal g =
        ((Action.SetGoal)
                Action.parse(
                    c(
                        "set_goal",
                        Map.of(
                            "metric",
                            "accuracy",
                            "target",
                            0.9,
                            "deadline",
                            2000,
                            "patience",
                            3,
                            "stop_early",
                            true))))
            .goal();
    assertEquals(new Goal("accuracy", null, 0.9, 2000L, 3, true), g);
    assertTrue(g.withDirection(Goal.MAXIMIZE).meets(0.91));
    assertTrue(g.withDirection(Goal.MAXIMIZE).better(0.5, 0.4));
    assertTrue(g.withDirection(Goal.MINIMIZE).better(0.4, 0.5));
    assertEquals(
        null, ((Action.SetGoal) Action.parse(c("set_goal", Map.of("clear", true)))).goal());
    assertEquals(
        new Goal("eval_loss", "minimize", null, null, null, false),
        ((Action.SetGoal)
                Action.parse(c("set_goal", Map.of("metric", "eval_loss", "direction", "minimize"))))
            .goal());
    assertEquals(
        "block0.attn",
        ((Action.ResetModule) Action.parse(c("reset_module", Map.of("module", "block0.attn"))))
            .module());
    Action.SetModuleParam smp =
        (Action.SetModuleParam)
            Action.parse(
                c("set_module_param", Map.of("module", "block0.drop", "param", "p", "value", 0.1)));
    assertEquals("block0.drop", smp.module());
    assertEquals("p", smp.param());
    assertEquals(0.1, smp.value());
  }

  @Test
  void namesTheFieldThatIsWrong() {
    Map<String, Object> nan = new HashMap<>();
    nan.put("lr", Double.POSITIVE_INFINITY);
    record Case(String type, Map<String, Object> args, String field, String words) {}
    List<Case> cases =
        List.of(
            new Case("", Map.of(), "type", "missing"),
            new Case("fly", Map.of(), "type", "unknown command 'fly'"),
            new Case("tell_agent", Map.of(), "args.text", "required"),
            new Case("tell_agent", Map.of("text", "  "), "args.text", "empty"),
            new Case("tell_agent", Map.of("text", "x".repeat(2001)), "args.text", "at most 2000"),
            new Case("tell_agent", Map.of("text", "a", "withdraw", true), "args", "not both"),
            new Case("tell_agent", Map.of("withdraw", "yes"), "args.withdraw", "true or false"),
            new Case(
                "tell_agent", Map.of("text", "a", "to", "b"), "args.to", "unexpected argument"),
            new Case("set_goal", Map.of(), "args.metric", "required"),
            new Case(
                "set_goal",
                Map.of("metric", "eval_loss", "direction", "down"),
                "args.direction",
                "minimize or maximize"),
            new Case(
                "set_goal",
                Map.of("metric", "eval_loss", "target", "low"),
                "args.target",
                "finite"),
            new Case(
                "set_goal",
                Map.of("metric", "eval_loss", "deadline", 2.5),
                "args.deadline",
                "whole"),
            new Case(
                "set_goal", Map.of("metric", "eval_loss", "patience", 0), "args.patience", "whole"),
            new Case(
                "set_goal",
                Map.of("metric", "eval_loss", "stop_early", true),
                "args.stop_early",
                "a target or a patience"),
            new Case(
                "set_goal", Map.of("metric", "eval_loss", "when", 1), "args.when", "unexpected"),
            new Case("set_knobs", Map.of(), "args", "at least one"),
            new Case(
                "set_knobs", Map.of("lr", List.of(0.1)), "args.lr", "must be a number, got array"),
            new Case("set_knobs", Map.of("lr", List.of(1)), "args.lr", "got array"),
            new Case("set_knobs", nan, "args.lr", "finite"),
            new Case("scale_knob", Map.of("factor", 2), "args.knob", "required"),
            new Case("scale_knob", Map.of("knob", "lr", "factor", -2), "args.factor", "> 0"),
            new Case(
                "scale_knob",
                Map.of("knob", "lr", "factor", 2, "extra", 1),
                "args.extra",
                "unexpected"),
            new Case("load_checkpoint", Map.of(), "args.checkpoint", "required"),
            new Case(
                "load_checkpoint",
                Map.of("checkpoint", "/etc/passwd"),
                "args.checkpoint",
                "an id like"),
            new Case(
                "load_checkpoint",
                Map.of("checkpoint", "main/1", "branch", "a b"),
                "args.branch",
                "letters"),
            new Case("save_checkpoint", Map.of("tag", ""), "args.tag", "letters"),
            new Case("note", Map.of("text", "  "), "args.text", "empty"),
            new Case("stop", Map.of("force", true), "args.force", "takes none"),
            new Case("reset_module", Map.of(), "args.module", "required"),
            new Case("reset_module", Map.of("module", 3), "args.module", "must be a string"),
            new Case("reset_module", Map.of("module", "a/b"), "args.module", "a path"),
            new Case(
                "reset_module", Map.of("module", "head", "param", "p"), "args.param", "unexpected"),
            new Case(
                "set_module_param",
                Map.of("module", "block0.drop", "value", 0.1),
                "args.param",
                "required"),
            new Case(
                "set_module_param",
                Map.of("module", "block0.drop", "param", "p"),
                "args.value",
                "required and must be a number"),
            new Case(
                "set_module_param",
                Map.of("module", "block0.drop", "param", "p", "value", "high"),
                "args.value",
                "must be a number, got string"),
            new Case(
                "set_module_param",
                Map.of("module", "block0.drop", "param", "p", "value", true),
                "args.value",
                "got boolean"));
    for (Case k : cases) {
      InvalidCommandException e =
          assertThrows(
              InvalidCommandException.class,
              () -> Action.parse(c(k.type(), k.args())),
              k.toString());
      assertEquals(k.field(), e.field(), k.toString());
      assertTrue(e.getMessage().contains(k.words()), e.getMessage() + " should say " + k.words());
    }
  }

  @Test
  void stepCountsAreBoundedSoThatNoSumOfThemOverflows() throws Exception {
    for (Object bad : List.of(Long.MAX_VALUE, 1e308, 0, -1, Steps.MAX + 1, 2.5)) {
      InvalidCommandException lock =
          assertThrows(
              InvalidCommandException.class,
              () -> Action.parse(c("lock_knob", Map.of("knob", "lr", "steps", bad))),
              String.valueOf(bad));
      assertEquals("args.steps", lock.field());
      assertTrue(lock.getMessage().contains("from 1 to " + Steps.MAX), lock.getMessage());
      InvalidCommandException goal =
          assertThrows(
              InvalidCommandException.class,
              () -> Action.parse(c("set_goal", Map.of("metric", "eval_loss", "deadline", bad))),
              String.valueOf(bad));
      assertEquals("args.deadline", goal.field());
    }
    Action.LockKnob most =
        (Action.LockKnob) Action.parse(c("lock_knob", Map.of("knob", "lr", "steps", Steps.MAX)));
    assertEquals(Steps.MAX, most.steps());
    // sums saturate instead of wrapping
    assertEquals(Long.MAX_VALUE, Steps.add(Long.MAX_VALUE - 5, 10));
    assertEquals(Long.MAX_VALUE, Steps.add(Long.MAX_VALUE, Long.MAX_VALUE));
    assertEquals(15, Steps.add(5, 10));
  }
}
