package dev.coxswain.server.run;

import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.AgentState;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.protocol.event.RunState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's state (its {@link RunState} fold and run.json) in the shapes the API and the runs
 * overview read. Pure functions: the caller holds the store's lock.
 */
public final class StateViews {
  private StateViews() {}

  /** Knob specs (name, type, value, min, max, description) as last published, values current. */
  public static List<Map<String, Object>> knobs(RunState fold) {
    return fold.knobs().stream().map(Json::toMap).toList();
  }

  /** The last training losses, averaged into at most {@code points} buckets (oldest first). */
  public static List<Double> lossSparkline(RunState fold, int points) {
    List<Double> all = fold.lossTail();
    if (all.size() <= points) {
      return all;
    }
    List<Double> out = new ArrayList<>(points);
    for (int i = 0; i < points; i++) {
      int from = (int) ((long) i * all.size() / points);
      int to = (int) ((long) (i + 1) * all.size() / points);
      double sum = 0;
      for (int j = from; j < to; j++) {
        sum += all.get(j);
      }
      out.add(sum / (to - from));
    }
    return out;
  }

  /** The last health event's payload (with its step), or an empty map. */
  public static Map<String, Object> lastHealth(RunState fold) {
    return fold.lastHealth()
        .map(
            h -> {
              Map<String, Object> m = new LinkedHashMap<>(Payloads.encode(h.value()));
              m.put("step", h.step());
              return m;
            })
        .orElse(Map.of());
  }

  /** The live branch's last evaluation (payload, step, branch), or an empty map. */
  public static Map<String, Object> lastEval(RunState fold) {
    return fold.lastEval(fold.branch())
        .map(
            e -> {
              Map<String, Object> m = new LinkedHashMap<>(Payloads.encode(e.value()));
              m.put("step", e.step());
              m.put("branch", e.branch());
              return m;
            })
        .orElse(Map.of());
  }

  /**
   * The run's state for the API (no secrets: run.json's agent section is redacted by its writer).
   *
   * @param status the run's status as its store tells it
   * @param failure why the run failed without an event, or null
   */
  static Map<String, Object> state(
      String runId,
      Map<String, Object> runJson,
      RunState fold,
      long lastSeq,
      String status,
      String failure) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("id", runId);
    s.put("status", status);
    if (failure != null) {
      s.put("failure", failure);
    }
    s.put("step", fold.step());
    s.put("branch", fold.branch());
    s.put("last_seq", lastSeq);
    s.put("max_steps", ((Map<?, ?>) runJson.getOrDefault("config", Map.of())).get("max_steps"));
    s.put("knobs", knobs(fold));
    s.put("actions", fold.actions().stream().map(Json::toMap).toList());
    s.put("last_metrics", fold.lastMetrics().map(m -> Payloads.encode(m.value())).orElse(Map.of()));
    s.put("last_eval", lastEval(fold));
    s.put("agent", agentNow(runJson, fold));
    s.put("started", runJson.get("started"));
    s.put("workload", runJson.get("workload"));
    // what the workload reports and in which units (a run.json from before has none: the console
    // then reads it as the language model it was)
    s.put("reports", runJson.get("reports"));
    s.put("device", runJson.get("device")); // what the run trains on (a run from before: none)
    return s;
  }

  /**
   * The agent's section of run.json with what the log has changed since: on or off, cadence and
   * policy as the last commands set them, and the budget spent as the last decision said.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> agentNow(Map<String, Object> runJson, RunState fold) {
    if (!(runJson.get("agent") instanceof Map<?, ?> section) || "off".equals(section.get("mode"))) {
      return Map.of("mode", "off");
    }
    Map<String, Object> a = new LinkedHashMap<>((Map<String, Object>) section);
    AgentState c = fold.agent();
    a.put("enabled", c.enabled() == null || c.enabled());
    if (c.every() != null) {
      a.put("every", c.every());
    }
    a.put("policy", c.policy() != null ? c.policy() : a.get("mode"));
    if (c.spentUsd() != null) {
      a.put("spent_usd", c.spentUsd());
    }
    return a;
  }
}
