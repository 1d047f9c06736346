package dev.coxswain.server.metrics;

import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.ResultDetails;
import dev.coxswain.run.RunStore;
import dev.coxswain.run.RunView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's gauges (label {@code run}), fed from its events as its store records them: a listener
 * on the store, seeded once from what the store already holds (a run found on disk, or events
 * recorded before the control plane saw the run). Nothing here reads a file or polls.
 *
 * <p>Every value is the last one the run published, so a finished run keeps its last step, losses
 * and knobs; {@link #close} removes them all when the run leaves the registry.
 */
final class RunMeters implements Consumer<Event> {
  private static final Logger LOG = LoggerFactory.getLogger(RunMeters.class);

  /** The statuses a run can be in; {@code lost} is the control plane's, from missed heartbeats. */
  static final List<String> STATUSES =
      List.of("created", "running", "paused", "resuming", "finished", "stopped", "failed", "lost");

  static final String STEP = "coxswain.run.step";
  static final String MAX_STEPS = "coxswain.run.max.steps";
  static final String TRAIN_LOSS = "coxswain.run.train.loss";
  static final String GRAD_NORM = "coxswain.run.grad.norm";
  static final String TOKENS_PER_SECOND = "coxswain.run.throughput.tokens.per.second";
  static final String STEP_SECONDS = "coxswain.run.step.duration.seconds";
  static final String EVAL_LOSS = "coxswain.run.eval.loss";
  static final String EVAL_METRIC = "coxswain.run.eval.metric";
  static final String KNOB = "coxswain.run.knob";
  static final String STEP_VALUE = "coxswain.run.step.value";
  static final String STATUS = "coxswain.run.status";
  static final String LAST_EVENT = "coxswain.run.last.event.timestamp.seconds";

  private final RunStore store;
  private final MeterSet meters;
  private final BooleanSupplier lost;
  private final Runnable afterEvent;
  private final Set<String> statuses = ConcurrentHashMap.newKeySet();
  private volatile String status = "created";

  /**
   * @param lost whether the run's trainer has missed its heartbeats (the registry's word)
   * @param afterEvent called after each event (the agent's meters start with the first one)
   */
  RunMeters(MeterRegistry registry, RunStore store, BooleanSupplier lost, Runnable afterEvent) {
    this.store = store;
    this.meters = new MeterSet(registry, Tags.of("run", store.runId()));
    this.lost = lost;
    this.afterEvent = afterEvent;
  }

  /** Registers the status gauges, then listens to the store, seeded from what it holds now. */
  void start() {
    STATUSES.forEach(this::statusGauge);
    if (store.runJson().get("config") instanceof Map<?, ?> config
        && config.get("max_steps") instanceof Number max) {
      meters.set(MAX_STEPS, "the step the run is configured to end at", max.doubleValue());
    }
    // under the store's lock no event can be recorded between the seed and the listener
    synchronized (store) {
      store.addListener(this);
      seed(store.view(), store.lastEventTime());
    }
  }

  private void statusGauge(String s) {
    if (statuses.size() < MeterSet.MAX_LABELS && statuses.add(s)) {
      meters.function(
          STATUS,
          "1 for the run's current status, 0 for the others",
          "status",
          s,
          () -> current().equals(s) ? 1 : 0);
    }
  }

  private String current() {
    if (lost.getAsBoolean()) {
      return "lost";
    }
    // a failure its trainer could not log has no event: the store knows it
    return "failed".equals(store.status()) ? "failed" : status;
  }

  private void seed(RunView state, Instant lastEvent) {
    status(state.status());
    meters.set(STEP, "the run's current step", state.step());
    if (state.lastMetrics().metrics() != null) {
      metrics(state.lastMetrics().metrics());
    }
    if (state.lastEval().eval() != null) {
      eval(state.lastEval().eval());
    }
    for (Knob k : state.knobs()) {
      knob(k.name(), k.value());
    }
    if (lastEvent != null) {
      meters.set(LAST_EVENT, "when the run's last event was recorded", seconds(lastEvent));
    }
  }

  /** The store's listener: never throws, so that recording an event never fails because of it. */
  @Override
  public void accept(Event e) {
    try {
      onEvent(e);
      afterEvent.run();
    } catch (RuntimeException | LinkageError ex) {
      // a class-path mismatch too (seen: a stale jar's NoSuchMethodError broke a replica's write)
      LOG.debug("metrics of run {}: {} on a {} event", store.runId(), ex.toString(), e.type());
    }
  }

  private void onEvent(Event e) {
    meters.set(STEP, "the run's current step", e.step());
    meters.set(LAST_EVENT, "when the run's last event was recorded", seconds(e.time()));
    switch (e.type()) {
      case METRICS -> metrics((Payload.Metrics) e.body());
      case EVAL -> eval((Payload.Eval) e.body());
      case STATUS -> status(((Payload.Status) e.body()).status());
      case KNOBS -> ((Payload.Knobs) e.body()).knobs().forEach(this::knob);
      case COMMAND_RESULT -> {
        // an applied knob change says {knob: {from, to}}
        CommandResult r = ((Payload.Result) e.body()).result();
        ResultDetails.knobChanges(r)
            .ifPresent(
                changes ->
                    changes.forEach(
                        (k, c) -> {
                          if (c != null && meters.has(KNOB, "knob", k)) {
                            knob(k, c.to());
                          }
                        }));
      }
      default -> {}
    }
  }

  private void metrics(Payload.Metrics p) {
    number(p.loss(), v -> meters.set(TRAIN_LOSS, "the last step's training loss", v));
    number(
        p.gradNorm(),
        v -> meters.set(GRAD_NORM, "the last step's gradient norm, before clipping", v));
    number(
        p.tokensPerS(),
        v -> meters.set(TOKENS_PER_SECOND, "the last step's training throughput", v));
    number(p.stepMs(), v -> meters.set(STEP_SECONDS, "how long the last step took", v / 1000.0));
    if (p.values() != null) {
      // a loop of its own's named figures (a GAN's two losses): one labelled gauge each
      p.values()
          .forEach(
              (name, value) ->
                  number(
                      value,
                      v ->
                          meters.set(
                              STEP_VALUE,
                              "the last step's named figures (a loop of its own)",
                              "name",
                              name,
                              v)));
    }
  }

  private void eval(Payload.Eval p) {
    meters.set(EVAL_LOSS, "the last validation loss", p.evalLoss());
    if (p.metrics() != null) {
      p.metrics()
          .forEach(
              (name, value) ->
                  number(
                      value,
                      v ->
                          meters.set(
                              EVAL_METRIC,
                              "the workload's metrics at the last evaluation",
                              "metric",
                              name,
                              v)));
    }
  }

  private void knob(String name, Object value) {
    number(value, v -> meters.set(KNOB, "the knob's current value (lr, ...)", "knob", name, v));
  }

  private void status(Object s) {
    if (s instanceof String str && MeterSet.labelable(str)) {
      statusGauge(str); // a status this version does not know still shows, within bounds
      status = str;
    }
  }

  private static void number(Object o, java.util.function.DoubleConsumer to) {
    if (o instanceof Number n) {
      to.accept(n.doubleValue());
    }
  }

  private static double seconds(Instant t) {
    return t.toEpochMilli() / 1000.0;
  }

  /** Stops listening and removes every gauge of the run. */
  void close() {
    store.removeListener(this);
    meters.close();
  }
}
