package dev.coxswain.experiment;

import dev.coxswain.protocol.Goal;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The contradictions an LR-recovery experiment's fields can hold between them, each refused with a
 * message naming the fields: an evaluation or an agent cadence longer than the run, a rollback with
 * no checkpoint in reach, a plateau arm that could never act, an arm starting above the lr knob's
 * maximum; and the pretraining and goal checks that its parser makes on the way.
 */
final class LrRecoveryConfigChecks {
  private LrRecoveryConfigChecks() {}

  /** The pretraining fits in the run and ends on a checkpoint. */
  static void pretrain(String origin, long pretrainSteps, long steps, int checkpointEvery)
      throws InvalidExperimentException {
    if (pretrainSteps >= steps) {
      throw new InvalidExperimentException(
          origin
              + ": 'pretrain.steps' ("
              + pretrainSteps
              + ") must be below 'steps' ("
              + steps
              + "), which counts the pretraining too");
    }
    if (pretrainSteps > 0 && pretrainSteps % checkpointEvery != 0) {
      throw new InvalidExperimentException(
          origin
              + ": 'pretrain.steps' ("
              + pretrainSteps
              + ") is not a multiple of 'checkpoint_every' ("
              + checkpointEvery
              + "): the pretrained model must be a checkpoint a rollback can return to");
    }
  }

  /** A goal on a metric the default workload reports, its deadline after the pretraining. */
  static void goal(String origin, Goal g, long steps, long pre) throws InvalidExperimentException {
    if (!List.of("eval_loss", "perplexity").contains(g.metric())) {
      throw new InvalidExperimentException(
          origin
              + ": goal.metric: the workload reports no metric '"
              + g.metric()
              + "'; it reports eval_loss, perplexity");
    }
    if (g.deadline() != null && (g.deadline() <= pre || g.deadline() > steps)) {
      throw new InvalidExperimentException(
          origin
              + ": goal.deadline ("
              + g.deadline()
              + ") must lie after the pretraining ("
              + pre
              + ") and at most at 'steps' ("
              + steps
              + ")");
    }
  }

  /** The contradictions between sections, checked once every section has been read. */
  static void check(LrRecoveryConfig c, String origin) throws InvalidExperimentException {
    if (c.evalEvery() > c.steps()) {
      throw new InvalidExperimentException(
          origin
              + ": 'eval_every' ("
              + c.evalEvery()
              + ") is more than 'steps' ("
              + c.steps()
              + "): no evaluation would fall inside the run");
    }
    if (c.agentEvery() > c.steps()) {
      throw new InvalidExperimentException(
          origin
              + ": 'arms.agent.every' ("
              + c.agentEvery()
              + ") is more than 'steps' ("
              + c.steps()
              + "): the agent would never decide");
    }
    if (c.checkpointEvery() > c.agentEvery()) {
      throw new InvalidExperimentException(
          origin
              + ": 'checkpoint_every' ("
              + c.checkpointEvery()
              + ") is more than 'arms.agent.every' ("
              + c.agentEvery()
              + "): an automatic rollback needs a checkpoint from within the last window");
    }
    long after = c.steps() - c.pretrainSteps();
    if ((long) c.plateauPatience() * c.evalEvery() >= after) {
      throw new InvalidExperimentException(
          origin
              + ": 'arms.plateau.patience' ("
              + c.plateauPatience()
              + ") times 'eval_every' ("
              + c.evalEvery()
              + ") is not below the steps after pretraining ("
              + after
              + "): the plateau arm could never act");
    }
    maxLr(c, origin);
  }

  /** No arm starts above the lr knob's maximum, when the run section sets one. */
  private static void maxLr(LrRecoveryConfig c, String origin) throws InvalidExperimentException {
    var knobs = c.run().knobs();
    double maxLr =
        knobs != null && knobs.get("lr") != null && knobs.get("lr").max() != null
            ? knobs.get("lr").max()
            : Double.POSITIVE_INFINITY;
    double highest =
        Math.max(
            Math.max(c.highLr(), c.decayLr()),
            Math.max(c.plateauLr(), Collections.max(c.sweepLrs())));
    if (highest > maxLr) {
      throw new InvalidExperimentException(
          String.format(
              Locale.ROOT,
              "%s: an arm starts at lr %g, above 'run.knobs.lr.max' (%g)",
              origin,
              highest,
              maxLr));
    }
  }
}
