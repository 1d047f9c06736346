package dev.coxswain.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.coxswain.run.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The data-update case study as written in YAML: a corpus split in two by file name, the data a run
 * starts with ({@code old}) and the data that arrives from deployment ({@code new}) at step {@code
 * arrives_at}. Three arms per seed: the run that never gets the new data, the run that gets it at
 * {@code arrives_at} through {@code reload_data} and keeps training, and the run that had all of it
 * from the start. Every field is required unless it says otherwise; a missing, unknown or
 * contradictory field fails here, before any training, naming it.
 *
 * <pre>
 * kind: data-update
 * name: data-update
 * steps: 1200
 * seeds: [1, 2, 3]
 * eval_every: 100
 * arrives_at: 600
 * corpus: data/sotu
 * split: {old: "1[78]*.txt", new: "{19,20}*.txt"}   # globs over the corpus's file names
 * lr: 0.002
 * run: {model: {...}, data: {batch_size: 32, validation_batches: 8, holdout_every: 10}}
 * </pre>
 */
public record DataUpdateConfig(
    String name,
    long steps,
    List<Long> seeds,
    int evalEvery,
    long arrivesAt,
    Path corpus,
    String oldGlob,
    String newGlob,
    double lr,
    RunConfig run) {

  /** The YAML's {@code kind} for this study. */
  public static final String KIND = "data-update";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Whether the file declares {@code kind: data-update} (anything unreadable: no). */
  public static boolean declaredIn(Path file) {
    try {
      JsonNode root = YAML.readTree(Files.readString(file));
      return root != null && root.has("kind") && KIND.equals(root.get("kind").asText());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  public static DataUpdateConfig load(Path file) throws InvalidExperimentException {
    String origin = file.toString();
    JsonNode root = mapping(file);
    long steps = positive(root, origin, "steps");
    long arrives = positive(root, origin, "arrives_at");
    if (arrives >= steps) {
      throw new InvalidExperimentException(
          origin + ": 'arrives_at' (" + arrives + ") must be before 'steps' (" + steps + ")");
    }
    int evalEvery = (int) positive(root, origin, "eval_every");
    List<Long> seeds = new ArrayList<>();
    if (!root.path("seeds").isArray() || root.get("seeds").isEmpty()) {
      throw new InvalidExperimentException(origin + ": 'seeds' must be a non-empty list");
    }
    root.get("seeds").forEach(n -> seeds.add(n.asLong()));
    JsonNode split = root.path("split");
    if (!split.path("old").isTextual() || !split.path("new").isTextual()) {
      throw new InvalidExperimentException(
          origin + ": 'split' must give globs for 'old' and 'new', e.g. {old: \"1[78]*.txt\"}");
    }
    if (!root.path("corpus").isTextual()) {
      throw new InvalidExperimentException(origin + ": missing field 'corpus' (a directory)");
    }
    if (!root.path("lr").isNumber() || !(root.get("lr").asDouble() > 0)) {
      throw new InvalidExperimentException(origin + ": 'lr' must be a positive number");
    }
    RunConfig run = run(root, origin);
    return new DataUpdateConfig(
        root.has("name") ? root.get("name").asText() : KIND,
        steps,
        List.copyOf(seeds),
        evalEvery,
        arrives,
        Path.of(root.get("corpus").asText()),
        split.get("old").asText(),
        split.get("new").asText(),
        root.get("lr").asDouble(),
        run);
  }

  /** The file's YAML mapping, with no field this study does not know. */
  private static JsonNode mapping(Path file) throws InvalidExperimentException {
    String origin = file.toString();
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new InvalidExperimentException("experiment file not found: " + file);
    } catch (IOException e) {
      throw new InvalidExperimentException(origin + ": not YAML: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new InvalidExperimentException(origin + ": expected a YAML mapping");
    }
    Set<String> known =
        Set.of(
            "kind",
            "name",
            "steps",
            "seeds",
            "eval_every",
            "arrives_at",
            "corpus",
            "split",
            "lr",
            "run");
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        throw new InvalidExperimentException(origin + ": unknown field '" + k + "'");
      }
    }
    return root;
  }

  /** The {@code run} section: settings of every arm's run, but not its data's corpus or sources. */
  private static RunConfig run(JsonNode root, String origin) throws InvalidExperimentException {
    RunConfig run = RunConfig.empty();
    if (root.has("run")) {
      try {
        run = RunConfig.parse(YAML.writeValueAsString(root.get("run")), origin + ": run");
      } catch (IOException e) {
        throw new InvalidExperimentException(origin + ": run: " + e.getMessage());
      } catch (RunConfig.ConfigException e) {
        throw new InvalidExperimentException(e.getMessage());
      }
      if (run.data() != null && (run.data().corpus() != null || run.data().sources() != null)) {
        throw new InvalidExperimentException(
            origin + ": 'run.data' may not set corpus or sources: the study sets them per arm");
      }
    }
    return run;
  }

  private static long positive(JsonNode root, String origin, String key)
      throws InvalidExperimentException {
    JsonNode n = root.get(key);
    if (n == null) {
      throw new InvalidExperimentException(origin + ": missing field '" + key + "'");
    }
    if (!n.canConvertToLong() || n.asLong() < 1) {
      throw new InvalidExperimentException(
          origin + ": '" + key + "' must be a whole number >= 1, got " + n);
    }
    return n.asLong();
  }
}
