package dev.coxswain.trainer.loop;

import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.Registry;
import dev.coxswain.trainer.control.ActionHandler;
import dev.coxswain.trainer.control.OwnAction;
import dev.coxswain.trainer.control.OwnKnob;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * A training loop Coxswain does not own, described: its knobs (each with the setter that applies
 * it), its actions (each with a handler), the state its checkpoints keep, its evaluation, and the
 * loop. Hosted by {@code OwnLoopTrainer} exactly where a {@code Workload} is: served all-in-one or
 * joined to a control plane.
 *
 * <pre>{@code
 * OwnLoop gan = OwnLoop.builder("gan")
 *     .knob(Knob.real("lr_d").bounds(1e-6, 1e-2).initial(2e-4).log()
 *         .role(Knob.LEARNING_RATE).describe("discriminator learning rate").build(), v -> lrD = v)
 *     .action(new ActionSpec("freeze_d", "hold the discriminator", true,
 *         List.of(ActionSpec.Field.integer("steps", 1, 1000, "how long"))), this::freeze)
 *     .state("discriminator", StatePart.parameters(disc, manager))
 *     .evaluation(step -> new LoopEvaluation.Result(score(), Map.of()))
 *     .loop(this::train)
 *     .build();
 * }</pre>
 *
 * <p>For exact replay after a {@code load_checkpoint} or a {@code resume}, a step's batches and
 * random draws must depend only on the run's seed and the step number ({@link Steer#seed()}, {@link
 * Steer#step()}), and everything else that changes while training must be a {@link StatePart}. A
 * loop that cannot promise that says so with {@link Builder#notReplayable}: it is still steerable,
 * and its state says a replay is approximate.
 */
public final class OwnLoop {
  private final String name;
  private final List<OwnKnob> knobs;
  private final List<OwnAction> actions;
  private final Map<String, StatePart> state;
  private final LoopEvaluation evaluation;
  private final LoopBody body;
  private final boolean replayable;
  private final Map<String, Object> description;

  private OwnLoop(Builder b) {
    this.name = b.name;
    this.knobs = List.copyOf(b.knobs);
    this.actions = List.copyOf(b.actions);
    this.state = Collections.unmodifiableMap(new LinkedHashMap<>(b.state)); // in order
    this.evaluation = b.evaluation;
    this.body = b.body;
    this.replayable = b.replayable;
    this.description = Map.copyOf(b.description);
  }

  /** Starts describing a loop called {@code name} (a word: it names the run's workload). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public List<OwnKnob> knobs() {
    return knobs;
  }

  public List<OwnAction> actions() {
    return actions;
  }

  /** What the checkpoints keep, by part name, in the order registered (restored in that order). */
  public Map<String, StatePart> state() {
    return state;
  }

  /** The loop's evaluation, or null when it has none ({@code evaluate} is then refused). */
  public LoopEvaluation evaluation() {
    return evaluation;
  }

  public LoopBody body() {
    return body;
  }

  /** Whether a replay from a checkpoint gives the same steps (see the class comment). */
  public boolean replayable() {
    return replayable;
  }

  /** What the run's run.json says of the model (free-form). */
  public Map<String, Object> description() {
    return description;
  }

  /** The knobs and actions as the protocol knows them. */
  public Registry registry() {
    return new Registry(
        knobs.stream().map(OwnKnob::knob).toList(), actions.stream().map(OwnAction::spec).toList());
  }

  /** Describes an {@link OwnLoop}; {@link #build} checks the whole and names what is wrong. */
  public static final class Builder {
    private final String name;
    private final List<OwnKnob> knobs = new ArrayList<>();
    private final List<OwnAction> actions = new ArrayList<>();
    private final Map<String, StatePart> state = new LinkedHashMap<>();
    private final Map<String, Object> description = new LinkedHashMap<>();
    private LoopEvaluation evaluation;
    private LoopBody body;
    private boolean replayable = true;

    private Builder(String name) {
      if (name == null || !name.matches("[a-z][a-z0-9_-]{0,47}")) {
        throw new IllegalArgumentException("a loop's name must match [a-z][a-z0-9_-]*: " + name);
      }
      this.name = name;
    }

    /** A knob, applied through {@code setter} at the control point (and once at the start). */
    public Builder knob(Knob knob, DoubleConsumer setter) {
      knobs.add(new OwnKnob(knob, setter));
      return this;
    }

    /** An action, carried out by {@code handler} at the control point. */
    public Builder action(ActionSpec spec, ActionHandler handler) {
      actions.add(new OwnAction(spec, handler));
      return this;
    }

    /** Part of the state the checkpoints keep (a block's parameters, an optimizer's moments). */
    public Builder state(String part, StatePart saver) {
      if (part == null || !part.matches("[a-z][a-z0-9_-]{0,47}")) {
        throw new IllegalArgumentException("a state part's name must match [a-z][a-z0-9_-]*");
      }
      if (state.putIfAbsent(part, Objects.requireNonNull(saver, part)) != null) {
        throw new IllegalArgumentException("two state parts are named '" + part + "'");
      }
      return this;
    }

    public Builder evaluation(LoopEvaluation e) {
      this.evaluation = e;
      return this;
    }

    public Builder loop(LoopBody b) {
      this.body = b;
      return this;
    }

    /** The loop's steps do not depend only on seed and step: replays are approximate. */
    public Builder notReplayable() {
      this.replayable = false;
      return this;
    }

    /** Free-form facts about the model for run.json (sizes, parameter counts). */
    public Builder describe(String key, Object value) {
      description.put(key, value);
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the knob or action registered twice, or a missing
     *     loop
     */
    public OwnLoop build() {
      Objects.requireNonNull(body, "loop '" + name + "' needs its loop (loop(steer -> ...))");
      new Registry(
          knobs.stream().map(OwnKnob::knob).toList(),
          actions.stream().map(OwnAction::spec).toList()); // throws on a name given twice
      return new OwnLoop(this);
    }
  }
}
