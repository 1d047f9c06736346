package dev.coxswain.experiment;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The LR-recovery report's two plots: validation loss against step (mean over seeds) and lr against
 * step (the first seed), one line per arm (the sweep's aside), the command and commit written under
 * each.
 */
final class LrRecoveryPlots {
  private static final java.awt.BasicStroke[] LINES = {
    org.knowm.xchart.style.lines.SeriesLines.SOLID,
    org.knowm.xchart.style.lines.SeriesLines.DASH_DASH,
    org.knowm.xchart.style.lines.SeriesLines.DOT_DOT,
    org.knowm.xchart.style.lines.SeriesLines.DASH_DOT
  };

  private static final Color[] COLORS = {
    new Color(0xD6, 0x27, 0x28),
    new Color(0x1F, 0x77, 0xB4),
    new Color(0x9E, 0x4F, 0xC9),
    new Color(0x2C, 0xA0, 0x2C),
    new Color(0xFF, 0x7F, 0x0E),
    new Color(0x8C, 0x56, 0x4B),
    new Color(0x17, 0xBE, 0xCF)
  };

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
    XYChart chart = chart(lr);
    int i = 0;
    for (Map.Entry<LrRecoveryArm, List<LrRecoveryResult>> e : arms.entrySet()) {
      LrRecoveryArm a = e.getKey();
      if (a.id().startsWith("c-sweep-")) {
        continue;
      }
      Color color = COLORS[i++ % COLORS.length];
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      if (lr) {
        lrSteps(e.getValue().get(0), xs, ys);
      } else {
        meanEvals(e.getValue(), xs, ys);
      }
      if (xs.isEmpty()) {
        continue;
      }
      XYSeries s = chart.addSeries(a.label(), xs, ys);
      s.setLineColor(color);
      s.setMarkerColor(color);
      s.setMarker(lr ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
      // arms that coincide (a run the agent left alone) stay visible through their dashes
      s.setLineStyle(LINES[(i - 1) % LINES.length]);
    }
    frame(chart, file);
  }

  private XYChart chart(boolean lr) {
    XYChart chart =
        new XYChartBuilder()
            .width(1100)
            .height(720)
            .title(
                lr
                    ? c.name() + ": learning rate vs step (seed " + c.seeds().get(0) + ")"
                    : c.name()
                        + ": validation loss vs step (mean over "
                        + c.seeds().size()
                        + " seeds)")
            .xAxisTitle("step")
            .yAxisTitle(lr ? "learning rate (log scale)" : "validation loss")
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setMarkerSize(4);
    if (lr) {
      chart.getStyler().setYAxisLogarithmic(true);
    } else {
      // the first evaluation (step 0) would squash the interesting part of the curves
      chart.getStyler().setYAxisMax(null);
    }
    return chart;
  }

  /** The run's lr as steps: each change drawn as a step, not a slope. */
  private static void lrSteps(LrRecoveryResult r, List<Double> xs, List<Double> ys) {
    double prev = Double.NaN;
    for (double[] p : r.lrs()) {
      if (!Double.isNaN(prev) && p[1] != prev) {
        xs.add(p[0] - 1);
        ys.add(prev);
      }
      xs.add(p[0]);
      ys.add(p[1]);
      prev = p[1];
    }
  }

  /** The mean validation loss over seeds at each step evaluated after step 0. */
  private static void meanEvals(List<LrRecoveryResult> rs, List<Double> xs, List<Double> ys) {
    TreeMap<Double, List<Double>> byStep = new TreeMap<>();
    for (LrRecoveryResult r : rs) {
      for (double[] p : r.evals()) {
        if (p[0] > 0) {
          byStep.computeIfAbsent(p[0], k -> new ArrayList<>()).add(p[1]);
        }
      }
    }
    for (Map.Entry<Double, List<Double>> s : byStep.entrySet()) {
      xs.add(s.getKey());
      ys.add(s.getValue().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
    }
  }

  /** The chart with the footer line under it, as PNG. */
  private void frame(XYChart chart, Path file) throws IOException {
    BufferedImage img = BitmapEncoder.getBufferedImage(chart);
    BufferedImage framed =
        new BufferedImage(img.getWidth(), img.getHeight() + 28, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = framed.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, framed.getWidth(), framed.getHeight());
    g.drawImage(img, 0, 0, null);
    g.setColor(Color.DARK_GRAY);
    g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 12));
    g.drawString(footer, 10, img.getHeight() + 18);
    g.dispose();
    ImageIO.write(framed, "png", file.toFile());
  }
}
