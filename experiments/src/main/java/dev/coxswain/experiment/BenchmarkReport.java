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
    if (rs == null) {
      return null;
    }
    long tuning = b.needsTuning() ? b.tuningSteps() : 0;
    Map<BenchArm, BenchmarkScores> m = new LinkedHashMap<>();
    for (Map.Entry<BenchArm, List<ScenarioResult>> e : rs.entrySet()) {
      m.put(
          e.getKey(),
          BenchmarkScores.of(e.getKey(), e.getValue(), b.scenario().deadline(), tuning));
    }
    return m;
  }

  /** Writes the scenario's table and returns it. */
  static String scenarioTable(
      Benchmark b, Map<BenchArm, BenchmarkScores> scores, String commandLine, String commit)
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
    md.append("- made by `")
        .append(commandLine)
        .append("` at commit `")
        .append(commit)
        .append("`\n\n");
    md.append("| arm | ")
        .append(sc.metric())
        .append(" at the deadline | best until then |")
        .append(" steps per run | + tuning steps | steps from trouble to first correction |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (BenchmarkScores s : scores.values()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s (%s) | %s | %s | %.0f | %d | %s |%n",
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
              correction(s)));
    }
    md.append("\n![").append(sc.name()).append(": the goal metric vs step](curves.png)\n");
    Files.createDirectories(b.dir());
    Files.writeString(b.dir().resolve("results.md"), md.toString());
    return md.toString();
  }

  private static String correction(BenchmarkScores s) {
    if (s.corrected() == 0) {
      return "none";
    }
    return String.format(
        Locale.ROOT, "%s (%d of %d runs)", s.correction().text("%.0f"), s.corrected(), s.runs());
  }

  /**
   * The summary: per scenario, every arm's mean at the deadline, the best baseline, and the rule
   * agent against it and against no intervention (win, tie within one standard deviation, loss).
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
    StringBuilder md = new StringBuilder("# Benchmark summary\n\n");
    md.append("The goal's metric at the deadline, mean ± sd over seeds (lower is better).")
        .append(" Made by `")
        .append(commandLine)
        .append("` at commit `")
        .append(commit)
        .append("`.\n\n| scenario |");
    cols.forEach(a -> md.append(' ').append(a.wire()).append(" |"));
    md.append(" best baseline | rule vs best baseline | rule vs none |\n|---|");
    cols.forEach(a -> md.append("---|"));
    md.append("---|---|---|\n");
    for (Map.Entry<Benchmark, Map<BenchArm, BenchmarkScores>> e : all.entrySet()) {
      Map<BenchArm, BenchmarkScores> m = e.getValue();
      md.append("| ").append(e.getKey().scenario().name()).append(" |");
      for (BenchArm a : cols) {
        md.append(' ')
            .append(m.containsKey(a) ? m.get(a).atDeadline().text("%.4f") : "")
            .append(" |");
      }
      BenchArm base =
          BenchmarkScores.bestOf(
              m,
              List.of(
                  BenchArm.CONSTANT,
                  BenchArm.COSINE,
                  BenchArm.LINEAR,
                  BenchArm.PLATEAU,
                  BenchArm.GREEDY));
      BenchmarkScores rule = m.get(BenchArm.RULE);
      md.append(' ')
          .append(base == null ? "" : base.wire())
          .append(" | ")
          .append(rule == null || base == null ? "" : rule.against(m.get(base)))
          .append(" | ")
          .append(
              rule == null || !m.containsKey(BenchArm.NONE)
                  ? ""
                  : rule.against(m.get(BenchArm.NONE)))
          .append(" |\n");
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, md.toString());
    return md.toString();
  }
}
