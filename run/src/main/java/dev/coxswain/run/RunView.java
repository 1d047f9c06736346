package dev.coxswain.run;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.trainer.RunReports;
import dev.coxswain.trainer.device.RunDevice;
import java.util.List;
import java.util.Map;

/**
 * A run's state as the API serves it ({@code GET /api/runs/{id}}): its fold and run.json's sections
 * in one object. A field that is null is absent from the JSON, as it has always been (a run.json
 * from before devices were recorded gives no {@code device}).
 *
 * @param failure why the run failed without an event (its trainer could not log it), else absent
 * @param maxSteps run.json's {@code config.max_steps}
 * @param agent run.json's agent section with what the log changed since (see {@link StateViews})
 * @param reports what the run reports and in which units; null for a run.json from before
 * @param device what the run trains on; null for a run.json from before
 * @param live whether a trainer is attached now: the API's own, absent in the store's view
 */
public record RunView(
    String id,
    String status,
    String failure,
    long step,
    String branch,
    long lastSeq,
    Object maxSteps,
    List<Knob> knobs,
    List<ActionSpec> actions,
    LastMetrics lastMetrics,
    LastEval lastEval,
    Map<String, Object> agent,
    Object started,
    Object workload,
    RunReports reports,
    RunDevice.Section device,
    Boolean live) {

  /** The same view with whether a trainer is attached, and {@code lost} as the status if lost. */
  public RunView served(boolean lost, boolean live) {
    return new RunView(
        id,
        lost ? "lost" : status, // its trainer missed its heartbeats
        failure,
        step,
        branch,
        lastSeq,
        maxSteps,
        knobs,
        actions,
        lastMetrics,
        lastEval,
        agent,
        started,
        workload,
        reports,
        device,
        live);
  }

  /** The last metrics event's payload; an empty object before the first. */
  public record LastMetrics(@JsonUnwrapped Payload.Metrics metrics) {
    public static final LastMetrics NONE = new LastMetrics(null);
  }

  /** The live branch's last evaluation with its step and branch; an empty object before one. */
  public record LastEval(@JsonUnwrapped Payload.Eval eval, Long step, String branch) {
    public static final LastEval NONE = new LastEval(null, null, null);
  }

  /** The last health event's payload with its step; an empty object before one. */
  public record LastHealth(@JsonUnwrapped Payload.Health health, Long step) {
    public static final LastHealth NONE = new LastHealth(null, null);
  }
}
