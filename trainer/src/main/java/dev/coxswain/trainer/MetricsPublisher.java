package dev.coxswain.trainer;

import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import java.util.Map;

/** Publishes each step's {@code metrics} event and keeps the last one for readers on any thread. */
final class MetricsPublisher implements TrainingListener {
  private final TrainerEvents events;
  private volatile Map<String, Object> lastMetrics = Map.of();
  private volatile long firstStepDoneMillis;

  MetricsPublisher(TrainerEvents events) {
    this.events = events;
  }

  @Override
  public void afterStep(StepResult r) {
    boolean finite = r.finite();
    Payload.Metrics m =
        new Payload.Metrics(
            finite ? r.loss() : null,
            r.lr(),
            Double.isFinite(r.gradNorm()) ? r.gradNorm() : null,
            r.clipScale(),
            Double.isFinite(r.updateRatio()) ? r.updateRatio() : null,
            r.tokens() / (r.millis() / 1000),
            r.millis(),
            !finite);
    lastMetrics = Payloads.encode(m);
    if (firstStepDoneMillis == 0) {
      firstStepDoneMillis = System.currentTimeMillis();
    }
    events.emit(m);
  }

  Map<String, Object> lastMetrics() {
    return lastMetrics;
  }

  long firstStepDoneMillis() {
    return firstStepDoneMillis;
  }
}
