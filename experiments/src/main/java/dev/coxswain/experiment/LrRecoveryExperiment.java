package dev.coxswain.experiment;

import dev.coxswain.experiment.LrRecoveryArm.Control;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The LR-recovery case study: plans the arms, runs every (arm, seed) that is not complete on disk
 * yet, one after the other, and writes the table and the plots once every run is there.
 *
 * <p>Layout under the output directory: {@code runs/<arm>/seed-<s>/} holds each run (run.json,
 * events.jsonl, agent.jsonl, and result.json once complete); {@code results.md}, {@code
 * results.json}, {@code val_loss.png} and {@code lr.png} are the report.
 */
public final class LrRecoveryExperiment {
  private final LrRecoveryConfig config;
  private final Path out;
  private final Map<String, String> env;
  private final PrintStream log;

  public LrRecoveryExperiment(
      LrRecoveryConfig config, Path out, Map<String, String> env, PrintStream log) {
    this.config = config;
    this.out = out;
    this.env = env;
    this.log = log;
  }

  /** Whether the OpenAI arm runs: only with a key. */
  public boolean openAiArm() {
    String key = env.get("OPENAI_API_KEY");
    return config.agentPolicies().contains("openai") && key != null && !key.isBlank();
  }

  /** Every arm but the oracle, whose lr is known only after the sweep. */
  List<LrRecoveryArm> fixedArms() {
    List<LrRecoveryArm> arms = new ArrayList<>();
    List<Long> seeds = config.seeds();
    arms.add(
        new LrRecoveryArm(
            "a-too-high",
            "(a) constant lr " + LrRecoveryArm.lrText(config.highLr()) + ", far too high",
            config.highLr(),
            Control.CONSTANT,
            seeds));
    arms.add(
        new LrRecoveryArm(
            "b-agent-rule",
            "(b) same start, agent (rule policy) every " + config.agentEvery(),
            config.highLr(),
            Control.AGENT_RULE,
            seeds));
    if (openAiArm()) {
      arms.add(
          new LrRecoveryArm(
              "b-agent-openai",
              "(b) same start, agent (OpenAI) every " + config.agentEvery(),
              config.highLr(),
              Control.AGENT_OPENAI,
              seeds));
    }
    for (double lr : config.sweepLrs()) {
      arms.add(
          new LrRecoveryArm(
              LrRecoveryArm.sweepId(lr),
              "sweep lr " + LrRecoveryArm.lrText(lr),
              lr,
              Control.CONSTANT,
              config.sweepSeeds()));
    }
    arms.add(
        new LrRecoveryArm(
            "d-linear-decay",
            "(d) linear decay "
                + LrRecoveryArm.lrText(config.decayLr())
                + " to "
                + LrRecoveryArm.lrText(config.decayFinalLr()),
            config.decayLr(),
            Control.LINEAR_DECAY,
            seeds));
    arms.add(
        new LrRecoveryArm(
            "e-plateau",
            String.format(
                Locale.ROOT,
                "(e) reduce on plateau from %s (x%s after %d evals without a new best)",
                LrRecoveryArm.lrText(config.plateauLr()),
                LrRecoveryArm.lrText(config.plateauFactor()),
                config.plateauPatience()),
            config.plateauLr(),
            Control.PLATEAU,
            seeds));
    return arms;
  }

  /** The oracle arm: the sweep lr with the lowest mean final validation loss on the sweep seeds. */
  LrRecoveryArm oracle(Map<String, Map<Long, LrRecoveryResult>> done) {
    double bestLr = Double.NaN;
    double best = Double.POSITIVE_INFINITY;
    for (double lr : config.sweepLrs()) {
      Map<Long, LrRecoveryResult> r = done.get(LrRecoveryArm.sweepId(lr));
      if (r == null || r.size() < config.sweepSeeds().size()) {
        return null;
      }
      double mean =
          r.values().stream().mapToDouble(LrRecoveryResult::finalValLoss).average().orElseThrow();
      if (mean < best) {
        best = mean;
        bestLr = lr;
      }
    }
    return new LrRecoveryArm(
        "c-oracle",
        "(c) best constant lr of the sweep: " + LrRecoveryArm.lrText(bestLr),
        bestLr,
        Control.CONSTANT,
        config.seeds());
  }

  Path runDir(String arm, long seed) {
    return out.resolve("runs").resolve(arm).resolve("seed-" + seed);
  }

  /** Complete runs on disk, by arm and seed. */
  Map<String, Map<Long, LrRecoveryResult>> completed() throws IOException {
    Map<String, Map<Long, LrRecoveryResult>> m = new LinkedHashMap<>();
    Path runs = out.resolve("runs");
    if (!Files.isDirectory(runs)) {
      return m;
    }
    try (var walk = Files.walk(runs, 3)) {
      for (Path p : walk.filter(x -> x.getFileName().toString().equals("result.json")).toList()) {
        LrRecoveryResult r = Json.read(Files.readString(p), LrRecoveryResult.class);
        if ("finished".equals(r.status()) || "stopped".equals(r.status())) {
          m.computeIfAbsent(r.arm(), k -> new LinkedHashMap<>()).put(r.seed(), r);
        }
      }
    }
    return m;
  }

  /**
   * Refuses runs on disk that another configuration made: a complete run is reused only when its
   * length is this configuration's (a finished run reached exactly the planned steps; one stopped
   * early never passed them). Without it the smoke configuration, pointed at the committed results'
   * directory, reported the full experiment's runs as its own.
   *
   * @throws InvalidExperimentException naming the run, its steps, the planned steps and the way out
   */
  public void checkRunsOnDisk() throws IOException, InvalidExperimentException {
    long planned = config.steps();
    for (Map<Long, LrRecoveryResult> bySeed : completed().values()) {
      for (LrRecoveryResult r : bySeed.values()) {
        boolean finished = "finished".equals(r.status());
        if (finished ? r.steps() != planned : r.steps() > planned) {
          throw new InvalidExperimentException(
              String.format(
                  Locale.ROOT,
                  "%s was made by another configuration (%s at step %d; %s plans %d steps):"
                      + " give this one its own --out DIR, or remove that run",
                  runDir(r.arm(), r.seed()),
                  r.status(),
                  r.steps(),
                  config.name(),
                  planned));
        }
      }
    }
  }

  /** The (arm, seed) pairs of the whole plan that have no complete run on disk. */
  public List<String> missing() throws IOException {
    Map<String, Map<Long, LrRecoveryResult>> done = completed();
    List<String> miss = new ArrayList<>();
    List<LrRecoveryArm> arms = new ArrayList<>(fixedArms());
    LrRecoveryArm o = oracle(done);
    if (o == null) {
      miss.add("c-oracle (all seeds: the sweep is not complete)");
    } else {
      arms.add(o);
    }
    for (LrRecoveryArm a : arms) {
      for (long s : a.seeds()) {
        if (!hasRun(done, a, s)) {
          miss.add(a.id() + " seed " + s);
        }
      }
    }
    return miss;
  }

  private boolean hasRun(
      Map<String, Map<Long, LrRecoveryResult>> done, LrRecoveryArm a, long seed) {
    if (a.id().equals("c-oracle") && config.sweepSeeds().contains(seed)) {
      return done.getOrDefault(LrRecoveryArm.sweepId(a.lr()), Map.of()).containsKey(seed);
    }
    return done.getOrDefault(a.id(), Map.of()).containsKey(seed);
  }

  /** Runs what is missing, in plan order. */
  public void runMissing() throws Exception {
    LrRecoveryArmRunner runner = new LrRecoveryArmRunner(config, env, ResultOrigin.current());
    List<LrRecoveryArm> plan = plan();
    int total = 0;
    for (LrRecoveryArm a : plan) {
      total += a == null ? config.seeds().size() : a.seeds().size();
    }
    int n = 0;
    for (LrRecoveryArm planned : plan) {
      LrRecoveryArm a = planned != null ? planned : oracle(completed());
      if (a == null) {
        throw new IllegalStateException("the sweep did not complete; cannot pick the oracle lr");
      }
      for (long seed : a.seeds()) {
        n++;
        runIfMissing(runner, a, seed, "[" + n + "/" + total + "] ");
      }
    }
  }

  /** The arms in the order they run; null stands for the oracle, resolved when reached. */
  private List<LrRecoveryArm> plan() {
    List<LrRecoveryArm> plan = new ArrayList<>();
    // the sweep first: the oracle's other seeds need its winner
    for (LrRecoveryArm a : fixedArms()) {
      if (a.id().startsWith("c-sweep-")) {
        plan.add(a);
      }
    }
    for (LrRecoveryArm a : fixedArms()) {
      if (!a.id().startsWith("c-sweep-")) {
        plan.add(a);
      }
    }
    plan.add(null); // the oracle, resolved when reached
    return plan;
  }

  /** Runs one arm's seed unless its result is on disk; an interrupted run starts again. */
  private void runIfMissing(LrRecoveryArmRunner runner, LrRecoveryArm a, long seed, String count)
      throws Exception {
    Map<String, Map<Long, LrRecoveryResult>> done = completed();
    if (hasRun(done, a, seed)) {
      log.printf(Locale.ROOT, "%s%s seed %d: complete on disk, skipped%n", count, a.id(), seed);
      return;
    }
    Path dir = runDir(a.id(), seed);
    if (Files.exists(dir)) {
      // an interrupted run: its partial log is no result; run it again from the start
      log.printf(
          Locale.ROOT,
          "%s%s seed %d: incomplete run on disk, starting it again%n",
          count,
          a.id(),
          seed);
      deleteTree(dir);
    }
    log.printf(
        Locale.ROOT,
        "%s%s seed %d: lr %s, %d steps ...%n",
        count,
        a.id(),
        seed,
        LrRecoveryArm.lrText(a.lr()),
        config.steps());
    LrRecoveryResult r = runner.run(a, seed, dir);
    log.printf(
        Locale.ROOT,
        "%s%s seed %d: %s, final val %.4f (best %.4f at %d), lr %.3g, %d interventions,"
            + " decisions helped/hurt/neutral %d/%d/%d, %.0f s%n",
        count,
        a.id(),
        seed,
        r.status(),
        r.finalValLoss(),
        r.bestValLoss(),
        r.bestValStep(),
        r.finalLr(),
        r.interventions(),
        r.outcome("helped"),
        r.outcome("hurt"),
        r.outcome("neutral"),
        r.wallSeconds());
  }

  /** The arms of the report, in table order, with their runs; null when something is missing. */
  Map<LrRecoveryArm, List<LrRecoveryResult>> reportArms() throws IOException {
    Map<String, Map<Long, LrRecoveryResult>> done = completed();
    LrRecoveryArm o = oracle(done);
    if (o == null || !missing().isEmpty()) {
      return null;
    }
    Map<LrRecoveryArm, List<LrRecoveryResult>> m = new LinkedHashMap<>();
    List<LrRecoveryArm> arms = new ArrayList<>(fixedArms());
    arms.add(o);
    arms.sort(Comparator.comparing(LrRecoveryArm::id));
    for (LrRecoveryArm a : arms) {
      List<LrRecoveryResult> rs = new ArrayList<>();
      for (long s : a.seeds()) {
        String id =
            a.id().equals("c-oracle") && config.sweepSeeds().contains(s)
                ? LrRecoveryArm.sweepId(a.lr())
                : a.id();
        rs.add(done.get(id).get(s));
      }
      m.put(a, rs);
    }
    return m;
  }

  static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  public LrRecoveryConfig config() {
    return config;
  }

  public Path out() {
    return out;
  }
}
