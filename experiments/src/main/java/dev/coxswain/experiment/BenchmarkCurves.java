package dev.coxswain.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A scenario's curves ({@code <scenario>/curves.png}): the goal metric against step for every arm,
 * the mean over seeds at each evaluation, with the troubles and the deadline marked. Read from the
 * runs' result files only, like the tables.
 */
final class BenchmarkCurves {
  private BenchmarkCurves() {}

  /**
   * The arm's curve: at each evaluation step every seed's run reached, the mean of their values. A
   * step some seed's run did not reach (it stopped early) ends the curve, so a mean never mixes
   * runs that stopped with runs that went on.
   */
  static List<double[]> meanCurve(List<ScenarioResult> runs) {
    TreeMap<Long, double[]> sums = new TreeMap<>(); // step -> {sum, count}
    for (ScenarioResult r : runs) {
      for (double[] e : r.evals()) {
        double[] s = sums.computeIfAbsent((long) e[0], k -> new double[2]);
        s[0] += e[1];
        s[1]++;
      }
    }
    List<double[]> curve = new ArrayList<>();
    for (Map.Entry<Long, double[]> e : sums.entrySet()) {
      if (e.getKey() <= 0) {
        continue; // the evaluation before training would squash the part that differs
      }
      if (e.getValue()[1] < runs.size()) {
        break;
      }
      curve.add(new double[] {e.getKey(), e.getValue()[0] / runs.size()});
    }
    return curve;
  }

  /** The plot of the arms' mean curves, the troubles' and the deadline's steps marked. */
  static CurvePlot plot(Scenario sc, List<Long> seeds, Map<BenchArm, List<ScenarioResult>> rs) {
    CurvePlot p =
        new CurvePlot(
            sc.name() + ": " + sc.metric() + " vs step (mean over seeds " + seeds + ")",
            sc.metric());
    for (Map.Entry<BenchArm, List<ScenarioResult>> e : rs.entrySet()) {
      p.add(
          new CurvePlot.Curve(
              e.getKey().wire() + " (" + e.getKey().label() + ")", meanCurve(e.getValue())));
    }
    for (Trouble t : sc.troubles()) {
      if (t.step() > 0) {
        p.mark(t.step(), "trouble: " + t.describe());
      }
    }
    p.mark(sc.deadline(), "deadline (step " + sc.deadline() + ")");
    return p;
  }

  /** Writes {@code curves.png} into the scenario's directory and returns its path. */
  static Path write(Benchmark b, Map<BenchArm, List<ScenarioResult>> rs, String footer)
      throws IOException {
    Files.createDirectories(b.dir());
    Path file = b.dir().resolve("curves.png");
    plot(b.scenario(), b.seeds(), rs).write(file, footer);
    return file;
  }
}
