package dev.coxswain.server.experiment;

import dev.coxswain.protocol.Json;
import dev.coxswain.server.experiment.Arm.Control;
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
public final class Experiment {
  private final ExperimentConfig config;
  private final Path out;
  private final Map<String, String> env;
  private final PrintStream log;

  public Experiment(ExperimentConfig config, Path out, Map<String, String> env, PrintStream log) {
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
  List<Arm> fixedArms() {
    List<Arm> arms = new ArrayList<>();
    List<Long> seeds = config.seeds();
    arms.add(
        new Arm(
            "a-too-high",
            "(a) constant lr " + Arm.lrText(config.highLr()) + ", far too high",
            config.highLr(),
            Control.CONSTANT,
            seeds));
    arms.add(
        new Arm(
            "b-agent-rule",
            "(b) same start, agent (rule policy) every " + config.agentEvery(),
            config.highLr(),
            Control.AGENT_RULE,
            seeds));
    if (openAiArm()) {
      arms.add(
          new Arm(
              "b-agent-openai",
              "(b) same start, agent (OpenAI) every " + config.agentEvery(),
              config.highLr(),
              Control.AGENT_OPENAI,
              seeds));
    }
    for (double lr : config.sweepLrs()) {
      arms.add(
          new Arm(
              Arm.sweepId(lr),
              "sweep lr " + Arm.lrText(lr),
              lr,
              Control.CONSTANT,
              config.sweepSeeds()));
    }
    arms.add(
        new Arm(
            "d-linear-decay",
            "(d) linear decay "
                + Arm.lrText(config.decayLr())
                + " to "
                + Arm.lrText(config.decayFinalLr()),
            config.decayLr(),
            Control.LINEAR_DECAY,
            seeds));
    arms.add(
        new Arm(
            "e-plateau",
            String.format(
                Locale.ROOT,
                "(e) reduce on plateau from %s (x%s after %d evals without a new best)",
                Arm.lrText(config.plateauLr()),
                Arm.lrText(config.plateauFactor()),
                config.plateauPatience()),
            config.plateauLr(),
            Control.PLATEAU,
            seeds));
    return arms;
  }

  /** The oracle arm: the sweep lr with the lowest mean final validation loss on the sweep seeds. */
  Arm oracle(Map<String, Map<Long, RunResult>> done) {
    double bestLr = Double.NaN;
    double best = Double.POSITIVE_INFINITY;
    for (double lr : config.sweepLrs()) {
      Map<Long, RunResult> r = done.get(Arm.sweepId(lr));
      if (r == null || r.size() < config.sweepSeeds().size()) {
        return null;
      }
      double mean =
          r.values().stream().mapToDouble(RunResult::finalValLoss).average().orElseThrow();
      if (mean < best) {
        best = mean;
        bestLr = lr;
      }
    }
    return new Arm(
        "c-oracle",
        "(c) best constant lr of the sweep: " + Arm.lrText(bestLr),
        bestLr,
        Control.CONSTANT,
        config.seeds());
  }

  Path runDir(String arm, long seed) {
    return out.resolve("runs").resolve(arm).resolve("seed-" + seed);
  }

  /** Complete runs on disk, by arm and seed. */
  Map<String, Map<Long, RunResult>> completed() throws IOException {
    Map<String, Map<Long, RunResult>> m = new LinkedHashMap<>();
    Path runs = out.resolve("runs");
    if (!Files.isDirectory(runs)) {
      return m;
    }
    try (var walk = Files.walk(runs, 3)) {
      for (Path p : walk.filter(x -> x.getFileName().toString().equals("result.json")).toList()) {
        RunResult r = Json.read(Files.readString(p), RunResult.class);
        if ("finished".equals(r.status()) || "stopped".equals(r.status())) {
          m.computeIfAbsent(r.arm(), k -> new LinkedHashMap<>()).put(r.seed(), r);
        }
      }
    }
    return m;
  }

  /** The (arm, seed) pairs of the whole plan that have no complete run on disk. */
  public List<String> missing() throws IOException {
    Map<String, Map<Long, RunResult>> done = completed();
    List<String> miss = new ArrayList<>();
    List<Arm> arms = new ArrayList<>(fixedArms());
    Arm o = oracle(done);
    if (o == null) {
      miss.add("c-oracle (all seeds: the sweep is not complete)");
    } else {
      arms.add(o);
    }
    for (Arm a : arms) {
      for (long s : a.seeds()) {
        if (!hasRun(done, a, s)) {
          miss.add(a.id() + " seed " + s);
        }
      }
    }
    return miss;
  }

  private boolean hasRun(Map<String, Map<Long, RunResult>> done, Arm a, long seed) {
    if (a.id().equals("c-oracle") && config.sweepSeeds().contains(seed)) {
      return done.getOrDefault(Arm.sweepId(a.lr()), Map.of()).containsKey(seed);
    }
    return done.getOrDefault(a.id(), Map.of()).containsKey(seed);
  }

  /** Runs what is missing, in plan order. */
  public void runMissing() throws Exception {
    ArmRunner runner = new ArmRunner(config, env, Report.commit());
    List<Arm> plan = new ArrayList<>();
    // the sweep first: the oracle's other seeds need its winner
    for (Arm a : fixedArms()) {
      if (a.id().startsWith("c-sweep-")) {
        plan.add(a);
      }
    }
    for (Arm a : fixedArms()) {
      if (!a.id().startsWith("c-sweep-")) {
        plan.add(a);
      }
    }
    plan.add(null); // the oracle, resolved when reached
    int total = 0;
    for (Arm a : plan) {
      total += a == null ? config.seeds().size() : a.seeds().size();
    }
    int n = 0;
    for (Arm planned : plan) {
      Arm a = planned != null ? planned : oracle(completed());
      if (a == null) {
        throw new IllegalStateException("the sweep did not complete; cannot pick the oracle lr");
      }
      for (long seed : a.seeds()) {
        n++;
        Map<String, Map<Long, RunResult>> done = completed();
        if (hasRun(done, a, seed)) {
          log.printf(
              Locale.ROOT,
              "[%d/%d] %s seed %d: complete on disk, skipped%n",
              n,
              total,
              a.id(),
              seed);
          continue;
        }
        Path dir = runDir(a.id(), seed);
        if (Files.exists(dir)) {
          // an interrupted run: its partial log is no result; run it again from the start
          log.printf(
              Locale.ROOT,
              "[%d/%d] %s seed %d: incomplete run on disk, starting it again%n",
              n,
              total,
              a.id(),
              seed);
          deleteTree(dir);
        }
        log.printf(
            Locale.ROOT,
            "[%d/%d] %s seed %d: lr %s, %d steps ...%n",
            n,
            total,
            a.id(),
            seed,
            Arm.lrText(a.lr()),
            config.steps());
        RunResult r = runner.run(a, seed, dir);
        log.printf(
            Locale.ROOT,
            "[%d/%d] %s seed %d: %s, final val %.4f (best %.4f at %d), lr %.3g, %d interventions,"
                + " decisions helped/hurt/neutral %d/%d/%d, %.0f s%n",
            n,
            total,
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
    }
  }

  /** The arms of the report, in table order, with their runs; null when something is missing. */
  Map<Arm, List<RunResult>> reportArms() throws IOException {
    Map<String, Map<Long, RunResult>> done = completed();
    Arm o = oracle(done);
    if (o == null || !missing().isEmpty()) {
      return null;
    }
    Map<Arm, List<RunResult>> m = new LinkedHashMap<>();
    List<Arm> arms = new ArrayList<>(fixedArms());
    arms.add(o);
    arms.sort(Comparator.comparing(Arm::id));
    for (Arm a : arms) {
      List<RunResult> rs = new ArrayList<>();
      for (long s : a.seeds()) {
        String id =
            a.id().equals("c-oracle") && config.sweepSeeds().contains(s)
                ? Arm.sweepId(a.lr())
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

  public ExperimentConfig config() {
    return config;
  }

  public Path out() {
    return out;
  }
}
