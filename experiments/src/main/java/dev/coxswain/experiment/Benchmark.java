package dev.coxswain.experiment;

import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One scenario of the benchmark: the baselines' lr sweep on the tuning seed, then every asked arm
 * on every asked seed, each run skipped when its {@code result.json} is on disk already.
 *
 * <p>Layout under {@code dir}: {@code runs/tune-<lr>/seed-<t>/} for the sweep, {@code
 * runs/<arm>/seed-<s>/} for the arms (run.json, events.jsonl, agent.jsonl, result.json).
 */
final class Benchmark {
  private final Scenario sc;
  private final Path dir;
  private final List<BenchArm> arms;
  private final List<Long> seeds;
  private final PrintStream log;
  private final ScenarioRunner runner;

  /**
   * @param env the LLM arm's endpoint and key (OPENAI_API_KEY, OPENAI_BASE_URL,
   *     COXSWAIN_AGENT_MODEL)
   */
  Benchmark(
      Scenario sc,
      Path dir,
      List<BenchArm> arms,
      List<Long> seeds,
      PrintStream log,
      ResultOrigin made,
      Map<String, String> env) {
    this.sc = sc;
    this.dir = dir;
    this.arms = arms;
    this.seeds = seeds;
    this.log = log;
    this.runner = new ScenarioRunner(sc, made, env, seed -> runDir(BenchArm.OPENAI.wire(), seed));
  }

  /**
   * The replay arm replays the openai arm's journal of each seed: refused before anything trains
   * when that run is neither on disk nor among the arms to run (which run in table order, the
   * openai arm before its replay).
   */
  void checkReplayable() throws IOException, InvalidExperimentException {
    if (!arms.contains(BenchArm.REPLAY) || arms.contains(BenchArm.OPENAI)) {
      return;
    }
    for (long seed : seeds) {
      if (done(BenchArm.OPENAI.wire(), seed) == null) {
        throw new InvalidExperimentException(
            sc.name()
                + ": the replay arm replays the openai arm's decisions, and its run of seed "
                + seed
                + " is not on disk: add openai to --arms");
      }
    }
  }

  Scenario scenario() {
    return sc;
  }

  Path dir() {
    return dir;
  }

  List<BenchArm> arms() {
    return arms;
  }

  List<Long> seeds() {
    return seeds;
  }

  static String tuneId(double lr) {
    return "tune-" + LrRecoveryArm.lrText(lr);
  }

  Path runDir(String id, long seed) {
    return dir.resolve("runs").resolve(id).resolve("seed-" + seed);
  }

  /** The complete run of (arm id, seed), or null; a run another scenario made is refused. */
  ScenarioResult done(String id, long seed) throws IOException, InvalidExperimentException {
    Path f = runDir(id, seed).resolve("result.json");
    if (!Files.exists(f)) {
      return null;
    }
    ScenarioResult r = Json.read(Files.readString(f), ScenarioResult.class);
    if (!sc.digest().equals(r.digest())) {
      throw new InvalidExperimentException(
          f
              + " was made by another version of scenario '"
              + r.scenario()
              + "' (digest "
              + r.digest()
              + ", this one "
              + sc.digest()
              + "): give this one its own --out DIR, or remove those runs");
    }
    return r;
  }

  /** Refuses another scenario's runs before anything trains. */
  void checkRunsOnDisk() throws IOException, InvalidExperimentException {
    Path runs = dir.resolve("runs");
    if (!Files.isDirectory(runs)) {
      return;
    }
    try (var walk = Files.walk(runs, 3)) {
      for (Path p : walk.filter(x -> x.getFileName().toString().equals("result.json")).toList()) {
        done(
            p.getParent().getParent().getFileName().toString(),
            Long.parseLong(p.getParent().getFileName().toString().substring(5)));
      }
    }
  }

  boolean needsTuning() {
    return arms.stream().anyMatch(BenchArm::tuned);
  }

  /** The sweep's results by lr, in sweep order; a missing point is absent. */
  Map<Double, ScenarioResult> tuning() throws IOException, InvalidExperimentException {
    Map<Double, ScenarioResult> m = new LinkedHashMap<>();
    for (double lr : sc.tuningLrs()) {
      ScenarioResult r = done(tuneId(lr), sc.tuneSeed());
      if (r != null) {
        m.put(lr, r);
      }
    }
    return m;
  }

  /** The sweep's winner: the best metric at the deadline on the tuning seed; NaN until complete. */
  double tunedLr() throws IOException, InvalidExperimentException {
    Map<Double, ScenarioResult> t = tuning();
    if (t.size() < sc.tuningLrs().size()) {
      return Double.NaN;
    }
    double best = Double.NaN;
    double bestValue = Double.NaN;
    for (Map.Entry<Double, ScenarioResult> e : t.entrySet()) {
      double v = e.getValue().scoreAt(sc.deadline());
      if (sc.better(v, bestValue)) {
        bestValue = v;
        best = e.getKey();
      }
    }
    return Double.isNaN(best) ? sc.tuningLrs().get(0) : best;
  }

  /** Steps the whole sweep computed (a tuned arm's hidden cost). */
  long tuningSteps() throws IOException, InvalidExperimentException {
    return tuning().values().stream().mapToLong(ScenarioResult::stepsTrained).sum();
  }

  /**
   * Whether the scenario has an untroubled reference run per seed ({@link BenchArm#UNTROUBLED}):
   * when it has troubles and each has an untroubled form ({@link Trouble#hasUntroubledRun}).
   */
  boolean hasUntroubled() {
    return !sc.troubles().isEmpty() && sc.troubles().stream().allMatch(Trouble::hasUntroubledRun);
  }

  /**
   * The untroubled reference run of each seed, by seed; empty when the scenario has none, null when
   * one is missing.
   */
  Map<Long, ScenarioResult> untroubled() throws IOException, InvalidExperimentException {
    Map<Long, ScenarioResult> m = new LinkedHashMap<>();
    if (!hasUntroubled()) {
      return m;
    }
    for (long s : seeds) {
      ScenarioResult r = done(BenchArm.UNTROUBLED.wire(), s);
      if (r == null) {
        return null;
      }
      m.put(s, r);
    }
    return m;
  }

  int total() {
    return (needsTuning() ? sc.tuningLrs().size() : 0)
        + (hasUntroubled() ? seeds.size() : 0)
        + arms.size() * seeds.size();
  }

  /**
   * Runs whatever is missing: the sweep first (the tuned arms need its winner), then the untroubled
   * reference of each seed (each arm's run is scored against it when written).
   */
  void runMissing(int[] counter, int total) throws Exception {
    if (needsTuning()) {
      for (double lr : sc.tuningLrs()) {
        one(BenchArm.TUNE, tuneId(lr), lr, sc.tuneSeed(), counter, total);
      }
    }
    if (hasUntroubled()) {
      for (long seed : seeds) {
        one(BenchArm.UNTROUBLED, BenchArm.UNTROUBLED.wire(), sc.lr(), seed, counter, total);
      }
    }
    for (BenchArm a : arms) {
      double lr = a.tuned() ? tunedLr() : sc.lr();
      for (long seed : seeds) {
        one(a, a.wire(), lr, seed, counter, total);
      }
    }
  }

  private void one(BenchArm arm, String id, double lr, long seed, int[] counter, int total)
      throws Exception {
    int n = ++counter[0];
    String head =
        String.format(Locale.ROOT, "[%d/%d] %s %s seed %d", n, total, sc.name(), id, seed);
    if (done(id, seed) != null) {
      log.println(head + ": complete on disk, skipped");
      return;
    }
    Path run = runDir(id, seed);
    if (Files.exists(run)) {
      log.println(head + ": incomplete run on disk, starting it again");
      LrRecoveryExperiment.deleteTree(run);
    }
    log.printf(
        Locale.ROOT, "%s: lr %s, %d steps ...%n", head, LrRecoveryArm.lrText(lr), sc.steps());
    ScenarioResult untroubled =
        hasUntroubled() && arm != BenchArm.UNTROUBLED
            ? done(BenchArm.UNTROUBLED.wire(), seed)
            : null;
    ScenarioResult r = runner.run(arm, lr, seed, run, untroubled);
    log.printf(
        Locale.ROOT,
        "%s: %s, %s at the deadline %.4f (best %.4f), %d steps trained," + " %d actions, %.1f s%n",
        head,
        r.status(),
        sc.metric(),
        r.scoreAt(sc.deadline()),
        r.bestUntil(sc.deadline(), sc.maximize()),
        r.stepsTrained(),
        r.actions().size(),
        r.wallSeconds());
  }

  /** The arms' results by arm and seed; null when a run is missing. */
  Map<BenchArm, List<ScenarioResult>> results() throws IOException, InvalidExperimentException {
    Map<BenchArm, List<ScenarioResult>> m = new LinkedHashMap<>();
    for (BenchArm a : arms) {
      List<ScenarioResult> rs = new ArrayList<>();
      for (long s : seeds) {
        ScenarioResult r = done(a.wire(), s);
        if (r == null) {
          return null;
        }
        rs.add(r);
      }
      m.put(a, rs);
    }
    return m;
  }
}
