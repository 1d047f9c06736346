package dev.coxswain.experiment;

import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The experiment's report: a Markdown table (per arm: final and best validation loss and perplexity
 * as mean ± standard deviation over seeds, interventions, LLM tokens and cost, wall time), the same
 * numbers as JSON, and two PNG plots (validation loss and lr against step). Each names the command
 * and the commit that produced it.
 */
public final class LrRecoveryReport {
  private final LrRecoveryExperiment x;
  private final String command;

  public LrRecoveryReport(LrRecoveryExperiment x, String command) {
    this.x = x;
    this.command = command;
  }

  /** The commit and the code that trained a run, as the report names them. */
  static String trainedBy(LrRecoveryResult r) {
    if (r.commit() == null) {
      return "not recorded";
    }
    return new ResultOrigin(r.commit(), r.code(), r.codeSha256()).text();
  }

  public ResultFiles write() throws IOException {
    Map<LrRecoveryArm, List<LrRecoveryResult>> arms = x.reportArms();
    if (arms == null) {
      throw new IllegalStateException("not every run is complete: " + x.missing());
    }
    LrRecoveryConfig c = x.config();
    String commit = ResultOrigin.gitCommit();
    String when = Instant.now().toString();
    LrRecoveryArm oracle =
        arms.keySet().stream().filter(a -> a.id().equals("c-oracle")).findFirst().get();
    double oracleFinal =
        Stat.of(arms.get(oracle).stream().map(LrRecoveryResult::finalValLoss).toList()).mean();
    Map<String, Long> trained = new TreeMap<>();
    arms.values().stream()
        .flatMap(List::stream)
        .distinct()
        .forEach(r -> trained.merge(trainedBy(r), 1L, Long::sum));
    List<Map<String, Object>> json = new ArrayList<>();
    String table = armsTable(arms, oracleFinal, json);
    StringBuilder md = new StringBuilder(header(commit, when, trained));
    md.append(table).append('\n');
    md.append("Interventions are applied commands from the agent, its automatic recovery or the");
    md.append(" schedule (a rollback counts with its halving). Steps computed include steps a");
    md.append(" rollback threw away. LLM cost is metered from the token usage.\n\n");
    double total =
        arms.values().stream()
            .flatMap(List::stream)
            .distinct()
            .mapToDouble(LrRecoveryResult::wallSeconds)
            .sum();
    md.append(sweep(arms, oracle, oracleFinal, total, json));
    md.append("![validation loss](val_loss.png)\n\n![learning rate](lr.png)\n");

    Path mdFile = x.out().resolve("results.md");
    Files.createDirectories(x.out());
    Files.writeString(mdFile, md.toString());
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("command", command);
    all.put("commit", commit);
    all.put("trained_at", trained);
    all.put("time", when);
    all.put("experiment", c.name());
    all.put("oracle_lr", oracle.lr());
    all.put("total_wall_seconds", total);
    all.put("arms", json);
    Path jsonFile = x.out().resolve("results.json");
    Files.writeString(
        jsonFile, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
    String footer = command + "   |   commit " + commit + "   |   " + when;
    Path val = x.out().resolve("val_loss.png");
    Path lr = x.out().resolve("lr.png");
    LrRecoveryPlots plots = new LrRecoveryPlots(c, footer);
    plots.write(arms, false, val);
    plots.write(arms, true, lr);
    return new ResultFiles(table, List.of(mdFile, jsonFile, val, lr));
  }

  /** The title, who wrote it and from what, and how to read the table. */
  private String header(String commit, String when, Map<String, Long> trained) {
    LrRecoveryConfig c = x.config();
    StringBuilder md = new StringBuilder();
    md.append("# ").append(c.name()).append(": results\n\n");
    md.append("Produced by `")
        .append(command)
        .append("`; report written at commit `")
        .append(commit);
    md.append("` (").append(when).append("). Runs trained at commit ");
    md.append(
            String.join(
                ", ",
                trained.entrySet().stream()
                    .map(e -> "`" + e.getKey() + "` (" + e.getValue() + " runs)")
                    .toList()))
        .append(".\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Default workload (character-level GPT on the State of the Union corpus), %d steps per"
                + " run%s; validation every %d steps, checkpoints every %d; seeds %s."
                + " Values are mean ± standard deviation over seeds; perplexity is exp(loss)."
                + " \"vs (c)\" is the final validation loss against the oracle's mean; \"best\" is the"
                + " lowest validation loss after step %d (the arm's own part of the run).\n\n",
            c.steps(),
            c.pretrainSteps() > 0
                ? String.format(
                    Locale.ROOT,
                    ", of which the first %d at lr %s are the shared \"pretrained\" start and the"
                        + " arm's lr applies from step %d",
                    c.pretrainSteps(),
                    LrRecoveryArm.lrText(c.pretrainLr()),
                    c.pretrainSteps() + 1)
                : "",
            c.evalEvery(),
            c.checkpointEvery(),
            c.seeds(),
            c.pretrainSteps()));
    return md.toString();
  }

  /** The table of arms (the sweep's aside); each arm's summary added to {@code json}. */
  private String armsTable(
      Map<LrRecoveryArm, List<LrRecoveryResult>> arms,
      double oracleFinal,
      List<Map<String, Object>> json) {
    StringBuilder table = new StringBuilder();
    table.append(
        "| arm | seeds | final val loss | final perplexity | best val loss | best perplexity | vs (c) |"
            + " interventions (per seed) | rollbacks (per seed) | steps computed (per seed) | decisions helped / hurt / neutral | LLM tokens (in/out) | LLM cost | wall time per run |\n");
    table.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map.Entry<LrRecoveryArm, List<LrRecoveryResult>> e : arms.entrySet()) {
      LrRecoveryArm a = e.getKey();
      if (a.id().startsWith("c-sweep-")) {
        continue;
      }
      table.append(row(a, e.getValue(), oracleFinal));
      json.add(summary(a, e.getValue(), oracleFinal));
    }
    return table.toString();
  }

  /** The sweep behind the oracle and what it cost; each lr's summary added to {@code json}. */
  private String sweep(
      Map<LrRecoveryArm, List<LrRecoveryResult>> arms,
      LrRecoveryArm oracle,
      double oracleFinal,
      double total,
      List<Map<String, Object>> json) {
    StringBuilder md = new StringBuilder("## The sweep behind (c)\n\n");
    md.append(
        "| lr | seeds | final val loss | best val loss | wall time per run |\n|---|---|---|---|---|\n");
    double sweepWall = 0;
    for (Map.Entry<LrRecoveryArm, List<LrRecoveryResult>> e : arms.entrySet()) {
      if (!e.getKey().id().startsWith("c-sweep-")) {
        continue;
      }
      List<LrRecoveryResult> rs = e.getValue();
      sweepWall += rs.stream().mapToDouble(LrRecoveryResult::wallSeconds).sum();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s%s | %s | %s | %s | %.0f s |\n",
              LrRecoveryArm.lrText(e.getKey().lr()),
              e.getKey().lr() == oracle.lr() ? " (best)" : "",
              rs.stream().map(r -> String.valueOf(r.seed())).toList(),
              Stat.of(rs.stream().map(LrRecoveryResult::finalValLoss).toList()).text("%.4f"),
              Stat.of(rs.stream().map(this::best).toList()).text("%.4f"),
              Stat.of(rs.stream().map(LrRecoveryResult::wallSeconds).toList()).mean()));
      json.add(summary(e.getKey(), rs, oracleFinal));
    }
    LrRecoveryConfig c = x.config();
    md.append(
        String.format(
            Locale.ROOT,
            "\nThe sweep cost %.0f s of training (%d runs); the whole experiment %.0f s (%.1f min)"
                + " of training, run after run.\n\n",
            sweepWall,
            c.sweepLrs().size() * c.sweepSeeds().size(),
            total,
            total / 60));
    return md.toString();
  }

  private String row(LrRecoveryArm a, List<LrRecoveryResult> rs, double oracleFinal) {
    Stat fin = Stat.of(rs.stream().map(LrRecoveryResult::finalValLoss).toList());
    Stat finPpl = Stat.of(rs.stream().map(r -> Math.exp(r.finalValLoss())).toList());
    Stat best = Stat.of(rs.stream().map(this::best).toList());
    Stat bestPpl = Stat.of(rs.stream().map(r -> Math.exp(best(r))).toList());
    Stat wall = Stat.of(rs.stream().map(LrRecoveryResult::wallSeconds).toList());
    long in = rs.stream().mapToLong(LrRecoveryResult::inputTokens).sum();
    long outTok = rs.stream().mapToLong(LrRecoveryResult::outputTokens).sum();
    double cost = rs.stream().mapToDouble(LrRecoveryResult::costUsd).sum();
    boolean llm = a.control() == LrRecoveryArm.Control.AGENT_OPENAI;
    String interventions = perSeed(rs, LrRecoveryResult::interventions);
    String stopped =
        rs.stream().anyMatch(r -> !"finished".equals(r.status()))
            ? " (some runs stopped: " + rs.stream().map(LrRecoveryResult::status).toList() + ")"
            : "";
    return String.format(
        Locale.ROOT,
        "| %s%s | %d | %s | %s | %s | %s | %+.1f%% | %s | %s | %s | %s | %s | %s | %.0f s |\n",
        a.label(),
        stopped,
        rs.size(),
        fin.text("%.4f"),
        finPpl.text("%.3f"),
        best.text("%.4f"),
        bestPpl.text("%.3f"),
        100 * (fin.mean() / oracleFinal - 1),
        a.control() == LrRecoveryArm.Control.LINEAR_DECAY
            ? "schedule, every 10 steps"
            : interventions,
        perSeed(rs, LrRecoveryResult::rollbacks),
        perSeed(rs, LrRecoveryResult::stepsTrained),
        outcomes(a, rs),
        llm ? String.format(Locale.ROOT, "%,d / %,d", in, outTok) : "—",
        llm ? String.format(Locale.ROOT, "$%.4f", cost) : "—",
        wall.mean());
  }

  /**
   * The best validation loss of the arm's own part of a run (after the shared pretraining), so that
   * an arm that only made the pretrained model worse does not report the pretrained model's loss.
   */
  double best(LrRecoveryResult r) {
    long from = x.config().pretrainSteps();
    return r.evals().stream()
        .filter(p -> p[0] > from)
        .mapToDouble(p -> p[1])
        .min()
        .orElse(r.bestValLoss());
  }

  /** The agent's decisions by what followed them, over all seeds: "20 / 3 / 10". */
  private static String outcomes(LrRecoveryArm a, List<LrRecoveryResult> rs) {
    boolean agent =
        a.control() == LrRecoveryArm.Control.AGENT_RULE
            || a.control() == LrRecoveryArm.Control.AGENT_OPENAI;
    if (!agent || rs.stream().allMatch(r -> r.outcomes() == null)) {
      return "—";
    }
    int unknown = rs.stream().mapToInt(r -> r.outcome("unknown")).sum();
    return String.format(
            Locale.ROOT,
            "%d / %d / %d",
            rs.stream().mapToInt(r -> r.outcome("helped")).sum(),
            rs.stream().mapToInt(r -> r.outcome("hurt")).sum(),
            rs.stream().mapToInt(r -> r.outcome("neutral")).sum())
        + (unknown > 0 ? " (" + unknown + " unknown)" : "");
  }

  /** One value per seed, in seed order: "3, 3, 5". */
  private static String perSeed(
      List<LrRecoveryResult> rs, java.util.function.Function<LrRecoveryResult, ?> f) {
    return String.join(", ", rs.stream().map(r -> String.valueOf(f.apply(r))).toList());
  }

  private Map<String, Object> summary(
      LrRecoveryArm a, List<LrRecoveryResult> rs, double oracleFinal) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("arm", a.id());
    m.put("label", a.label());
    m.put("start_lr", a.lr());
    m.put("seeds", rs.stream().map(LrRecoveryResult::seed).toList());
    Stat fin = Stat.of(rs.stream().map(LrRecoveryResult::finalValLoss).toList());
    Stat best = Stat.of(rs.stream().map(this::best).toList());
    m.put(
        "final_val_loss",
        Map.of("mean", fin.mean(), "sd", fin.sd(), "min", fin.min(), "max", fin.max()));
    m.put(
        "best_val_loss",
        Map.of("mean", best.mean(), "sd", best.sd(), "min", best.min(), "max", best.max()));
    m.put("final_vs_oracle", fin.mean() / oracleFinal - 1);
    m.put("final_val_losses", rs.stream().map(LrRecoveryResult::finalValLoss).toList());
    m.put("interventions", rs.stream().map(LrRecoveryResult::interventions).toList());
    m.put("rollbacks", rs.stream().map(LrRecoveryResult::rollbacks).toList());
    m.put("outcomes", rs.stream().map(LrRecoveryResult::outcomes).toList());
    m.put("input_tokens", rs.stream().mapToLong(LrRecoveryResult::inputTokens).sum());
    m.put("output_tokens", rs.stream().mapToLong(LrRecoveryResult::outputTokens).sum());
    m.put("cost_usd", rs.stream().mapToDouble(LrRecoveryResult::costUsd).sum());
    m.put("wall_seconds", rs.stream().map(LrRecoveryResult::wallSeconds).toList());
    return m;
  }
}
