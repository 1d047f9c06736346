package dev.coxswain.trainer;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.control.ControlPoint;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** The run's own commands: pause, resume, stop, note, and the agent's settings and messages. */
final class RunCommands {
  private final ControlPoint controlPoint;
  private final Consumer<String> setStatus;
  private final TrainerEvents events;

  /**
   * @param setStatus records and announces the run's status (paused, running)
   */
  RunCommands(ControlPoint controlPoint, Consumer<String> setStatus, TrainerEvents events) {
    this.controlPoint = controlPoint;
    this.setStatus = setStatus;
    this.events = events;
  }

  void registerWith(CommandHandlers h) {
    h.register(Action.Pause.class, (c, a, next) -> pause(c, true, next))
        .register(Action.Resume.class, (c, a, next) -> pause(c, false, next))
        .register(
            Action.Stop.class,
            (c, a, next) -> {
              controlPoint.requestStop();
              return CommandResult.applied(c, next, Map.of("last_step", next - 1));
            })
        .register(
            Action.Note.class,
            (c, a, next) -> {
              events.emit(new Payload.Note(a.text(), c.source().wire()));
              return CommandResult.applied(c, next, Map.of());
            })
        // the agent lives outside the trainer: it reads its settings and a person's words from
        // these results
        .register(
            Action.Agent.class, (c, a, next) -> CommandResult.applied(c, next, agentDetail(a)))
        .register(
            Action.TellAgent.class,
            (c, a, next) ->
                CommandResult.applied(
                    c,
                    next,
                    a.text() == null ? Map.of("withdrawn", true) : Map.of("text", a.text())));
  }

  private static Map<String, Object> agentDetail(Action.Agent a) {
    Map<String, Object> d = new LinkedHashMap<>();
    if (a.enabled() != null) {
      d.put("enabled", a.enabled());
    }
    if (a.every() != null) {
      d.put("every", a.every());
    }
    if (a.policy() != null) {
      d.put("policy", a.policy());
    }
    return d;
  }

  private CommandResult pause(Command c, boolean pause, long nextStep) {
    if (controlPoint.isPaused() == pause) {
      return CommandResult.rejected(
          c, nextStep, pause ? "the run is already paused" : "the run is not paused");
    }
    controlPoint.setPaused(pause);
    setStatus.accept(pause ? "paused" : "running");
    return CommandResult.applied(
        c, nextStep, pause ? Map.of("paused_before_step", nextStep) : Map.of());
  }
}
