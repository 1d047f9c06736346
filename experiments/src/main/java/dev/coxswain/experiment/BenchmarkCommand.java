package dev.coxswain.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coxswain benchmark [SCENARIO...]}: every scenario's arms over its seeds, resuming what is
 * on disk, then a table per scenario and a summary.
 */
@Command(
    name = "benchmark",
    header = "the benchmark of training troubles: scenarios x arms x seeds",
    mixinStandardHelpOptions = true,
    description =
        "Run benchmark scenarios (YAML files, experiments/scenarios/README.md) against every arm:"
            + " no intervention, tuned constant lr, cosine, linear decay, reduce on plateau, an"
            + " online greedy rule, population-based training and the rule agent."
            + " Runs whose result.json is on disk are skipped; every scenario file is checked"
            + " before anything trains (exit 2 naming the mistake).")
public final class BenchmarkCommand implements Callable<Integer> {
  static final Path SCENARIOS = Path.of("experiments/scenarios");
  static final Path RESULTS = Path.of("experiments/results/scenarios");

  @Parameters(
      arity = "0..*",
      paramLabel = "SCENARIO",
      description = "scenario YAML files (default: every .yaml in " + "experiments/scenarios)")
  List<Path> files = new ArrayList<>();

  @Option(
      names = "--arms",
      split = ",",
      paramLabel = "ARM",
      description =
          "arms to run (default: all, openai and replay only with OPENAI_API_KEY set): none,"
              + " constant, cosine, linear, plateau, greedy, pbt, rule, openai, replay")
  List<String> armNames = new ArrayList<>();

  @Option(
      names = "--seeds",
      split = ",",
      paramLabel = "SEED",
      description = "seeds to run instead of each scenario's own")
  List<Long> seeds = new ArrayList<>();

  @Option(
      names = "--smoke",
      description =
          "smoke size: every step count divided by 10, the tiny model, the first seed;"
              + " results under OUT/smoke/")
  boolean smoke;

  @Option(
      names = "--size",
      paramLabel = "SIZE",
      description =
          "run every scenario at this size instead of its own: tiny, small or default;"
              + " results under OUT/SIZE/")
  String size;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "where runs and tables go (default ${DEFAULT-VALUE})")
  Path out = RESULTS;

  @Option(
      names = "--report-only",
      description = "train nothing: write the tables, or say what" + " is missing")
  boolean reportOnly;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "PyTorch intra-op threads" + " (default ${DEFAULT-VALUE})")
  int threads = 1;

  /** OPENAI_API_KEY, OPENAI_BASE_URL, COXSWAIN_AGENT_MODEL: the LLM arm's endpoint. */
  private final Map<String, String> env;

  public BenchmarkCommand() {
    this(System.getenv());
  }

  /** With this environment instead of the process's (a test's endpoint, or none). */
  BenchmarkCommand(Map<String, String> env) {
    this.env = env;
  }

  private boolean llm() {
    String key = env.get("OPENAI_API_KEY");
    return key != null && !key.isBlank();
  }

  String commandLine() {
    StringBuilder b = new StringBuilder("./coxswain benchmark");
    files.forEach(f -> b.append(' ').append(f));
    if (!armNames.isEmpty()) {
      b.append(" --arms ").append(String.join(",", armNames));
    }
    if (!seeds.isEmpty()) {
      b.append(" --seeds ").append(String.join(",", seeds.stream().map(String::valueOf).toList()));
    }
    if (smoke) {
      b.append(" --smoke");
    }
    if (size != null) {
      b.append(" --size ").append(size);
    }
    if (!out.equals(RESULTS)) {
      b.append(" --out ").append(out);
    }
    return b.toString();
  }

  @Override
  public Integer call() throws Exception {
    List<Benchmark> plan;
    try {
      plan = plan();
      for (Benchmark b : plan) {
        b.checkRunsOnDisk(); // another scenario's runs are never taken for this one's
      }
    } catch (InvalidExperimentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    if (!reportOnly) {
      int total = plan.stream().mapToInt(Benchmark::total).sum();
      int[] counter = {0};
      for (Benchmark b : plan) {
        b.runMissing(counter, total);
      }
    }
    String commit = ResultOrigin.gitCommit();
    Map<Benchmark, Map<BenchArm, BenchmarkScores>> all = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (Benchmark b : plan) {
      Map<BenchArm, BenchmarkScores> s = BenchmarkReport.scores(b);
      if (s == null) {
        missing.add(b.scenario().name());
        continue;
      }
      System.out.println(BenchmarkReport.scenarioTable(b, s, commandLine(), commit));
      Map<BenchArm, List<ScenarioResult>> curves = new LinkedHashMap<>(b.results());
      if (!b.untroubled().isEmpty()) {
        curves.put(BenchArm.UNTROUBLED, new ArrayList<>(b.untroubled().values()));
      }
      BenchmarkCurves.write(b, curves, commandLine() + " at commit " + commit);
      all.put(b, s);
    }
    if (!missing.isEmpty()) {
      System.err.println(
          "benchmark: runs are missing for " + String.join(", ", missing) + "; no table for them");
      return 3;
    }
    Path summary = root().resolve("summary.md");
    System.out.println(BenchmarkReport.summary(all, summary, commandLine(), commit));
    System.err.println(
        "benchmark: wrote " + summary + " and a results.md and curves.png per scenario");
    return 0;
  }

  private Path root() {
    return smoke ? out.resolve("smoke") : size != null ? out.resolve(size) : out;
  }

  /** Every scenario read and checked, and the arms and seeds; nothing trains before this. */
  List<Benchmark> plan() throws InvalidExperimentException, IOException {
    if (threads < 1) {
      throw new InvalidExperimentException("--threads must be at least 1");
    }
    if (size != null && smoke) {
      throw new InvalidExperimentException(
          "--size and --smoke: the smoke size is its own (tiny, steps / 10); choose one");
    }
    if (size != null && !ScenarioParser.SIZES.containsKey(size)) {
      throw new InvalidExperimentException(
          "--size is '"
              + size
              + "'; known: "
              + ScenarioParser.SIZES.keySet().stream().sorted().toList());
    }
    List<BenchArm> arms = new ArrayList<>();
    for (String n : armNames) {
      BenchArm a = BenchArm.of(n);
      if (a == null) {
        throw new InvalidExperimentException(
            "--arms: unknown arm '"
                + n
                + "'; known: "
                + BenchArm.reported().stream().map(BenchArm::wire).toList());
      }
      if (!arms.contains(a)) {
        arms.add(a);
      }
    }
    arms.sort(java.util.Comparator.comparingInt(BenchArm.reported()::indexOf)); // table order
    if (arms.isEmpty()) {
      arms.addAll(BenchArm.byDefault(llm()));
      if (!llm()) {
        System.err.println(
            "benchmark: OPENAI_API_KEY is not set: the openai and replay arms are left out");
      }
    } else if (!llm() && arms.stream().anyMatch(BenchArm::needsLlm)) {
      throw new InvalidExperimentException(
          "--arms: openai (and replay, which replays its decisions) needs OPENAI_API_KEY set"
              + " (OPENAI_BASE_URL for another OpenAI-compatible endpoint, COXSWAIN_AGENT_MODEL"
              + " for another model than o4-mini)");
    }
    List<Path> paths = files.isEmpty() ? allScenarios() : files;
    List<Benchmark> plan = new ArrayList<>();
    ResultOrigin made = ResultOrigin.current();
    for (Path f : paths) {
      Scenario sc = ScenarioParser.load(f, smoke, size);
      List<Long> s = seeds.isEmpty() ? sc.seeds() : List.copyOf(seeds);
      if (s.contains(sc.tuneSeed())) {
        throw new InvalidExperimentException(
            "--seeds: "
                + sc.tuneSeed()
                + " is the tuning seed of "
                + f
                + "; a reported seed must not be the one the baselines were tuned on");
      }
      if (plan.stream().anyMatch(b -> b.scenario().name().equals(sc.name()))) {
        throw new InvalidExperimentException(f + ": another scenario is named '" + sc.name() + "'");
      }
      Benchmark b = new Benchmark(sc, root().resolve(sc.name()), arms, s, System.err, made, env);
      b.checkReplayable();
      plan.add(b);
    }
    return plan;
  }

  private static List<Path> allScenarios() throws InvalidExperimentException, IOException {
    if (!Files.isDirectory(SCENARIOS)) {
      throw new InvalidExperimentException(
          "no scenarios given and no "
              + SCENARIOS
              + " here: run from the repository root, or name the files");
    }
    try (Stream<Path> s = Files.list(SCENARIOS)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }
}
