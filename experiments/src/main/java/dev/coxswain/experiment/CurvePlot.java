package dev.coxswain.experiment;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A PNG of curves against step, as the studies publish them: one colour and dash per curve (so
 * curves that coincide stay visible), the legend below, and a footer line naming what made it.
 */
final class CurvePlot {
  private static final BasicStroke[] LINES = {
    SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT, SeriesLines.DASH_DOT
  };
  private static final Color[] COLORS = {
    new Color(0xD6, 0x27, 0x28),
    new Color(0x1F, 0x77, 0xB4),
    new Color(0x9E, 0x4F, 0xC9),
    new Color(0x2C, 0xA0, 0x2C),
    new Color(0xFF, 0x7F, 0x0E),
    new Color(0x8C, 0x56, 0x4B),
    new Color(0x17, 0xBE, 0xCF),
    new Color(0x7F, 0x7F, 0x7F)
  };

  /** One curve: its legend label and its points (x, y), x ascending. */
  record Curve(String label, List<double[]> points) {}

  private final String title;
  private final String yTitle;
  private final List<Curve> curves = new ArrayList<>();
  private final List<double[]> marks = new ArrayList<>();
  private final List<String> markLabels = new ArrayList<>();
  private boolean logY;
  private boolean markers = true;

  CurvePlot(String title, String yTitle) {
    this.title = title;
    this.yTitle = yTitle;
  }

  /** A logarithmic y axis (learning rates). */
  CurvePlot logY() {
    this.logY = true;
    return this;
  }

  /** Lines without a marker at each point (dense curves). */
  CurvePlot noMarkers() {
    this.markers = false;
    return this;
  }

  CurvePlot add(Curve c) {
    if (!c.points().isEmpty()) {
      curves.add(c);
    }
    return this;
  }

  /** A vertical grey line at step {@code x} across the curves' range, labelled in the legend. */
  CurvePlot mark(double x, String label) {
    marks.add(new double[] {x});
    markLabels.add(label);
    return this;
  }

  /** The curves drawn (those with points), in order. */
  List<Curve> curves() {
    return List.copyOf(curves);
  }

  /** Writes the PNG, 1100 x 720 plus the footer's line. */
  void write(Path file, String footer) throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(1100)
            .height(720)
            .title(title)
            .xAxisTitle("step")
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setMarkerSize(4);
    chart.getStyler().setYAxisLogarithmic(logY);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < curves.size(); i++) {
      Curve c = curves.get(i);
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (double[] p : c.points()) {
        xs.add(p[0]);
        ys.add(p[1]);
        if (Double.isFinite(p[1])) {
          lo = Math.min(lo, p[1]);
          hi = Math.max(hi, p[1]);
        }
      }
      Color color = COLORS[i % COLORS.length];
      XYSeries s = chart.addSeries(c.label(), xs, ys);
      s.setLineColor(color);
      s.setMarkerColor(color);
      s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
      s.setLineStyle(LINES[i % LINES.length]);
    }
    if (lo <= hi) {
      for (int i = 0; i < marks.size(); i++) {
        double x = marks.get(i)[0];
        XYSeries s = chart.addSeries(markLabels.get(i), new double[] {x, x}, new double[] {lo, hi});
        s.setLineColor(Color.LIGHT_GRAY);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(SeriesLines.DOT_DOT);
      }
    }
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
