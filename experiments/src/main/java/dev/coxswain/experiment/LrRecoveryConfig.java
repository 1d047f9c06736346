package dev.coxswain.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.coxswain.run.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An LR-recovery experiment as written in YAML. Every field is required unless it says otherwise; a
 * missing, unknown or contradictory field fails here, before any training, and the message names
 * it.
 *
 * <pre>
 * steps: 1500               # every run of every arm
 * seeds: [1, 2, 3]
 * eval_every: 100
 * checkpoint_every: 100     # at most agent.every, so an automatic rollback has a target
 * pretrain: {steps: 300, lr: 0.001}  # every arm starts from this model (0 steps: from scratch)
 * run: {model: {...}, data: {...}}   # optional: the workload, as in a run configuration
 * goal: {metric: eval_loss, deadline: 1500}  # optional: declared in every arm when its own part
 *                                            # starts (after the pretraining); the agent plans for it
 * arms:
 *   too_high: {lr: 0.01}                             # (a) constant, far too high
 *   agent: {every: 100, prompt: lr-recovery, policies: [rule, openai]}   # (b) same start
 *   sweep: {lrs: [...], seeds: [1]}                  # (c) oracle: best constant lr
 *   linear_decay: {lr: 0.002, final_lr: 0}           # (d)
 *   plateau: {lr: 0.002, patience: 2, factor: 0.5}   # (e)
 * </pre>
 *
 * @param sweepSeeds the seeds the sweep runs on; the oracle's other seeds run at the winning lr
 */
public record LrRecoveryConfig(
    String name,
    long steps,
    List<Long> seeds,
    int evalEvery,
    int checkpointEvery,
    RunConfig run,
    long pretrainSteps,
    double pretrainLr,
    double highLr,
    int agentEvery,
    String agentPrompt,
    List<String> agentPolicies,
    List<Double> sweepLrs,
    List<Long> sweepSeeds,
    double decayLr,
    double decayFinalLr,
    double plateauLr,
    int plateauPatience,
    double plateauFactor,
    Map<String, Object> goal) {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Keys of the run section that the experiment sets itself, per run. */
  private static final List<String> RUN_KEYS_OWNED =
      List.of("run_id", "max_steps", "seed", "lr", "eval_every", "checkpoint_every", "goal");

  public static LrRecoveryConfig load(Path file) throws InvalidExperimentException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new InvalidExperimentException("experiment file not found: " + file);
    } catch (IOException e) {
      throw new InvalidExperimentException(file + ": " + e.getMessage());
    }
    return parse(text, file.toString(), defaultName(file));
  }

  private static String defaultName(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? "experiment" : parent.getFileName().toString();
  }

  /** Parses and checks; {@code origin} prefixes every message. */
  public static LrRecoveryConfig parse(String text, String origin, String defaultName)
      throws InvalidExperimentException {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (IOException e) {
      throw new InvalidExperimentException(
          origin + ": not YAML: " + e.getMessage().lines().findFirst().orElse("unreadable"));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidExperimentException(
          origin + ": expected a YAML mapping with steps, seeds and arms");
    }
    Fields f = new Fields(origin);
    f.only(
        root,
        "",
        "name",
        "steps",
        "seeds",
        "eval_every",
        "checkpoint_every",
        "pretrain",
        "run",
        "goal",
        "arms");
    String name = root.has("name") ? f.text(root, "", "name") : defaultName;
    long steps = f.positiveLong(root, "", "steps");
    List<Long> seeds = f.seeds(root, "", "seeds");
    int evalEvery = f.positiveInt(root, "", "eval_every");
    int checkpointEvery = f.positiveInt(root, "", "checkpoint_every");
    JsonNode pre = f.object(root, "", "pretrain");
    f.only(pre, "pretrain.", "steps", "lr");
    long pretrainSteps = f.nonNegativeLong(pre, "pretrain.", "steps");
    double pretrainLr = f.positiveDouble(pre, "pretrain.", "lr");
    if (pretrainSteps >= steps) {
      throw new InvalidExperimentException(
          origin
              + ": 'pretrain.steps' ("
              + pretrainSteps
              + ") must be below 'steps' ("
              + steps
              + "), which counts the pretraining too");
    }
    if (pretrainSteps > 0 && pretrainSteps % checkpointEvery != 0) {
      throw new InvalidExperimentException(
          origin
              + ": 'pretrain.steps' ("
              + pretrainSteps
              + ") is not a multiple of 'checkpoint_every' ("
              + checkpointEvery
              + "): the pretrained model must be a checkpoint a rollback can return to");
    }
    RunConfig run = RunConfig.empty();
    if (root.has("run")) {
      JsonNode r = root.get("run");
      if (!r.isObject()) {
        throw new InvalidExperimentException(
            origin + ": 'run' must be a mapping (the keys of a run configuration)");
      }
      for (String owned : RUN_KEYS_OWNED) {
        if (r.has(owned)) {
          throw new InvalidExperimentException(
              origin
                  + ": 'run."
                  + owned
                  + "' contradicts the experiment, which sets it per run"
                  + " (use the top-level steps, seeds, eval_every, checkpoint_every, or an arm's lr)");
        }
      }
      try {
        run = RunConfig.parse(YAML.writeValueAsString(r), origin + ": run");
      } catch (IOException e) {
        throw new InvalidExperimentException(origin + ": run: " + e.getMessage());
      } catch (RunConfig.ConfigException e) {
        throw new InvalidExperimentException(e.getMessage());
      }
    }
    Map<String, Object> goal = goal(root, origin, steps, pretrainSteps);
    JsonNode arms = f.object(root, "", "arms");
    f.only(arms, "arms.", "too_high", "agent", "sweep", "linear_decay", "plateau");

    JsonNode high = f.object(arms, "arms.", "too_high");
    f.only(high, "arms.too_high.", "lr");
    double highLr = f.positiveDouble(high, "arms.too_high.", "lr");

    JsonNode agent = f.object(arms, "arms.", "agent");
    f.only(agent, "arms.agent.", "every", "prompt", "policies");
    int agentEvery = f.positiveInt(agent, "arms.agent.", "every");
    String prompt = f.text(agent, "arms.agent.", "prompt");
    if (!prompt.equals("lr-recovery")) {
      throw new InvalidExperimentException(
          origin
              + ": 'arms.agent.prompt' is '"
              + prompt
              + "'; this case study is the lr-recovery prompt (double, halve or keep)");
    }
    List<String> policies = f.texts(agent, "arms.agent.", "policies");
    for (String p : policies) {
      if (!p.equals("rule") && !p.equals("openai")) {
        throw new InvalidExperimentException(
            origin + ": 'arms.agent.policies' has '" + p + "'; known: rule, openai");
      }
    }
    if (!policies.contains("rule")) {
      throw new InvalidExperimentException(
          origin
              + ": 'arms.agent.policies' must include rule (it runs without a key, so every"
              + " experiment has an agent arm)");
    }

    JsonNode sweep = f.object(arms, "arms.", "sweep");
    f.only(sweep, "arms.sweep.", "lrs", "seeds");
    List<Double> lrs = f.positiveDoubles(sweep, "arms.sweep.", "lrs");
    if (lrs.size() < 2) {
      throw new InvalidExperimentException(
          origin + ": 'arms.sweep.lrs' needs at least 2 values to be a sweep");
    }
    List<Long> sweepSeeds =
        sweep.has("seeds") ? f.seeds(sweep, "arms.sweep.", "seeds") : List.of(seeds.get(0));
    for (Long s : sweepSeeds) {
      if (!seeds.contains(s)) {
        throw new InvalidExperimentException(
            origin
                + ": 'arms.sweep.seeds' has "
                + s
                + ", which is not one of the experiment's seeds "
                + seeds);
      }
    }

    JsonNode decay = f.object(arms, "arms.", "linear_decay");
    f.only(decay, "arms.linear_decay.", "lr", "final_lr");
    double decayLr = f.positiveDouble(decay, "arms.linear_decay.", "lr");
    double decayFinal = f.nonNegativeDouble(decay, "arms.linear_decay.", "final_lr");
    if (decayFinal >= decayLr) {
      throw new InvalidExperimentException(
          origin
              + ": 'arms.linear_decay.final_lr' ("
              + decayFinal
              + ") must be below 'arms.linear_decay.lr' ("
              + decayLr
              + ") for a decay");
    }

    JsonNode plateau = f.object(arms, "arms.", "plateau");
    f.only(plateau, "arms.plateau.", "lr", "patience", "factor");
    double plateauLr = f.positiveDouble(plateau, "arms.plateau.", "lr");
    int patience = f.positiveInt(plateau, "arms.plateau.", "patience");
    double factor = f.positiveDouble(plateau, "arms.plateau.", "factor");
    if (factor >= 1) {
      throw new InvalidExperimentException(
          origin + ": 'arms.plateau.factor' (" + factor + ") must be below 1 to reduce the lr");
    }

    // contradictions between fields
    if (evalEvery > steps) {
      throw new InvalidExperimentException(
          origin
              + ": 'eval_every' ("
              + evalEvery
              + ") is more than 'steps' ("
              + steps
              + "): no evaluation would fall inside the run");
    }
    if (agentEvery > steps) {
      throw new InvalidExperimentException(
          origin
              + ": 'arms.agent.every' ("
              + agentEvery
              + ") is more than 'steps' ("
              + steps
              + "): the agent would never decide");
    }
    if (checkpointEvery > agentEvery) {
      throw new InvalidExperimentException(
          origin
              + ": 'checkpoint_every' ("
              + checkpointEvery
              + ") is more than 'arms.agent.every' ("
              + agentEvery
              + "): an automatic rollback needs a checkpoint from within the last window");
    }
    if ((long) patience * evalEvery >= steps - pretrainSteps) {
      throw new InvalidExperimentException(
          origin
              + ": 'arms.plateau.patience' ("
              + patience
              + ") times 'eval_every' ("
              + evalEvery
              + ") is not below the steps after pretraining ("
              + (steps - pretrainSteps)
              + "): the plateau arm could never act");
    }
    double maxLr =
        run.knobs() != null && run.knobs().get("lr") != null && run.knobs().get("lr").max() != null
            ? run.knobs().get("lr").max()
            : Double.POSITIVE_INFINITY;
    double highest =
        Math.max(Math.max(highLr, decayLr), Math.max(plateauLr, java.util.Collections.max(lrs)));
    if (highest > maxLr) {
      throw new InvalidExperimentException(
          String.format(
              Locale.ROOT,
              "%s: an arm starts at lr %g, above 'run.knobs.lr.max' (%g)",
              origin,
              highest,
              maxLr));
    }
    return new LrRecoveryConfig(
        name,
        steps,
        seeds,
        evalEvery,
        checkpointEvery,
        run,
        pretrainSteps,
        pretrainLr,
        highLr,
        agentEvery,
        prompt,
        policies,
        lrs,
        sweepSeeds,
        decayLr,
        decayFinal,
        plateauLr,
        patience,
        factor,
        goal);
  }

  /** The optional goal: its shape, a metric the default workload reports, a deadline in range. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> goal(JsonNode root, String origin, long steps, long pre)
      throws InvalidExperimentException {
    if (!root.has("goal")) {
      return null;
    }
    if (!root.get("goal").isObject()) {
      throw new InvalidExperimentException(
          origin + ": 'goal' must be a mapping like {metric: eval_loss, deadline: N}");
    }
    Map<String, Object> m = YAML.convertValue(root.get("goal"), Map.class);
    dev.coxswain.protocol.Goal g;
    try {
      g = dev.coxswain.protocol.Goal.fromMap(m);
    } catch (dev.coxswain.protocol.InvalidCommandException e) {
      throw new InvalidExperimentException(
          origin + ": " + e.field().replace("args.", "goal.") + ": " + e.getMessage());
    }
    if (!List.of("eval_loss", "perplexity").contains(g.metric())) {
      throw new InvalidExperimentException(
          origin
              + ": goal.metric: the workload reports no metric '"
              + g.metric()
              + "'; it reports eval_loss, perplexity");
    }
    if (g.deadline() != null && (g.deadline() <= pre || g.deadline() > steps)) {
      throw new InvalidExperimentException(
          origin
              + ": goal.deadline ("
              + g.deadline()
              + ") must lie after the pretraining ("
              + pre
              + ") and at most at 'steps' ("
              + steps
              + ")");
    }
    return m;
  }

  /** Typed reads that name the field when it is missing or wrong. */
  private static final class Fields {
    private final String origin;

    Fields(String origin) {
      this.origin = origin;
    }

    private InvalidExperimentException missing(String path, String key, String what) {
      return new InvalidExperimentException(
          origin + ": missing field '" + path + key + "' (" + what + ")");
    }

    private InvalidExperimentException wrong(String path, String key, JsonNode v, String what) {
      return new InvalidExperimentException(
          origin + ": field '" + path + key + "' must be " + what + ", not " + v.toString());
    }

    void only(JsonNode node, String path, String... known) throws InvalidExperimentException {
      Set<String> k = Set.of(known);
      Iterator<String> it = node.fieldNames();
      while (it.hasNext()) {
        String n = it.next();
        if (!k.contains(n)) {
          throw new InvalidExperimentException(
              origin + ": unknown field '" + path + n + "' (known here: " + List.of(known) + ")");
        }
      }
    }

    private JsonNode need(JsonNode node, String path, String key, String what)
        throws InvalidExperimentException {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        throw missing(path, key, what);
      }
      return v;
    }

    JsonNode object(JsonNode node, String path, String key) throws InvalidExperimentException {
      JsonNode v = need(node, path, key, "a mapping");
      if (!(v instanceof ObjectNode)) {
        throw wrong(path, key, v, "a mapping");
      }
      return v;
    }

    String text(JsonNode node, String path, String key) throws InvalidExperimentException {
      JsonNode v = need(node, path, key, "a name");
      if (!v.isTextual() || v.asText().isBlank()) {
        throw wrong(path, key, v, "a non-empty string");
      }
      return v.asText();
    }

    long positiveLong(JsonNode node, String path, String key) throws InvalidExperimentException {
      JsonNode v = need(node, path, key, "a positive whole number");
      if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1) {
        throw wrong(path, key, v, "a positive whole number");
      }
      return v.asLong();
    }

    long nonNegativeLong(JsonNode node, String path, String key) throws InvalidExperimentException {
      JsonNode v = need(node, path, key, "a whole number, 0 or more");
      if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
        throw wrong(path, key, v, "a whole number, 0 or more");
      }
      return v.asLong();
    }

    int positiveInt(JsonNode node, String path, String key) throws InvalidExperimentException {
      long l = positiveLong(node, path, key);
      if (l > Integer.MAX_VALUE) {
        throw wrong(path, key, node.get(key), "a positive whole number below 2^31");
      }
      return (int) l;
    }

    double positiveDouble(JsonNode node, String path, String key)
        throws InvalidExperimentException {
      JsonNode v = need(node, path, key, "a positive number");
      if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
        throw wrong(path, key, v, "a positive number");
      }
      return v.asDouble();
    }

    double nonNegativeDouble(JsonNode node, String path, String key)
        throws InvalidExperimentException {
      JsonNode v = need(node, path, key, "a number, 0 or more");
      if (!v.isNumber() || !(v.asDouble() >= 0) || !Double.isFinite(v.asDouble())) {
        throw wrong(path, key, v, "a number, 0 or more");
      }
      return v.asDouble();
    }

    private JsonNode list(JsonNode node, String path, String key, String what)
        throws InvalidExperimentException {
      JsonNode v = need(node, path, key, what);
      if (!v.isArray() || v.isEmpty()) {
        throw wrong(path, key, v, "a non-empty list of " + what);
      }
      return v;
    }

    List<Long> seeds(JsonNode node, String path, String key) throws InvalidExperimentException {
      JsonNode v = list(node, path, key, "whole numbers");
      List<Long> out = new ArrayList<>();
      Set<Long> seen = new HashSet<>();
      for (JsonNode e : v) {
        if (!e.isIntegralNumber() || !e.canConvertToLong()) {
          throw wrong(path, key, v, "a non-empty list of whole numbers");
        }
        if (!seen.add(e.asLong())) {
          throw new InvalidExperimentException(
              origin + ": field '" + path + key + "' lists seed " + e.asLong() + " twice");
        }
        out.add(e.asLong());
      }
      return List.copyOf(out);
    }

    List<Double> positiveDoubles(JsonNode node, String path, String key)
        throws InvalidExperimentException {
      JsonNode v = list(node, path, key, "positive numbers");
      List<Double> out = new ArrayList<>();
      for (JsonNode e : v) {
        if (!e.isNumber() || !(e.asDouble() > 0) || !Double.isFinite(e.asDouble())) {
          throw wrong(path, key, v, "a non-empty list of positive numbers");
        }
        if (out.contains(e.asDouble())) {
          throw new InvalidExperimentException(
              origin + ": field '" + path + key + "' lists " + e.asDouble() + " twice");
        }
        out.add(e.asDouble());
      }
      return List.copyOf(out);
    }

    List<String> texts(JsonNode node, String path, String key) throws InvalidExperimentException {
      JsonNode v = list(node, path, key, "names");
      List<String> out = new ArrayList<>();
      for (JsonNode e : v) {
        if (!e.isTextual()) {
          throw wrong(path, key, v, "a non-empty list of names");
        }
        if (out.contains(e.asText())) {
          throw new InvalidExperimentException(
              origin + ": field '" + path + key + "' lists '" + e.asText() + "' twice");
        }
        out.add(e.asText());
      }
      return List.copyOf(out);
    }
  }
}
