package dev.coxswain.experiment;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The applied commands of the arm's controller (agent, rule, schedule), with the lr they set. */
final class ArmController implements java.util.function.Consumer<dev.coxswain.protocol.Event> {
  private final LrRecoveryArmRunner.Observer seen;
  private final Map<String, Command> sent = new java.util.HashMap<>();
  final List<ScenarioResult.Action> actions = new ArrayList<>();

  ArmController(LrRecoveryArmRunner.Observer seen) {
    this.seen = seen;
  }

  @Override
  public void accept(dev.coxswain.protocol.Event e) {
    if (e.type() == EventType.COMMAND) {
      Command c = ((Payload.CommandSent) e.body()).command();
      if (c.source() == Source.AGENT || c.source() == Source.RULE) {
        sent.put(c.id(), c);
      }
    } else if (e.type() == EventType.COMMAND_RESULT) {
      CommandResult r = ((Payload.Result) e.body()).result();
      Command c = sent.remove(r.commandId());
      if (c != null && r.isApplied()) {
        actions.add(new ScenarioResult.Action(r.step(), c.type(), seen.lr, lrAfter(c, seen.lr)));
      }
    }
  }

  private static double lrAfter(Command c, double before) {
    Map<String, Object> a = c.args();
    if (c.type().equals("set_knobs") && a.get("lr") instanceof Number n) {
      return n.doubleValue();
    }
    if (c.type().equals("scale_knob")
        && "lr".equals(a.get("knob"))
        && a.get("factor") instanceof Number f) {
      return before * f.doubleValue();
    }
    return Double.NaN;
  }
}
