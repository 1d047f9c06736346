package dev.coxswain.trainer;

import dev.coxswain.protocol.EventType;
import java.util.LinkedHashMap;
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
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("loss", finite ? r.loss() : null);
    m.put("lr", r.lr());
    m.put("grad_norm", Double.isFinite(r.gradNorm()) ? r.gradNorm() : null);
    m.put("clip_scale", r.clipScale());
    m.put("update_ratio", Double.isFinite(r.updateRatio()) ? r.updateRatio() : null);
    m.put("tokens_per_s", r.tokens() / (r.millis() / 1000));
    m.put("step_ms", r.millis());
    m.put("skipped", !finite);
    lastMetrics = m;
    if (firstStepDoneMillis == 0) {
      firstStepDoneMillis = System.currentTimeMillis();
    }
    events.emit(EventType.METRICS, m);
  }

  Map<String, Object> lastMetrics() {
    return lastMetrics;
  }

  long firstStepDoneMillis() {
    return firstStepDoneMillis;
  }
}
