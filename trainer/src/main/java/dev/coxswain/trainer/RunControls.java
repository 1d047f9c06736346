package dev.coxswain.trainer;

import dev.coxswain.trainer.command.CommandHandlers;
import dev.coxswain.trainer.command.KnobCommands;
import dev.coxswain.trainer.control.Actions;
import dev.coxswain.trainer.control.Knobs;

/**
 * What a run on Coxswain's loop lets be steered: the optimizer's knobs (the config's start lr, its
 * overrides' bounds), each parameter group's lr multiplier, the workload's knobs and actions; and
 * the commands that set and call them.
 */
final class RunControls {
  private final Knobs knobs;
  private final Actions actions = new Actions();
  private final KnobCommands knobCommands;

  RunControls(TrainerConfig config, Learner learner, Workload workload, TrainerEvents events) {
    this.knobs = Knobs.of(config.optimizer().knobs(config.lr()));
    // the start lr is the config's; an lr override contributes its bounds
    config
        .knobOverrides()
        .forEach(k -> knobs.register(k.name().equals("lr") ? k.withValue(config.lr()) : k));
    learner.groupKnobs().forEach(knobs::register); // lr_mult.<group>: read by each step
    workload.knobs().forEach(k -> knobs.register(k.knob(), k.setter()));
    workload.actions().forEach(a -> actions.register(a.spec(), a.handler()));
    this.knobCommands = new KnobCommands(knobs, events::emit);
  }

  Knobs knobs() {
    return knobs;
  }

  /** Registers the knob commands and the workload's actions. */
  void registerWith(CommandHandlers handlers) {
    knobCommands.registerWith(handlers);
    actions.registerWith(handlers);
  }

  /** Says which knobs and actions the run has, in a {@code knobs} event. */
  void announce() {
    knobCommands.announce(actions.specs());
  }
}
