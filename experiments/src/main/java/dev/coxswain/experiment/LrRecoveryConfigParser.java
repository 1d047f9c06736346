package dev.coxswain.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.coxswain.run.RunConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Reads an LR-recovery experiment's YAML into an {@link LrRecoveryConfig}, section by section, in
 * the order the fields are checked: the top level, the pretraining, the run, the goal, then each
 * arm; the contradictions between sections last ({@link LrRecoveryConfigChecks}). The first problem
 * found fails, named.
 */
final class LrRecoveryConfigParser {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Keys of the run section that the experiment sets itself, per run. */
  private static final List<String> RUN_KEYS_OWNED =
      List.of("run_id", "max_steps", "seed", "lr", "eval_every", "checkpoint_every", "goal");

  private record Agent(int every, String prompt, List<String> policies) {}

  private record Sweep(List<Double> lrs, List<Long> seeds) {}

  private record Decay(double lr, double finalLr) {}

  private record Plateau(double lr, int patience, double factor) {}

  private final String origin;
  private final YamlFields f;

  private LrRecoveryConfigParser(String origin) {
    this.origin = origin;
    this.f = new YamlFields(origin);
  }

  /** Parses and checks; {@code origin} prefixes every message. */
  static LrRecoveryConfig parse(String text, String origin, String defaultName)
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
    LrRecoveryConfig c = new LrRecoveryConfigParser(origin).config(root, defaultName);
    LrRecoveryConfigChecks.check(c, origin);
    return c;
  }

  private LrRecoveryConfig config(JsonNode root, String defaultName)
      throws InvalidExperimentException {
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
    LrRecoveryConfigChecks.pretrain(origin, pretrainSteps, steps, checkpointEvery);
    RunConfig run = run(root);
    Map<String, Object> goal = goal(root, steps, pretrainSteps);
    JsonNode arms = f.object(root, "", "arms");
    f.only(arms, "arms.", "too_high", "agent", "sweep", "linear_decay", "plateau");
    JsonNode high = f.object(arms, "arms.", "too_high");
    f.only(high, "arms.too_high.", "lr");
    double highLr = f.positiveDouble(high, "arms.too_high.", "lr");
    Agent agent = agent(arms);
    Sweep sweep = sweep(arms, seeds);
    Decay decay = decay(arms);
    Plateau plateau = plateau(arms);
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
        agent.every(),
        agent.prompt(),
        agent.policies(),
        sweep.lrs(),
        sweep.seeds(),
        decay.lr(),
        decay.finalLr(),
        plateau.lr(),
        plateau.patience(),
        plateau.factor(),
        goal);
  }

  /** The optional run section: a run configuration less the keys the experiment sets. */
  private RunConfig run(JsonNode root) throws InvalidExperimentException {
    if (!root.has("run")) {
      return RunConfig.empty();
    }
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
      return RunConfig.parse(YAML.writeValueAsString(r), origin + ": run");
    } catch (IOException e) {
      throw new InvalidExperimentException(origin + ": run: " + e.getMessage());
    } catch (RunConfig.ConfigException e) {
      throw new InvalidExperimentException(e.getMessage());
    }
  }

  /** The optional goal: its shape, a metric the default workload reports, a deadline in range. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> goal(JsonNode root, long steps, long pre)
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
    LrRecoveryConfigChecks.goal(origin, g, steps, pre);
    return m;
  }

  private Agent agent(JsonNode arms) throws InvalidExperimentException {
    JsonNode agent = f.object(arms, "arms.", "agent");
    f.only(agent, "arms.agent.", "every", "prompt", "policies");
    int every = f.positiveInt(agent, "arms.agent.", "every");
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
    return new Agent(every, prompt, policies);
  }

  private Sweep sweep(JsonNode arms, List<Long> seeds) throws InvalidExperimentException {
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
    return new Sweep(lrs, sweepSeeds);
  }

  private Decay decay(JsonNode arms) throws InvalidExperimentException {
    JsonNode decay = f.object(arms, "arms.", "linear_decay");
    f.only(decay, "arms.linear_decay.", "lr", "final_lr");
    double lr = f.positiveDouble(decay, "arms.linear_decay.", "lr");
    double fin = f.nonNegativeDouble(decay, "arms.linear_decay.", "final_lr");
    if (fin >= lr) {
      throw new InvalidExperimentException(
          origin
              + ": 'arms.linear_decay.final_lr' ("
              + fin
              + ") must be below 'arms.linear_decay.lr' ("
              + lr
              + ") for a decay");
    }
    return new Decay(lr, fin);
  }

  private Plateau plateau(JsonNode arms) throws InvalidExperimentException {
    JsonNode plateau = f.object(arms, "arms.", "plateau");
    f.only(plateau, "arms.plateau.", "lr", "patience", "factor");
    double lr = f.positiveDouble(plateau, "arms.plateau.", "lr");
    int patience = f.positiveInt(plateau, "arms.plateau.", "patience");
    double factor = f.positiveDouble(plateau, "arms.plateau.", "factor");
    if (factor >= 1) {
      throw new InvalidExperimentException(
          origin + ": 'arms.plateau.factor' (" + factor + ") must be below 1 to reduce the lr");
    }
    return new Plateau(lr, patience, factor);
  }
}
