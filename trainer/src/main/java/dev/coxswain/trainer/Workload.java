package dev.coxswain.trainer;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.loss.Loss;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.control.ActionHandler;
import dev.coxswain.trainer.control.OwnAction;
import dev.coxswain.trainer.control.OwnKnob;
import dev.coxswain.trainer.data.BatchSource;
import dev.coxswain.trainer.metric.EvalMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * What to train: a DJL block, the shape of its input, a loss and a source of batches. This is the
 * whole library API surface a user needs to put their own model under the control point.
 */
public final class Workload {
  /**
   * The knobs of Coxswain's own loop (its AdamW or SGD, and clipping); the {@code lr_mult.<group>}
   * knobs of parameter groups are taken too when the run has them.
   */
  public static final List<String> BUILT_IN_KNOBS =
      List.of("lr", "weight_decay", "max_grad_norm", "beta1", "beta2", "eps", "momentum");

  private final String name;
  private final Block block;
  private final Shape[] inputShapes;
  private final Loss loss;
  private final BatchSource data;
  private final Map<String, Object> description;
  private final List<EvalMetric> metrics;
  private final Kind kind;
  private final List<OwnKnob> knobs;
  private final List<OwnAction> actions;

  /**
   * What a workload is, for the figures a person reads: whether its loss has a perplexity and what
   * one unit of its throughput is (a batch's {@code tokens} count).
   */
  public enum Kind {
    /** A per-token cross-entropy: its perplexity means something; throughput in tokens/s. */
    LANGUAGE_MODEL("language_model", true, "tokens"),
    /** Examples put into classes: throughput in samples/s; accuracy and such are its metrics. */
    CLASSIFIER("classifier", false, "samples"),
    /** Anything else: the loss and its metrics only; throughput in samples/s. */
    OTHER("other", false, "samples");

    private final String wire;
    private final boolean perplexity;
    private final String unit;

    Kind(String wire, boolean perplexity, String unit) {
      this.wire = wire;
      this.perplexity = perplexity;
      this.unit = unit;
    }

    public String wire() {
      return wire;
    }
  }

  private Workload(Builder b) {
    this.name = b.name;
    this.block = b.block;
    this.inputShapes = b.inputShapes;
    this.loss = b.loss;
    this.data = b.data;
    this.description = b.description;
    this.metrics = List.copyOf(b.metrics);
    this.kind = b.kind;
    this.knobs = List.copyOf(b.knobs);
    this.actions = List.copyOf(b.actions);
  }

  public static Builder builder() {
    return new Builder();
  }

  public String name() {
    return name;
  }

  public Block block() {
    return block;
  }

  public Shape[] inputShapes() {
    return inputShapes.clone();
  }

  public Loss loss() {
    return loss;
  }

  public BatchSource data() {
    return data;
  }

  /** The metrics reported at every evaluation besides the validation loss. */
  public List<EvalMetric> metrics() {
    return metrics;
  }

  /** Model description for run.json (sizes, parameter count is added by the trainer). */
  public Map<String, Object> description() {
    return description;
  }

  public Kind kind() {
    return kind;
  }

  /** Knobs of the workload's own (a loss weight, a curriculum level), beside the optimizer's. */
  public List<OwnKnob> knobs() {
    return knobs;
  }

  /** Actions of the workload's own. */
  public List<OwnAction> actions() {
    return actions;
  }

  /**
   * What the run reports and in which units, for run.json and the console: its kind, whether a
   * perplexity means anything, tokens or samples, and the names of its own evaluation metrics.
   */
  public RunReports reports() {
    return new RunReports(
        kind.wire,
        kind.perplexity,
        kind.unit,
        metrics.stream().map(EvalMetric::name).toList(),
        null);
  }

  /** Builds a {@link Workload}; {@code setX} is required, {@code optX} optional. */
  public static final class Builder {
    private String name = "custom";
    private Block block;
    private Shape[] inputShapes;
    private Loss loss;
    private BatchSource data;
    private Map<String, Object> description = Map.of();
    private final List<EvalMetric> metrics = new ArrayList<>();
    private Kind kind = Kind.OTHER;
    private final List<OwnKnob> knobs = new ArrayList<>();
    private final List<OwnAction> actions = new ArrayList<>();

    /**
     * A knob of the workload's own, applied through {@code setter} at the control point, snapshot
     * in checkpoints and steerable like the optimizer's.
     *
     * @throws IllegalArgumentException for a name taken by an optimizer knob or another knob
     */
    public Builder optKnob(Knob knob, DoubleConsumer setter) {
      if (BUILT_IN_KNOBS.contains(knob.name())
          || knobs.stream().anyMatch(k -> k.knob().name().equals(knob.name()))) {
        throw new IllegalArgumentException(
            "knob '" + knob.name() + "' is taken (built-in knobs: " + BUILT_IN_KNOBS + ")");
      }
      knobs.add(new OwnKnob(knob, setter));
      return this;
    }

    /**
     * An action of the workload's own, carried out by {@code handler} at the control point.
     *
     * @throws IllegalArgumentException for a name registered twice
     */
    public Builder optAction(ActionSpec spec, ActionHandler handler) {
      if (actions.stream().anyMatch(a -> a.spec().name().equals(spec.name()))) {
        throw new IllegalArgumentException("two actions are named '" + spec.name() + "'");
      }
      actions.add(new OwnAction(spec, handler));
      return this;
    }

    public Builder setBlock(Block block) {
      this.block = block;
      return this;
    }

    /** The shape(s) of one input batch, used to initialize the block's parameters. */
    public Builder setInputShape(Shape... shapes) {
      this.inputShapes = shapes.clone();
      return this;
    }

    public Builder setLoss(Loss loss) {
      this.loss = loss;
      return this;
    }

    public Builder setData(BatchSource data) {
      this.data = data;
      return this;
    }

    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    /**
     * Reports this metric at every evaluation (e.g. {@link EvalMetric#accuracy()}).
     *
     * @throws IllegalArgumentException for a name that is not an identifier, is taken, or is one
     *     the evaluation reports already
     */
    public Builder optMetric(EvalMetric metric) {
      String name = metric.name();
      if (name == null || !EvalMetric.NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "metric name '"
                + name
                + "' must be 1-32 lower-case letters, digits or '_', starting with a letter");
      }
      if (name.equals("loss") || name.equals("perplexity")) {
        throw new IllegalArgumentException("metric name '" + name + "' is reported already");
      }
      if (metrics.stream().anyMatch(m -> m.name().equals(name))) {
        throw new IllegalArgumentException("two metrics are named '" + name + "'");
      }
      metrics.add(metric);
      return this;
    }

    /** What the workload is (default {@link Kind#OTHER}: loss only, samples/s). */
    public Builder optKind(Kind kind) {
      this.kind = Objects.requireNonNull(kind, "kind");
      return this;
    }

    public Builder optDescription(Map<String, Object> description) {
      this.description = Map.copyOf(description);
      return this;
    }

    public Workload build() {
      Objects.requireNonNull(block, "workload needs a block (setBlock)");
      Objects.requireNonNull(inputShapes, "workload needs the input shape (setInputShape)");
      Objects.requireNonNull(loss, "workload needs a loss (setLoss)");
      Objects.requireNonNull(data, "workload needs a batch source (setData)");
      return new Workload(this);
    }
  }
}
