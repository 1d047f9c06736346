package dev.coxswain.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.coxswain.run.RunConfig;
import dev.coxswain.trainer.workload.FashionMnistData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Reads a scenario file strictly: an unknown key, a value of the wrong type, an unknown trouble
 * kind, a step past the end or a goal on a metric the workload does not report fails here, before
 * any training, with a message that names the file, the key and the value. The format is documented
 * in {@code experiments/scenarios/README.md}.
 */
public final class ScenarioParser extends ScenarioFields {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** What each workload's evaluations report, each metric with its goal's direction. */
  static final Map<String, Map<String, String>> METRICS =
      Map.of(
          "char-gpt",
          Map.of("eval_loss", "minimize", "perplexity", "minimize"),
          Scenario.FASHION_MNIST,
          Map.of("eval_loss", "minimize", "accuracy", "maximize"));

  /** char-gpt's size presets: layers, embed, heads, context, batch size, validation batches. */
  static final Map<String, int[]> SIZES =
      Map.of(
          "tiny", new int[] {1, 32, 2, 16, 8, 2},
          "small", new int[] {1, 64, 4, 32, 16, 4},
          "default", new int[] {2, 128, 4, 64, 32, 16});

  /**
   * fashion-mnist's size presets: training images (of 60,000), validation images (of the 10,000
   * test images), batch size.
   */
  static final Map<String, int[]> IMAGE_SIZES =
      Map.of(
          "tiny", new int[] {1_000, 200, 16},
          "small", new int[] {10_000, 1_000, 32},
          "default", new int[] {60_000, 2_000, 64});

  /** The trouble kinds that act on a corpus's documents, which the classifier does not have. */
  private static final List<Trouble.Kind> CORPUS_ONLY =
      List.of(Trouble.Kind.OVERFITTING, Trouble.Kind.DATA_ARRIVING);

  /** Smoke size: every step count divided by this, the tiny model, the first seed. */
  static final int SMOKE_DIVISOR = 10;

  private ScenarioParser(String origin) {
    super(origin);
  }

  /** Loads a scenario file, at smoke size when asked. */
  public static Scenario load(Path file, boolean smoke) throws InvalidExperimentException {
    return load(file, smoke, null);
  }

  /**
   * Loads a scenario file at smoke size when asked, or with its {@code size} replaced by {@code
   * size} (null: as written), e.g. to run the benchmark at {@code small} on a slow machine.
   */
  public static Scenario load(Path file, boolean smoke, String size)
      throws InvalidExperimentException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new InvalidExperimentException("scenario file not found: " + file);
    } catch (IOException e) {
      throw new InvalidExperimentException(file + ": " + e.getMessage());
    }
    String name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    return parse(text, file.toString(), name, smoke, size);
  }

  /** Parses and checks; {@code origin} begins every message. */
  public static Scenario parse(String text, String origin, String defaultName, boolean smoke)
      throws InvalidExperimentException {
    return parse(text, origin, defaultName, smoke, null);
  }

  /** Parses and checks, the size replaced when one is given; {@code origin} begins messages. */
  public static Scenario parse(
      String text, String origin, String defaultName, boolean smoke, String size)
      throws InvalidExperimentException {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (IOException e) {
      throw new InvalidExperimentException(
          origin + ": not YAML: " + e.getMessage().lines().findFirst().orElse("unreadable"));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidExperimentException(origin + ": expected a YAML mapping (a scenario)");
    }
    if (size != null) {
      ((ObjectNode) root).put("size", size);
      origin = origin + " (at --size " + size + ")";
    }
    Scenario full = new ScenarioParser(origin).read((ObjectNode) root, defaultName);
    if (!smoke) {
      return full;
    }
    ObjectNode small = smoke((ObjectNode) root.deepCopy());
    return new ScenarioParser(origin + " (at --smoke size)").read(small, full.name() + "-smoke");
  }

  /** The same scenario at smoke size: steps divided by {@link #SMOKE_DIVISOR}, tiny, one seed. */
  private static ObjectNode smoke(ObjectNode root) {
    root.put("size", "tiny");
    root.remove("name");
    divide(root, "steps");
    divide(root, "eval_every");
    divide(root.get("pretrain"), "steps");
    divide(root.get("goal"), "deadline");
    divide(root.get("agent"), "every");
    if (root.get("troubles") instanceof ArrayNode a) {
      for (JsonNode t : a) {
        divide(t, "step");
        divide(t, "length");
      }
    }
    if (root.get("seeds") instanceof ArrayNode s && s.size() > 1) {
      JsonNode first = s.get(0);
      s.removeAll();
      s.add(first);
    }
    return root;
  }

  private static void divide(JsonNode node, String key) {
    if (node instanceof ObjectNode o && o.get(key) != null && o.get(key).isIntegralNumber()) {
      long v = o.get(key).asLong();
      o.put(key, v == 0 ? 0 : Math.max(1, v / SMOKE_DIVISOR));
    }
  }

  private Scenario read(ObjectNode root, String defaultName) throws InvalidExperimentException {
    only(root, "", KEYS);
    String name = root.has("name") ? text(root, "name") : defaultName;
    if (!name.matches("[a-z0-9][a-z0-9._-]*")) {
      fail(
          "'name' must be lower-case letters, digits, '.', '_' or '-' (a directory name), not '"
              + name
              + "'");
    }
    Workload workload = workload(root);
    long steps = whole(root, "steps", 1);
    List<Long> seeds = seeds(root.get("seeds"));
    long tuneSeed = root.has("tune_seed") ? whole(root, "tune_seed", 0) : 0;
    if (seeds.contains(tuneSeed)) {
      fail(
          "'tune_seed' ("
              + tuneSeed
              + ") is one of 'seeds' "
              + seeds
              + ": the baselines must be tuned on a seed that is not reported");
    }
    int evalEvery = (int) whole(root, "eval_every", 1);
    atMost("eval_every", evalEvery, steps);
    double lr = positive(root, "lr");
    long pretrainSteps = 0;
    double pretrainLr = lr;
    if (root.has("pretrain")) {
      JsonNode p = object(root, "pretrain");
      only(p, "pretrain.", "steps", "lr");
      pretrainSteps = whole(p, "pretrain.steps", 0);
      pretrainLr = positive(p, "pretrain.lr");
      if (pretrainSteps >= steps) {
        fail("'pretrain.steps' (" + pretrainSteps + ") must be below 'steps' (" + steps + ")");
      }
    }
    Goal goal = goal(root, workload.name(), steps, pretrainSteps, evalEvery);
    List<Trouble> troubles = new TroubleReader(origin).troubles(root, steps, pretrainSteps, lr);
    if (workload.name().equals(Scenario.FASHION_MNIST)) {
      for (Trouble t : troubles) {
        if (CORPUS_ONLY.contains(t.kind())) {
          fail(
              "trouble '"
                  + t.kind().wire()
                  + "' names a corpus's documents, and the workload fashion-mnist has none;"
                  + " its troubles are the others (corrupted_batches shuffles its labels)");
        }
      }
    }
    JsonNode tuning = object(root, "tuning");
    only(tuning, "tuning.", "lrs");
    List<Double> lrs = positives(tuning.get("lrs"), "tuning.lrs");
    JsonNode agent = object(root, "agent");
    only(agent, "agent.", "every");
    int agentEvery = (int) whole(agent, "agent.every", 1);
    atMost("agent.every", agentEvery, steps);
    Trouble data = troubles.stream().filter(t -> t.documents() != null).findFirst().orElse(null);
    RunConfig run =
        workload.images() != null
            ? RunConfig.empty() // the classifier is built in code; only trainer settings here
            : runConfig(SIZES.get(workload.size()), workload.corpus(), data);
    String digest = digest(root, name);
    return new Scenario(
        name,
        workload.name(),
        workload.size(),
        run,
        workload.images(),
        steps,
        seeds,
        tuneSeed,
        evalEvery,
        lr,
        pretrainSteps,
        pretrainLr,
        goal.metric(),
        goal.direction(),
        goal.deadline(),
        troubles,
        lrs,
        agentEvery,
        digest);
  }

  /** The top-level keys of a scenario file. */
  private static final String[] KEYS = {
    "name",
    "workload",
    "size",
    "data",
    "steps",
    "seeds",
    "tune_seed",
    "eval_every",
    "lr",
    "pretrain",
    "goal",
    "troubles",
    "tuning",
    "agent"
  };

  /**
   * The workload, its size preset and its data: a corpus for char-gpt, the IDX files' directory for
   * fashion-mnist (the other one null).
   */
  private record Workload(String name, String size, String corpus, Path images) {}

  private Workload workload(JsonNode root) throws InvalidExperimentException {
    String workload = text(root, "workload");
    if (!METRICS.containsKey(workload)) {
      fail(
          "'workload' is '"
              + workload
              + "'; known: char-gpt (the default workload), fashion-mnist (the classifier)");
    }
    boolean images = workload.equals(Scenario.FASHION_MNIST);
    String size = text(root, "size");
    if (!SIZES.containsKey(size)) {
      fail("'size' is '" + size + "'; known: " + SIZES.keySet().stream().sorted().toList());
    }
    String key = images ? "dir" : "corpus";
    String data = images ? FashionMnistData.DEBIAN_DIR.toString() : "data/sotu";
    if (root.has("data")) {
      JsonNode d = object(root, "data");
      only(d, "data.", key);
      data = text(d, "data." + key);
    }
    if (images && !Files.isRegularFile(Path.of(data, "train-images-idx3-ubyte.gz"))) {
      fail(
          "the workload fashion-mnist needs its IDX files in "
              + data
              + " (train-images-idx3-ubyte.gz not found): install Debian's dataset-fashion-mnist"
              + " (apt-get install dataset-fashion-mnist), or name their directory with 'data.dir'");
    }
    return images
        ? new Workload(workload, size, null, Path.of(data))
        : new Workload(workload, size, data, null);
  }

  private record Goal(String metric, String direction, long deadline) {}

  /** The goal: a metric the workload reports, the way it is better, scored at an evaluation. */
  private Goal goal(JsonNode root, String workload, long steps, long pretrainSteps, int evalEvery)
      throws InvalidExperimentException {
    JsonNode g = object(root, "goal");
    only(g, "goal.", "metric", "direction", "deadline");
    String metric = text(g, "goal.metric");
    Map<String, String> reported = METRICS.get(workload);
    if (!reported.containsKey(metric)) {
      fail(
          "'goal.metric' is '"
              + metric
              + "': the workload "
              + workload
              + " reports no such metric; it reports "
              + reported.keySet().stream().sorted().toList());
    }
    String direction = text(g, "goal.direction");
    String better = reported.get(metric);
    if (!direction.equals(better)) {
      fail(
          "'goal.direction' is '"
              + direction
              + "': "
              + metric
              + " is better "
              + (better.equals("maximize") ? "higher (maximize)" : "lower (minimize)"));
    }
    long deadline = whole(g, "goal.deadline", 1);
    atMost("goal.deadline", deadline, steps);
    if (deadline <= pretrainSteps || deadline % evalEvery != 0) {
      fail(
          "'goal.deadline' ("
              + deadline
              + ") must lie after the pretraining ("
              + pretrainSteps
              + ") on an evaluation step (a multiple of 'eval_every', "
              + evalEvery
              + ")");
    }
    return new Goal(metric, direction, deadline);
  }

  private RunConfig runConfig(int[] z, String corpus, Trouble data)
      throws InvalidExperimentException {
    String yaml =
        String.format(
            java.util.Locale.ROOT,
            "model: {layers: %d, embed: %d, heads: %d, context: %d}%n"
                + "data: {corpus: '%s', batch_size: %d, validation_batches: %d%s}%n",
            z[0],
            z[1],
            z[2],
            z[3],
            corpus.replace("'", "''"),
            z[4],
            z[5],
            sources(data));
    try {
      return RunConfig.parse(yaml, origin);
    } catch (RunConfig.ConfigException e) {
      throw new InvalidExperimentException(e.getMessage());
    }
  }

  /** The named sources a data trouble trains on (none: the whole corpus). */
  private static String sources(Trouble t) {
    if (t == null) {
      return "";
    }
    String few = "'" + t.documents().replace("'", "''") + "'";
    if (t.arriving() == null) {
      return ", sources: {few: " + few + "}";
    }
    String late = "'" + t.arriving().replace("'", "''") + "'";
    return ", sources: {old: " + few + ", new: " + late + "}, weights: {old: 1, new: 0}";
  }

  private static String digest(JsonNode root, String name) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(name.getBytes(StandardCharsets.UTF_8));
      md.update(root.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
