package dev.coxswain.trainer;

import dev.coxswain.protocol.EventType;
import dev.coxswain.trainer.checkpoint.CheckpointMeta;
import dev.coxswain.trainer.health.HealthMonitor;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

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
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("kind", "nonfinite");
      h.put("loss", String.valueOf(r.loss()));
      h.put("grad_norm", String.valueOf(r.gradNorm()));
      h.put("action", "skipped the update; gradients zeroed, weights unchanged");
      events.emit(EventType.HEALTH, h);
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
                    EventType.HEALTH,
                    Map.of(
                        "kind", "spike",
                        "loss", spike.loss(),
                        "window_mean", spike.mean(),
                        "ratio", spike.ratio())));
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
