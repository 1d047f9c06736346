package dev.coxswain.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark's tables: one per scenario ({@code <scenario>/results.md}) and a summary of every
 * scenario of the invocation ({@code summary.md}), each computed from the runs' result files.
 */
final class BenchmarkReport {
  private BenchmarkReport() {}

  /** The scores of every arm of a complete scenario, in arm order. */
  static Map<BenchArm, BenchmarkScores> scores(Benchmark b)
      throws IOException, InvalidExperimentException {
    Map<BenchArm, List<ScenarioResult>> rs = b.results();
    Map<Long, ScenarioResult> untroubled = b.untroubled();
    if (rs == null || untroubled == null) {
      return null;
    }
    long tuning = b.needsTuning() ? b.tuningSteps() : 0;
    Scenario sc = b.scenario();
    Map<BenchArm, BenchmarkScores> m = new LinkedHashMap<>();
    for (Map.Entry<BenchArm, List<ScenarioResult>> e : rs.entrySet()) {
      m.put(
          e.getKey(),
          BenchmarkScores.of(
              e.getKey(), e.getValue(), sc.deadline(), tuning, untroubled, sc.maximize()));
    }
    return m;
  }

  /** Writes the scenario's table and returns it. */
  static String scenarioTable(
      Benchmark b, Map<BenchArm, BenchmarkScores> scores, String commandLine, String commit)
      throws IOException, InvalidExperimentException {
    Scenario sc = b.scenario();
    StringBuilder md = header(b, commandLine, commit);
    md.append("| arm | ")
        .append(sc.metric())
        .append(sc.maximize() ? " ↑" : " ↓")
        .append(" at the deadline | best until then |")
        .append(" steps per run | + tuning steps | steps from trouble to first correction |")
        .append(" steps from trouble until back within 2 % of the untroubled run |")
        .append(" decisions: helped / hurt of all |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (BenchmarkScores s : scores.values()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s (%s) | %s | %s | %.0f | %d | %s | %s | %s |%n",
              s.arm().wire(),
              s.arm().label()
                  + (s.stopped() == 0
                      ? ""
                      : "; "
                          + s.stopped()
                          + " of "
                          + s.runs()
                          + " stopped early, scored at their end"),
              s.atDeadline().text("%.4f"),
              s.best().text("%.4f"),
              s.steps().mean(),
              s.tuningSteps(),
              correction(s),
              back(s, b.hasUntroubled()),
              decisions(s)));
    }
    md.append("\n![").append(sc.name()).append(": the goal metric vs step](curves.png)\n");
    Files.createDirectories(b.dir());
    Files.writeString(b.dir().resolve("results.md"), md.toString());
    return md.toString();
  }

  /** The table's head: the troubles, the goal and the sweep, the untroubled run, the origin. */
  private static StringBuilder header(Benchmark b, String commandLine, String commit)
      throws IOException, InvalidExperimentException {
    Scenario sc = b.scenario();
    StringBuilder md = new StringBuilder();
    md.append("# Scenario ").append(sc.name()).append("\n\n");
    for (Trouble t : sc.troubles()) {
      md.append("- trouble: ").append(t.describe()).append('\n');
    }
    md.append(
        String.format(
            Locale.ROOT,
            "- goal: %s (%s) at step %d of %d; seeds %s; the baselines' lr %s was tuned on seed %d"
                + " over %s (%d steps)%n",
            sc.metric(),
            sc.direction(),
            sc.deadline(),
            sc.steps(),
            b.seeds(),
            b.needsTuning() ? LrRecoveryArm.lrText(b.tunedLr()) : "(no tuned arm)",
            sc.tuneSeed(),
            sc.tuningLrs(),
            b.needsTuning() ? b.tuningSteps() : 0));
    md.append(untroubledLine(b));
    md.append("- made by `")
        .append(commandLine)
        .append("` at commit `")
        .append(commit)
        .append("`\n\n");
    return md;
  }

  /** The table's line on the untroubled reference: what it is and what it cost. */
  private static String untroubledLine(Benchmark b) throws IOException, InvalidExperimentException {
    if (!b.hasUntroubled()) {
      return "- untroubled run: none (no trouble here has one that evaluates alike: an overfitting"
          + " run's validation set is its own, a noise floor injects nothing), so no"
          + " \"back within 2 %\"\n";
    }
    Map<Long, ScenarioResult> u = b.untroubled();
    double steps = u.values().stream().mapToLong(ScenarioResult::stepsTrained).average().orElse(0);
    boolean data = b.scenario().troubles().stream().anyMatch(t -> t.inUntroubledRun() != null);
    return String.format(
        Locale.ROOT,
        "- untroubled run: `none` on the same seed without the trouble%s, %.0f steps per seed,"
            + " charged to no arm%n",
        data ? " (the new data from the first step on)" : "",
        steps);
  }

  private static String back(BenchmarkScores s, boolean hasUntroubled) {
    if (!hasUntroubled) {
      return "n/a";
    }
    if (s.troubled() == 0) {
      return "no trouble reached it";
    }
    if (s.back().n() == 0) {
      return String.format(Locale.ROOT, "never (0 of %d runs)", s.troubled());
    }
    return String.format(
        Locale.ROOT, "%s (%d of %d runs)", s.back().text("%.0f"), s.back().n(), s.troubled());
  }

  private static String decisions(BenchmarkScores s) {
    if (!s.arm().policy()) {
      return "no agent";
    }
    String d = String.format(Locale.ROOT, "%d / %d of %d", s.helped(), s.hurt(), s.decisions());
    if (s.arm() == BenchArm.OPENAI) {
      d +=
          String.format(
              Locale.ROOT,
              "; LLM tokens %,d in, %,d out, $%.4f over %d runs",
              s.inputTokens(),
              s.outputTokens(),
              s.costUsd(),
              s.runs());
    }
    return d;
  }

  private static String correction(BenchmarkScores s) {
    if (s.corrected() == 0) {
      return "none";
    }
    return String.format(
        Locale.ROOT, "%s (%d of %d runs)", s.correction().text("%.0f"), s.corrected(), s.runs());
  }

  /**
   * The summary: per scenario, every arm's mean at the deadline, and each policy arm (the rule
   * agent) against the best baseline at equal compute and at any compute ({@link Standings}), with
   * the totals over the scenarios.
   */
  static String summary(
      Map<Benchmark, Map<BenchArm, BenchmarkScores>> all,
      Path file,
      String commandLine,
      String commit)
      throws IOException {
    List<BenchArm> cols = new ArrayList<>();
    for (Map<BenchArm, BenchmarkScores> m : all.values()) {
      for (BenchArm a : m.keySet()) {
        if (!cols.contains(a)) {
          cols.add(a);
        }
      }
    }
    List<BenchArm> policies = cols.stream().filter(BenchArm::policy).toList();
    StringBuilder md = new StringBuilder("# Benchmark summary\n\n");
    md.append("The goal's metric at the deadline, mean ± sd over seeds (each scenario names its")
        .append(" metric and the better way: ↓ lower, ↑ higher).")
        .append(" Each policy arm against the best baseline that computed no more than it did")
        .append(" (steps per run, every member's for pbt, plus the sweep's for a tuned arm) and")
        .append(" against the best baseline at any compute: win, tie (within one sd) or loss.")
        .append(" Made by `")
        .append(commandLine)
        .append("` at commit `")
        .append(commit)
        .append("`.\n\n| scenario |");
    cols.forEach(a -> md.append(' ').append(a.wire()).append(" |"));
    policies.forEach(
        p ->
            md.append(' ')
                .append(p.wire())
                .append(" vs equal compute | ")
                .append(p.wire())
                .append(" vs any compute |"));
    md.append("\n|---|");
    cols.forEach(a -> md.append("---|"));
    policies.forEach(p -> md.append("---|---|"));
    md.append('\n');
    Map<BenchArm, List<String>> equal = new LinkedHashMap<>();
    Map<BenchArm, List<String>> any = new LinkedHashMap<>();
    for (Map.Entry<Benchmark, Map<BenchArm, BenchmarkScores>> e : all.entrySet()) {
      Map<BenchArm, BenchmarkScores> m = e.getValue();
      Scenario sc = e.getKey().scenario();
      md.append("| ")
          .append(sc.name())
          .append(" (")
          .append(sc.metric())
          .append(sc.maximize() ? " ↑" : " ↓")
          .append(") |");
      for (BenchArm a : cols) {
        md.append(' ')
            .append(m.containsKey(a) ? m.get(a).atDeadline().text("%.4f") : "")
            .append(" |");
      }
      verdictCells(md, Standings.of(m), policies, equal, any);
      md.append('\n');
    }
    if (!policies.isEmpty()) {
      md.append("| totals |");
      cols.forEach(a -> md.append(" |"));
      for (BenchArm p : policies) {
        md.append(' ')
            .append(Standings.totals(equal.getOrDefault(p, List.of())))
            .append(" | ")
            .append(Standings.totals(any.getOrDefault(p, List.of())))
            .append(" |");
      }
      md.append('\n');
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, md.toString());
    return md.toString();
  }

  /** A scenario's verdict cells, one pair per policy column; each verdict kept for the totals. */
  private static void verdictCells(
      StringBuilder md,
      List<Standings.Verdict> verdicts,
      List<BenchArm> policies,
      Map<BenchArm, List<String>> equal,
      Map<BenchArm, List<String>> any) {
    for (BenchArm p : policies) {
      Standings.Verdict v = verdicts.stream().filter(x -> x.arm() == p).findFirst().orElse(null);
      if (v == null) {
        md.append(" | |");
        continue;
      }
      md.append(' ').append(v.equalCell()).append(" | ").append(v.anyCell()).append(" |");
      equal.computeIfAbsent(p, k -> new ArrayList<>()).add(v.vsEqual());
      any.computeIfAbsent(p, k -> new ArrayList<>()).add(v.vsAny());
    }
  }
}
