package dev.coxswain.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The LR-recovery report's two plots: validation loss against step (mean over seeds) and lr against
 * step (the first seed), one line per arm (the sweep's aside), the command and commit written under
 * each. Drawn by {@link CurvePlot}, as the benchmark's curves are.
 */
final class LrRecoveryPlots {
  private final LrRecoveryConfig c;
  private final String footer;

  /**
   * @param footer the line under each plot: the command, the commit, the time
   */
  LrRecoveryPlots(LrRecoveryConfig c, String footer) {
    this.c = c;
    this.footer = footer;
  }

  /** Writes the lr plot ({@code lr}) or the validation loss plot to {@code file} as PNG. */
  void write(Map<LrRecoveryArm, List<LrRecoveryResult>> arms, boolean lr, Path file)
      throws IOException {
    CurvePlot plot =
        lr
            ? new CurvePlot(
                    c.name() + ": learning rate vs step (seed " + c.seeds().get(0) + ")",
                    "learning rate (log scale)")
                .logY()
                .noMarkers()
            : new CurvePlot(
                c.name() + ": validation loss vs step (mean over " + c.seeds().size() + " seeds)",
                "validation loss");
    for (Map.Entry<LrRecoveryArm, List<LrRecoveryResult>> e : arms.entrySet()) {
      LrRecoveryArm a = e.getKey();
      if (a.id().startsWith("c-sweep-")) {
        continue;
      }
      // arms that coincide (a run the agent left alone) stay visible through their dashes
      plot.add(
          new CurvePlot.Curve(
              a.label(), lr ? lrSteps(e.getValue().get(0)) : meanEvals(e.getValue())));
    }
    plot.write(file, footer);
  }

  /** The run's lr as steps: each change drawn as a step, not a slope. */
  private static List<double[]> lrSteps(LrRecoveryResult r) {
    List<double[]> points = new ArrayList<>();
    double prev = Double.NaN;
    for (double[] p : r.lrs()) {
      if (!Double.isNaN(prev) && p[1] != prev) {
        points.add(new double[] {p[0] - 1, prev});
      }
      points.add(new double[] {p[0], p[1]});
      prev = p[1];
    }
    return points;
  }

  /** The mean validation loss over seeds at each step evaluated after step 0. */
  private static List<double[]> meanEvals(List<LrRecoveryResult> rs) {
    TreeMap<Double, List<Double>> byStep = new TreeMap<>();
    for (LrRecoveryResult r : rs) {
      for (double[] p : r.evals()) {
        if (p[0] > 0) {
          byStep.computeIfAbsent(p[0], k -> new ArrayList<>()).add(p[1]);
        }
      }
    }
    List<double[]> points = new ArrayList<>();
    for (Map.Entry<Double, List<Double>> s : byStep.entrySet()) {
      points.add(
          new double[] {
            s.getKey(),
            s.getValue().stream().mapToDouble(Double::doubleValue).average().orElseThrow()
          });
    }
    return points;
  }
}
