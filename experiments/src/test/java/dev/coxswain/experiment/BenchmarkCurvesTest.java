package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The curves are the result files' evaluations, averaged over seeds, and the PNG draws them. */
class BenchmarkCurvesTest {
  @TempDir Path dir;

  private static ScenarioResult run(String arm, long seed, String status, double... evals) {
    List<double[]> es = new ArrayList<>();
    es.add(new double[] {0, 9.0}); // before training: left out of the curve
    for (int i = 0; i < evals.length; i++) {
      es.add(new double[] {100.0 * (i + 1), evals[i]});
    }
    return new ScenarioResult(
        "s",
        "d",
        arm,
        seed,
        0.001,
        status,
        100L * evals.length,
        100L * evals.length,
        "eval_loss",
        es,
        List.of(),
        List.of(),
        0,
        Map.of(),
        "c",
        1.0);
  }

  @Test
  void aCurveIsTheMeanOverSeedsAndEndsWhereARunStopped() {
    List<double[]> both =
        BenchmarkCurves.meanCurve(
            List.of(run("none", 1, "finished", 3, 2, 1), run("none", 2, "finished", 5, 4, 3)));
    assertEquals(3, both.size(), "step 0 left out");
    assertArrayEquals(new double[] {100, 4}, both.get(0));
    assertArrayEquals(new double[] {300, 2}, both.get(2));

    List<double[]> stopped =
        BenchmarkCurves.meanCurve(
            List.of(run("rule", 1, "finished", 3, 2, 1), run("rule", 2, "stopped", 5)));
    assertEquals(1, stopped.size(), "no mean over the seeds that went on alone");
    assertArrayEquals(new double[] {100, 4}, stopped.get(0));
  }

  @Test
  void thePlotDrawsEveryArmWithPointsAndMarksTheTroubles() throws Exception {
    Scenario sc = ScenarioParser.parse(ScenarioParserTest.GOOD, "s.yaml", "s", false);
    Map<BenchArm, List<ScenarioResult>> rs = new LinkedHashMap<>();
    rs.put(BenchArm.NONE, List.of(run("none", 1, "finished", 3, 2.5, 2.4)));
    rs.put(BenchArm.RULE, List.of(run("rule", 1, "finished", 3, 2.0, 1.8)));
    rs.put(BenchArm.CONSTANT, List.of(run("constant", 1, "finished")));
    CurvePlot p = BenchmarkCurves.plot(sc, List.of(1L), rs);
    assertEquals(
        List.of("none (" + BenchArm.NONE.label() + ")", "rule (" + BenchArm.RULE.label() + ")"),
        p.curves().stream().map(CurvePlot.Curve::label).toList(),
        "an arm without evaluations has no curve");

    Path png = dir.resolve("curves.png");
    p.write(png, "made by a test");
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(1100, img.getWidth());
    assertEquals(748, img.getHeight(), "the chart and the footer's line");
    assertTrue(has(img, 0xD62728), "the first arm's colour is drawn");
    assertTrue(has(img, 0x1F77B4), "the second arm's colour is drawn");
    assertTrue(!has(img, 0x9E4FC9), "no third curve");

    // a scenario whose runs all stopped before their first evaluation still gets its (empty) plot
    Map<BenchArm, List<ScenarioResult>> none = Map.of(BenchArm.NONE, List.of(run("none", 1, "x")));
    Path empty = dir.resolve("empty.png");
    BenchmarkCurves.plot(sc, List.of(1L), none).write(empty, "nothing to draw");
    assertEquals(1100, ImageIO.read(empty.toFile()).getWidth());
  }

  private static boolean has(BufferedImage img, int rgb) {
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if ((img.getRGB(x, y) & 0xFFFFFF) == rgb) {
          return true;
        }
      }
    }
    return false;
  }
}
