package dev.coxswain.experiment;

import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Source;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.Payloads;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs the data-update case study: for every seed, three arms on the default workload over two
 * named sources, {@code old} and {@code new} (the corpus split by file name). Each run gets a data
 * directory of its own: {@code old/}, and {@code new/} from the start (arms "never", which only
 * evaluates on it, and "from the start") or copied in at {@code arrives_at} (arm "arrives"), which
 * then sends {@code reload_data} and {@code set_data_mixture} as a person would. A {@code
 * vocab.txt} of every character in the whole corpus keeps the vocabulary the same in every arm.
 * Runs complete on disk ({@code result.json}) are skipped.
 */
public final class DataUpdateExperiment {
  /** The three arms. */
  public enum Arm {
    NEVER("a-never", "(a) never gets the new data (evaluated on it only)"),
    ARRIVES("b-arrives", "(b) gets it at arrives_at through reload_data, keeps training"),
    FROM_START("c-from-start", "(c) had all of it from the start");

    final String id;
    final String label;

    Arm(String id, String label) {
      this.id = id;
      this.label = label;
    }
  }

  /**
   * What one run measured: final validation loss per source, and per evaluation; and what made it
   * (commit, code and its SHA-256, {@link ResultOrigin}; null in results from before those fields).
   */
  public record Result(
      String arm,
      long seed,
      String status,
      long steps,
      double finalOld,
      double finalNew,
      List<double[]> evals, // step, old, new (NaN where that source was not loaded)
      long reloadedAt,
      List<Object> reloadedFiles,
      double wallSeconds,
      String commit,
      String code,
      String codeSha256) {}

  private final DataUpdateConfig config;
  private final Path out;
  private final PrintStream log;

  public DataUpdateExperiment(DataUpdateConfig config, Path out, PrintStream log) {
    this.config = config;
    this.out = out;
    this.log = log;
  }

  public DataUpdateConfig config() {
    return config;
  }

  Path runDir(Arm arm, long seed) {
    return out.resolve("runs").resolve(arm.id).resolve("seed-" + seed);
  }

  /** Trains every run that is not complete on disk. */
  public void runMissing() throws Exception {
    ResultOrigin made = ResultOrigin.current();
    int n = 0;
    int total = Arm.values().length * config.seeds().size();
    for (long seed : config.seeds()) {
      for (Arm arm : Arm.values()) {
        n++;
        Path dir = runDir(arm, seed);
        if (Files.exists(dir.resolve("result.json"))) {
          log.printf(
              Locale.ROOT,
              "[%d/%d] %s seed %d: complete on disk, skipped%n",
              n,
              total,
              arm.id,
              seed);
          continue;
        }
        if (Files.exists(dir)) {
          RunFiles.deleteCheckpoints(dir); // an interrupted run starts again
          deleteTree(dir);
        }
        log.printf(
            Locale.ROOT,
            "[%d/%d] %s seed %d: %d steps ...%n",
            n,
            total,
            arm.id,
            seed,
            config.steps());
        Result r = run(arm, seed, dir, made);
        log.printf(
            Locale.ROOT,
            "[%d/%d] %s seed %d: %s, final val loss old %.4f, new %.4f, %.0f s%n",
            n,
            total,
            arm.id,
            seed,
            r.status(),
            r.finalOld(),
            r.finalNew(),
            r.wallSeconds());
      }
    }
  }

  /** Writes the table, results.json and the plots into {@code dir}. */
  public static ResultFiles report(DataUpdateExperiment x, String commandLine, Path dir)
      throws IOException {
    return new DataUpdateReport(x, commandLine, dir).write();
  }

  /** Runs missing from disk, by arm and seed. */
  public List<String> missing() {
    List<String> m = new ArrayList<>();
    for (long seed : config.seeds()) {
      for (Arm arm : Arm.values()) {
        if (!Files.exists(runDir(arm, seed).resolve("result.json"))) {
          m.add(arm.id + " seed " + seed);
        }
      }
    }
    return m;
  }

  /** Reads every run's result. */
  public Map<Arm, List<Result>> results() throws IOException {
    Map<Arm, List<Result>> out = new LinkedHashMap<>();
    for (Arm arm : Arm.values()) {
      List<Result> rs = new ArrayList<>();
      for (long seed : config.seeds()) {
        rs.add(Json.read(Files.readString(runDir(arm, seed).resolve("result.json")), Result.class));
      }
      out.put(arm, rs);
    }
    return out;
  }

  private Result run(Arm arm, long seed, Path dir, ResultOrigin made) throws Exception {
    Path data = dir.resolveSibling(dir.getFileName() + ".data");
    deleteTree(data);
    List<Path> newFiles = prepareData(data, arm != Arm.ARRIVES);
    RunSpec spec =
        RunSpec.resolve(
            runConfig(arm, seed, data), config.steps(), made.runJson(config.name(), arm.id));
    RunStore store = RunStore.create(dir, spec.runJson());
    Seen seen = new Seen();
    long t0 = System.nanoTime();
    RunOutcome end;
    try (InteractiveTrainer trainer =
        InteractiveTrainer.builder(spec.workload(), spec.trainer())
            .optRunDir(dir)
            .optSink(store::append)
            .optRecordCommands(false)
            .build()) {
      store.addListener(seen);
      if (arm == Arm.ARRIVES) {
        store.addListener(
            e -> {
              if (e.type() == EventType.METRICS && e.step() == config.arrivesAt()) {
                arrive(store, trainer, data, newFiles);
              }
            });
      }
      end = trainer.run();
    } finally {
      store.close();
    }
    double[] last = seen.evals.get(seen.evals.size() - 1);
    Result res =
        new Result(
            arm.id,
            seed,
            end.status(),
            end.step(),
            last[1],
            last[2],
            seen.evals,
            seen.reloadedAt,
            seen.reloaded,
            (System.nanoTime() - t0) / 1e9,
            made.commit(),
            made.code(),
            made.codeSha256());
    RunFiles.deleteCheckpoints(dir.resolve("checkpoints"));
    deleteTree(data);
    Path tmp = dir.resolve("result.json.tmp");
    Files.writeString(tmp, Json.write(res));
    Files.move(tmp, dir.resolve("result.json"), StandardCopyOption.ATOMIC_MOVE);
    return res;
  }

  /** The arm's run: the old data, and the new one as a source from the start (weighted or not). */
  private RunConfig runConfig(Arm arm, long seed, Path data) {
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put("old", "old");
    Map<String, Double> weights = new LinkedHashMap<>();
    weights.put("old", 1.0);
    if (arm != Arm.ARRIVES) {
      sources.put("new", "new");
      weights.put("new", arm == Arm.FROM_START ? 1.0 : 0.0);
    }
    RunConfig r = config.run();
    RunConfig.Data d =
        r.data() == null ? new RunConfig.Data(null, null, null, null, null, null, null) : r.data();
    return new RunConfig(
        arm.id + "-s" + seed,
        config.steps(),
        seed,
        config.lr(),
        config.evalEvery(),
        0,
        r.keepCheckpoints(),
        r.updateRatioEvery(),
        r.readEvery(),
        r.spike(),
        r.model(),
        new RunConfig.Data(
            data.toString(),
            d.holdoutEvery(),
            d.batchSize(),
            d.validationBatches(),
            "char",
            sources,
            weights),
        r.knobs(),
        null,
        null,
        r.optimizer(),
        r.paramGroups(),
        r.accumulate());
  }

  /** What the run's events say: each evaluation's loss per source, and the reload. */
  private static final class Seen implements Consumer<Event> {
    final List<double[]> evals = new ArrayList<>();
    long reloadedAt = -1;
    final List<Object> reloaded = new ArrayList<>();

    @Override
    public void accept(Event e) {
      if (e.type() == EventType.EVAL) {
        Map<String, Double> s = ((Payload.Eval) e.body()).sources();
        if (s != null) {
          evals.add(new double[] {e.step(), value(s.get("old")), value(s.get("new"))});
        }
      }
      if (e.type() == EventType.DATA
          && e.body() instanceof Payload.Data change
          && "reload".equals(change.change())) {
        reloadedAt = change.fromStep();
        reloaded.add(change.sources());
      }
    }
  }

  /** The new data lands in the run's data directory, and a person tells the run to take it. */
  private static void arrive(RunStore store, InteractiveTrainer t, Path data, List<Path> files) {
    try {
      Path dir = Files.createDirectories(data.resolve("new"));
      for (Path f : files) {
        Files.copy(f, dir.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    submit(
        store,
        t,
        "reload_data",
        Map.of("sources", List.of(Map.of("name", "new", "path", "new")), "now", true),
        "experiment: the new data arrived from deployment");
    submit(
        store,
        t,
        "set_data_mixture",
        Map.of("weights", Map.of("new", 1.0)),
        "experiment: train on old and new alike from here");
  }

  private static void submit(
      RunStore store, InteractiveTrainer t, String type, Map<String, Object> args, String why) {
    Command c = Command.of(type, Source.HUMAN, args).withReason(why);
    store.append(EventType.COMMAND, Payloads.encode(new Payload.CommandSent(c)));
    t.submit(c);
  }

  private static double value(Double v) {
    return v == null ? Double.NaN : v;
  }

  /**
   * The run's data directory: old/ (and new/ when {@code withNew}), vocab.txt.
   *
   * @return the corpus files of the new era (copied later when not now)
   */
  private List<Path> prepareData(Path data, boolean withNew) throws IOException {
    PathMatcher oldM = FileSystems.getDefault().getPathMatcher("glob:" + config.oldGlob());
    PathMatcher newM = FileSystems.getDefault().getPathMatcher("glob:" + config.newGlob());
    List<Path> olds = new ArrayList<>();
    List<Path> news = new ArrayList<>();
    if (!Files.isDirectory(config.corpus())) {
      throw new IOException(
          "corpus not found: " + config.corpus() + " (run scripts/fetch-corpus.sh)");
    }
    try (Stream<Path> s = Files.list(config.corpus())) {
      for (Path f : s.sorted().toList()) {
        if (oldM.matches(f.getFileName())) {
          olds.add(f);
        } else if (newM.matches(f.getFileName())) {
          news.add(f);
        }
      }
    }
    if (olds.size() < 2 || news.size() < 2) {
      throw new IOException(
          "the split gives "
              + olds.size()
              + " old and "
              + news.size()
              + " new files in "
              + config.corpus()
              + "; each needs at least 2");
    }
    Files.createDirectories(data.resolve("old"));
    for (Path f : olds) {
      Files.copy(f, data.resolve("old").resolve(f.getFileName().toString()));
    }
    if (withNew) {
      Files.createDirectories(data.resolve("new"));
      for (Path f : news) {
        Files.copy(f, data.resolve("new").resolve(f.getFileName().toString()));
      }
    }
    TreeSet<Character> chars = new TreeSet<>();
    for (Path f : olds.size() + news.size() > 0 ? concat(olds, news) : List.<Path>of()) {
      String t = Files.readString(f, StandardCharsets.UTF_8);
      for (int i = 0; i < t.length(); i++) {
        chars.add(t.charAt(i));
      }
    }
    StringBuilder v = new StringBuilder();
    chars.forEach(v::append);
    Files.writeString(data.resolve("vocab.txt"), v.toString()); // every arm: the same vocabulary
    return news;
  }

  private static List<Path> concat(List<Path> a, List<Path> b) {
    List<Path> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
