package dev.coxswain.run;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.device.DeviceChoice;
import dev.coxswain.trainer.optim.OptimizerChoice;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A run's configuration as written in YAML (snake_case keys; every key optional). Unknown keys are
 * errors, so a typo never silently falls back to a default.
 *
 * <pre>
 * max_steps: 600
 * seed: 42
 * lr: 0.003
 * eval_every: 100
 * checkpoint_every: 200
 * keep_checkpoints: 3
 * update_ratio_every: 10
 * read_every: 1      # read the steps' figures back every N steps, at once for a command
 * spike: {factor: 2.0, window: 100}
 * model: {layers: 2, embed: 128, heads: 4, context: 64}
 * # or GPT-2 small's shape (12 layers, 768 wide, 12 heads, context 1024, gpt2 BPE, batch 8):
 * # model: {preset: gpt2-small}     # any size given beside it wins over the preset's
 * data: {corpus: data/sotu, holdout_every: 10, batch_size: 32, validation_batches: 16,
 *        tokenizer: char}     # or gpt2: GPT-2's BPE (jtokkit r50k_base)
 * # or named sources of the corpus directory, mixed by weight (char tokens):
 * # data: {corpus: data/sotu, sources: {early: "1[78]*.txt", late: "{19,20}*.txt"},
 * #        weights: {early: 1, late: 0}}
 * knobs: {lr: {min: 0, max: 1, agent_floor: 1e-6}, weight_decay: {value: 0.1}}
 *     # agent_floor: the agent never takes the knob below it (a person may); lr's default is
 *     # 1/1000 of the lowest lr the run trained well at
 * goal: {metric: eval_loss, target: 1.45, deadline: 1200, patience: 3, stop_early: true}
 * device: auto        # cpu, gpu, gpu:N; auto takes a GPU when the loaded libtorch has CUDA and sees one
 * optimizer: {name: sgd, momentum: 0.9, nesterov: true}   # default adamw
 * param_groups: [{name: embeddings, match: [tokens, positions], lr_mult: 0.1}]
 * accumulate: 4        # micro-batches per step (of data.batch_size rows together)
 * </pre>
 */
public record RunConfig(
    String runId,
    Long maxSteps,
    Long seed,
    Double lr,
    Integer evalEvery,
    Integer checkpointEvery,
    Integer keepCheckpoints,
    Integer updateRatioEvery,
    Integer readEvery,
    Spike spike,
    Model model,
    Data data,
    Map<String, KnobSetting> knobs,
    Map<String, Object> goal,
    String device,
    OptimizerSetting optimizer,
    List<ParamGroupSetting> paramGroups,
    Integer accumulate) {

  /** Loss-spike detection. */
  public record Spike(Double factor, Integer window) {}

  /**
   * GPT size: a preset ({@code char}, the default, or {@code gpt2-small}; it also chooses the
   * tokenizer and batch size unless {@code data} says), each size given here written over it.
   */
  public record Model(
      Integer layers, Integer embed, Integer heads, Integer context, String preset) {}

  /** Corpus and batching. */
  public record Data(
      String corpus,
      Integer holdoutEvery,
      Integer batchSize,
      Integer validationBatches,
      String tokenizer,
      Map<String, String> sources,
      Map<String, Double> weights) {}

  /**
   * Start value and bounds of one knob, and the floor under the agent ({@code agent_floor}: the
   * agent may not take the knob below it; a person may).
   */
  public record KnobSetting(Double value, Double min, Double max, Double agentFloor) {}

  /** The optimizer: {@code adamw} (the default) or {@code sgd} with its momentum. */
  public record OptimizerSetting(String name, Double momentum, Boolean nesterov) {}

  /** A parameter group: its name, the paths (globs) it takes, its starting {@code lr_mult}. */
  public record ParamGroupSetting(
      String name,
      @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> match,
      Double lrMult) {}

  /** A configuration error, naming the file and the key. */
  public static final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

  /** The same configuration with command-line values (where not null) written over it. */
  public RunConfig withOverrides(String id, Long steps, Double rate, Long seedValue, Path corpus) {
    Data d = data == null ? new Data(null, null, null, null, null, null, null) : data;
    if (corpus != null) {
      d =
          new Data(
              corpus.toString(),
              d.holdoutEvery(),
              d.batchSize(),
              d.validationBatches(),
              d.tokenizer(),
              d.sources(),
              d.weights());
    }
    return new RunConfig(
        id != null ? id : runId,
        steps != null ? steps : maxSteps,
        seedValue != null ? seedValue : seed,
        rate != null ? rate : lr,
        evalEvery,
        checkpointEvery,
        keepCheckpoints,
        updateRatioEvery,
        readEvery,
        spike,
        model,
        d,
        knobs,
        goal,
        device,
        optimizer,
        paramGroups,
        accumulate);
  }

  /** The same configuration on another device ({@code --device}); null keeps this one's. */
  public RunConfig withDevice(String value) {
    if (value == null) {
      return this;
    }
    return new RunConfig(
        runId,
        maxSteps,
        seed,
        lr,
        evalEvery,
        checkpointEvery,
        keepCheckpoints,
        updateRatioEvery,
        readEvery,
        spike,
        model,
        data,
        knobs,
        goal,
        value,
        optimizer,
        paramGroups,
        accumulate);
  }

  /** The JSON form stored in run.json (snake_case, nulls left out), from which a run can resume. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> toMap() {
    return JSON.convertValue(this, Map.class);
  }

  /** Reads back what {@link #toMap} wrote. */
  public static RunConfig fromMap(Map<String, Object> map) {
    return JSON.convertValue(map, RunConfig.class);
  }

  /** Everything at its default. */
  public static RunConfig empty() {
    return new RunConfig(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null);
  }

  public static RunConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException(
          file + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
    }
    return parse(text, file.toString());
  }

  /**
   * Reads a configuration from YAML text.
   *
   * @param origin where the text came from, for error messages (a file, or a file and a key)
   */
  public static RunConfig parse(String text, String origin) throws ConfigException {
    try {
      if (text.isBlank()) {
        return empty();
      }
      RunConfig c = YAML.readValue(text, RunConfig.class);
      if (c != null && c.data() != null && c.data().tokenizer() != null) {
        String t = c.data().tokenizer();
        if (!t.equals("char") && !t.equals("gpt2")) {
          throw new ConfigException(
              origin + ": data.tokenizer must be 'char' or 'gpt2', got '" + t + "'");
        }
      }
      if (c != null && c.model() != null && c.model().preset() != null) {
        try {
          CharGptWorkload.preset(c.model().preset());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(origin + ": model.preset: " + e.getMessage());
        }
      }
      if (c != null && c.device() != null) {
        try {
          DeviceChoice.parse(c.device());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(origin + ": " + e.getMessage());
        }
      }
      if (c != null && c.data() != null && c.data().sources() != null) {
        try {
          c.workload(); // named sources: the tokenizer and the weights must fit them
        } catch (IllegalArgumentException e) {
          throw new ConfigException(origin + ": " + e.getMessage());
        }
      }
      return c == null ? empty() : c;
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          origin
              + ": unknown key '"
              + e.getPropertyName()
              + "' (known here: "
              + e.getKnownPropertyIds()
              + ")");
    } catch (IOException e) {
      throw new ConfigException(
          origin + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
    }
  }

  /** The workload this configuration describes. */
  public CharGptWorkload workload() {
    Model m = model == null ? new Model(null, null, null, null, null) : model;
    CharGptWorkload d =
        m.preset() == null ? CharGptWorkload.defaults() : CharGptWorkload.preset(m.preset());
    Data a = data == null ? new Data(null, null, null, null, null, null, null) : data;
    return new CharGptWorkload(
        a.corpus() == null ? d.corpus() : Path.of(a.corpus()),
        or(a.holdoutEvery(), d.holdoutEvery()),
        or(a.batchSize(), d.batchSize()),
        or(m.context(), d.context()),
        or(m.layers(), d.layers()),
        or(m.embed(), d.embed()),
        or(m.heads(), d.heads()),
        or(a.validationBatches(), d.validationBatches()),
        a.tokenizer() == null ? d.tokenizer() : a.tokenizer(),
        a.sources() == null ? null : new java.util.LinkedHashMap<>(a.sources()),
        a.weights());
  }

  /**
   * The trainer settings; command-line values, when not null, win over the file.
   *
   * @throws ConfigException for an unknown knob or a bad value
   */
  public TrainerConfig trainer(String runIdValue, Long maxStepsFlag, Double lrFlag, Long seedFlag)
      throws ConfigException {
    return trainer(runIdValue, maxStepsFlag, lrFlag, seedFlag, null);
  }

  /**
   * As {@link #trainer(String, Long, Double, Long)}, on a device already resolved from {@link
   * #device} (null: DJL's default).
   */
  public TrainerConfig trainer(
      String runIdValue, Long maxStepsFlag, Double lrFlag, Long seedFlag, ai.djl.Device on)
      throws ConfigException {
    try {
      TrainerConfig.Builder b = TrainerConfig.builder().optRunId(runIdValue).optDevice(on);
      Long steps = maxStepsFlag != null ? maxStepsFlag : maxSteps;
      if (steps != null) {
        b.optMaxSteps(steps);
      }
      Long s = seedFlag != null ? seedFlag : seed;
      if (s != null) {
        b.optSeed(s);
      }
      if (evalEvery != null) {
        b.optEvalEvery(evalEvery);
      }
      if (checkpointEvery != null) {
        b.optCheckpointEvery(checkpointEvery);
      }
      if (keepCheckpoints != null) {
        b.optKeepCheckpoints(keepCheckpoints);
      }
      if (updateRatioEvery != null) {
        b.optUpdateRatioEvery(updateRatioEvery);
      }
      if (readEvery != null) {
        b.optReadEvery(readEvery);
      }
      if (spike != null) {
        b.optSpike(or(spike.factor(), 2.0), or(spike.window(), 100));
      }
      OptimizerChoice choice = StepSettings.apply(this, b);
      Double startLr = KnobSettings.apply(knobs, choice, b);
      if (goal != null) {
        try {
          b.optGoal(dev.coxswain.protocol.Goal.fromMap(goal));
        } catch (dev.coxswain.protocol.InvalidCommandException e) {
          throw new ConfigException(
              "goal: " + e.getMessage() + " (" + e.field().replace("args.", "goal.") + ")");
        }
      }
      Double l = lrFlag != null ? lrFlag : lr != null ? lr : startLr;
      if (l != null) {
        b.optLr(l);
      }
      TrainerConfig c = b.build();
      for (Knob k : c.knobOverrides()) {
        if (k.name().equals("lr") && k.validate(c.lr()).isPresent()) {
          throw new ConfigException("lr: " + k.validate(c.lr()).get());
        }
      }
      return c;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static <T> T or(T v, T d) {
    return v != null ? v : d;
  }
}
