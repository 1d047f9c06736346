package dev.coxswain.run;

import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.optim.OptimizerChoice;
import dev.coxswain.trainer.optim.ParamGroup;
import java.util.List;

/**
 * The keys of a run's YAML that say how each step trains ({@code optimizer}, {@code param_groups},
 * {@code accumulate}), checked and put into the trainer settings. Whether the groups fit the model
 * is checked once the model is built ({@code RunSpec}), still before anything is written.
 */
final class StepSettings {
  private StepSettings() {}

  /**
   * Puts the optimizer, the parameter groups and the accumulation of {@code c} into {@code b}.
   *
   * @return the optimizer, whose knobs the run registers
   * @throws RunConfig.ConfigException naming the key and the value
   */
  static OptimizerChoice apply(RunConfig c, TrainerConfig.Builder b)
      throws RunConfig.ConfigException {
    OptimizerChoice choice = choice(c.optimizer());
    b.optOptimizer(choice);
    List<RunConfig.ParamGroupSetting> groups =
        c.paramGroups() == null ? List.of() : c.paramGroups();
    for (int i = 0; i < groups.size(); i++) {
      RunConfig.ParamGroupSetting g = groups.get(i);
      if (g == null) {
        throw new RunConfig.ConfigException(
            "param_groups[" + i + "]: empty; a group is {name: ..., match: ..., lr_mult: ...}");
      }
      try {
        b.optParamGroup(new ParamGroup(g.name(), g.match(), g.lrMult() == null ? 1 : g.lrMult()));
      } catch (IllegalArgumentException e) {
        throw new RunConfig.ConfigException(e.getMessage());
      }
    }
    if (c.accumulate() != null) {
      int n = c.accumulate();
      int batch = c.workload().batchSize();
      if (n < 1) {
        throw new RunConfig.ConfigException(
            "accumulate: micro-batches per step must be >= 1, got " + n);
      }
      if (n > batch) {
        throw new RunConfig.ConfigException(
            "accumulate: "
                + n
                + " micro-batches is above data.batch_size "
                + batch
                + " (each micro-batch needs a row of the step's batch)");
      }
      b.optAccumulate(n);
    }
    return choice;
  }

  private static OptimizerChoice choice(RunConfig.OptimizerSetting o)
      throws RunConfig.ConfigException {
    if (o == null) {
      return OptimizerChoice.DEFAULT;
    }
    if (o.name() == null) {
      throw new RunConfig.ConfigException(
          "optimizer.name is required: " + OptimizerChoice.ADAMW + " or " + OptimizerChoice.SGD);
    }
    try {
      return new OptimizerChoice(
          o.name(), o.momentum() == null ? 0 : o.momentum(), o.nesterov() != null && o.nesterov());
    } catch (IllegalArgumentException e) {
      throw new RunConfig.ConfigException(e.getMessage());
    }
  }
}
