package dev.coxswain.run;

import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.AgentState;
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

  /** The last health event's payload with its step; an empty object before one. */
  public static RunView.LastHealth lastHealth(RunState fold) {
    return fold.lastHealth()
        .map(h -> new RunView.LastHealth(h.value(), h.step()))
        .orElse(RunView.LastHealth.NONE);
  }

  /** The live branch's last evaluation (payload, step, branch); an empty object before one. */
  public static RunView.LastEval lastEval(RunState fold) {
    return fold.lastEval(fold.branch())
        .map(e -> new RunView.LastEval(e.value(), e.step(), e.branch()))
        .orElse(RunView.LastEval.NONE);
  }

  /**
   * The run's state for the API (no secrets: run.json's agent section is redacted by its writer).
   *
   * @param status the run's status as its store tells it
   * @param failure why the run failed without an event, or null
   */
  static RunView state(
      String runId,
      Map<String, Object> runJson,
      RunState fold,
      long lastSeq,
      String status,
      String failure) {
    return new RunView(
        runId,
        status,
        failure,
        fold.step(),
        fold.branch(),
        lastSeq,
        runJson.get("config") instanceof Map<?, ?> config ? config.get("max_steps") : null,
        fold.knobs(),
        fold.actions(),
        fold.lastMetrics()
            .map(m -> new RunView.LastMetrics(m.value()))
            .orElse(RunView.LastMetrics.NONE),
        lastEval(fold),
        agentNow(runJson, fold),
        runJson.get("started"),
        runJson.get("workload"),
        // what the workload reports and in which units (a run.json from before has none: the
        // console then reads it as the language model it was)
        RunSpec.reports(runJson),
        RunSpec.device(runJson), // what the run trains on (a run from before: none)
        null);
  }

  /**
   * The agent's section of run.json with what the log has changed since: on or off, cadence and
   * policy as the last commands set them, and the budget spent as the last decision said. The
   * section is the agent settings' own (open: a budget, a prompt, an endpoint...).
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
