package dev.coxswain.trainer;

import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.health.HealthMonitor;
import java.util.ArrayDeque;

/** The training loss's health: skipped non-finite steps, spikes, the recent finite losses. */
final class HealthWatch implements TrainingListener {
  private static final int LOSS_TAIL = 20;

  private final HealthMonitor monitor;
  private final TrainerEvents events;
  private final ArrayDeque<Double> lossTail = new ArrayDeque<>();
  private double lastLoss = Double.NaN;
  private long skipped;

  HealthWatch(TrainerConfig config, TrainerEvents events) {
    this.monitor = new HealthMonitor(config.spikeFactor(), config.spikeWindow());
    this.events = events;
  }

  // a skipped step says so; a finite one feeds the spike check
  @Override
  public void afterStep(StepResult r) {
    if (!r.finite()) {
      skipped++;
      events.emit(
          new Payload.Health(
              "nonfinite",
              null,
              r.loss(),
              null,
              null,
              r.gradNorm(),
              "skipped the update; gradients zeroed, weights unchanged",
              null));
      return;
    }
    lastLoss = r.loss();
    lossTail.addLast(r.loss());
    if (lossTail.size() > LOSS_TAIL) {
      lossTail.removeFirst();
    }
    monitor
        .observe(r.loss())
        .ifPresent(
            spike ->
                events.emit(
                    new Payload.Health(
                        "spike",
                        null,
                        spike.loss(),
                        spike.mean(),
                        spike.ratio(),
                        null,
                        null,
                        null)));
  }

  // the old losses say nothing about the weights put back; the checkpoint's own loss does
  @Override
  public void onRestore(CheckpointMeta from) {
    monitor.reset();
    lossTail.clear();
    lastLoss = from.loss() == null ? Double.NaN : from.loss();
  }

  /** The loss of the last finite step (or of the checkpoint restored since), NaN before any. */
  double lastLoss() {
    return lastLoss;
  }

  /** The mean of the last (up to) 20 finite losses. */
  double tailLoss() {
    return lossTail.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  long skipped() {
    return skipped;
  }
}
