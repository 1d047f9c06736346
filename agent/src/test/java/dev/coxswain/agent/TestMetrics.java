package dev.coxswain.agent;

import java.util.LinkedHashMap;
import java.util.Map;

/** A metrics event's payload as the trainer writes it, for supervisor tests that feed steps. */
final class TestMetrics {
  private TestMetrics() {}

  /**
   * A healthy step: a loss falling by 0.001 a step, gradient norm 1, nothing clipped or skipped.
   */
  static Map<String, Object> step(long step, Object lr) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("loss", 3.0 - step * 0.001);
    m.put("lr", lr);
    m.put("grad_norm", 1.0);
    m.put("clip_scale", 1.0);
    m.put("tokens_per_s", 100.0);
    m.put("step_ms", 10.0);
    m.put("skipped", false);
    return m;
  }
}
