package dev.coxswain.report;

import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.protocol.event.RunState.Stepped;
import dev.coxswain.report.RunReport.Entry;
import dev.coxswain.report.RunReport.Intervention;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's curves as PNGs (XChart): train loss, validation loss, each workload metric and the
 * learning rate against step, one colour per branch, and every command a vertical line at the step
 * it applied from (handled at, when it was not applied) in its source's colour, dashed when it was
 * rejected or failed.
 */
public final class ReportCharts {
  /** Points a series keeps: longer ones keep each bucket's lowest and highest value. */
  static final int MAX_POINTS = 2000;

  /** The console's branch colours, in the same order. */
  private static final Color[] BRANCH = {
    new Color(0x2456d6),
    new Color(0xe08a00),
    new Color(0x1f9d55),
    new Color(0xc2185b),
    new Color(0x00838f),
    new Color(0x6d4c41),
    new Color(0x5e35b1)
  };

  /** The console's colours of command sources. */
  static final Map<String, Color> SOURCE =
      Map.of(
          "human", new Color(0xe4572e),
          "agent", new Color(0x7b4bd8),
          "rule", new Color(0x159a8c),
          "api", new Color(0x8a8f9c));

  private static final BasicStroke DASHED =
      new BasicStroke(
          1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 4}, 0);
  private static final BasicStroke SOLID = new BasicStroke(1f);

  /** One chart: an id for the page, its title, a text alternative and the PNG. */
  public record Chart(String id, String title, String alt, byte[] png) {}

  private ReportCharts() {}

  /**
   * A curve: an id for the page, its title, which events it reads and the value in each (null when
   * it has none).
   */
  record Curve(String id, String title, EventType type, Function<Payload, Double> value) {}

  /** The report's curves: train loss, validation loss, each workload metric, lr. */
  static List<Curve> curves(RunReport r) {
    List<Curve> out = new ArrayList<>();
    out.add(
        new Curve(
            "train-loss", "train loss", EventType.METRICS, p -> ((Payload.Metrics) p).loss()));
    out.add(
        new Curve(
            "val-loss", "validation loss", EventType.EVAL, p -> ((Payload.Eval) p).evalLoss()));
    int i = 0;
    for (Map.Entry<String, String> m : r.metrics().entrySet()) {
      out.add(
          new Curve(
              "metric-" + i++,
              m.getKey() + " (" + m.getValue() + " is better)",
              EventType.EVAL,
              p -> {
                Map<String, Double> metrics = ((Payload.Eval) p).metrics();
                return metrics == null ? null : metrics.get(m.getKey());
              }));
    }
    out.add(new Curve("lr", "learning rate", EventType.METRICS, p -> ((Payload.Metrics) p).lr()));
    int v = 0;
    for (String name : valueNames(r.points())) {
      out.add(
          new Curve(
              "value-" + v++,
              name,
              EventType.METRICS,
              p -> {
                Map<String, Double> values = ((Payload.Metrics) p).values();
                return values == null ? null : values.get(name);
              }));
    }
    return out;
  }

  /** A loop of its own's named figures (at most {@link #MAX_VALUE_CHARTS}), in first-seen order. */
  private static java.util.Set<String> valueNames(List<Stepped<Payload>> points) {
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    for (Stepped<Payload> e : points) {
      if (e.value() instanceof Payload.Metrics m && m.values() != null) {
        for (String n : m.values().keySet()) {
          if (names.size() < MAX_VALUE_CHARTS) {
            names.add(n);
          }
        }
      }
    }
    return names;
  }

  /** Named figures charted in a report; more would bury the loss curves. */
  static final int MAX_VALUE_CHARTS = 8;

  /** Every chart the run has data for. */
  public static List<Chart> draw(RunReport r) throws IOException {
    List<Chart> out = new ArrayList<>();
    Map<String, Color> branches = branchColors(r.points());
    for (Curve c : curves(r)) {
      Chart chart = draw(r, branches, c);
      if (chart != null) {
        out.add(chart);
      }
    }
    return out;
  }

  private static Map<String, Color> branchColors(List<Stepped<Payload>> points) {
    Map<String, Color> c = new LinkedHashMap<>();
    for (Stepped<Payload> e : points) {
      c.computeIfAbsent(e.branch(), b -> BRANCH[c.size() % BRANCH.length]);
    }
    return c;
  }

  /** The (step, value) pairs of each branch in step order, finite values only. */
  static Map<String, List<double[]>> series(List<Stepped<Payload>> points, Curve c) {
    Map<String, List<double[]>> raw = new LinkedHashMap<>();
    for (Stepped<Payload> e : points) {
      Double v = e.value().type() == c.type() ? c.value().apply(e.value()) : null;
      if (v != null && Double.isFinite(v)) {
        raw.computeIfAbsent(e.branch(), b -> new ArrayList<>()).add(new double[] {e.step(), v});
      }
    }
    raw.values().forEach(l -> l.sort((p, q) -> Double.compare(p[0], q[0])));
    return raw;
  }

  /** Keeps each bucket's lowest and highest point, in step order, so spikes survive. */
  static double[][] decimate(List<double[]> l) {
    if (l.size() <= MAX_POINTS) {
      return l.toArray(new double[0][]);
    }
    int buckets = MAX_POINTS / 2;
    List<double[]> out = new ArrayList<>(MAX_POINTS);
    for (int i = 0; i < buckets; i++) {
      int from = (int) ((long) i * l.size() / buckets);
      int to = (int) ((long) (i + 1) * l.size() / buckets);
      int lo = from;
      int hi = from;
      for (int j = from; j < to; j++) {
        lo = l.get(j)[1] < l.get(lo)[1] ? j : lo;
        hi = l.get(j)[1] > l.get(hi)[1] ? j : hi;
      }
      out.add(l.get(Math.min(lo, hi)));
      if (lo != hi) {
        out.add(l.get(Math.max(lo, hi)));
      }
    }
    return out.toArray(new double[0][]);
  }

  /** One curve's chart, or null when the run has no value of it yet. */
  private static Chart draw(RunReport r, Map<String, Color> branches, Curve curve)
      throws IOException {
    Map<String, List<double[]>> all = series(r.points(), curve);
    if (all.isEmpty()) {
      return null;
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (List<double[]> s : all.values()) {
      for (double[] p : s) {
        lo = Math.min(lo, p[1]);
        hi = Math.max(hi, p[1]);
      }
    }
    // a loss that blew up, or an lr that moved by decades, reads on a log scale (when it can)
    boolean log = lo > 0 && hi / lo > 20;
    XYChart chart = chart(curve.title(), log);
    // the marks first, so that the curves are drawn over them
    int marks = mark(chart, r.timeline(), lo == hi ? lo - 1 : lo, lo == hi ? hi + 1 : hi);
    boolean evals = curve.type() == EventType.EVAL;
    for (Map.Entry<String, List<double[]>> s : all.entrySet()) {
      double[][] points = decimate(s.getValue());
      XYSeries x = chart.addSeries(s.getKey(), xs(points), ys(points));
      Color c = branches.get(s.getKey());
      x.setLineColor(c);
      x.setMarkerColor(c);
      x.setMarker(evals ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
      x.setLineStyle(new BasicStroke(evals ? 1.6f : 1f));
    }
    String alt =
        curve.title()
            + " against step, "
            + (all.size() == 1 ? "branch " : "branches ")
            + String.join(", ", all.keySet())
            + ": "
            + Text.num(lo)
            + " to "
            + Text.num(hi)
            + (log ? " (log scale)" : "")
            + "; "
            + marks
            + (marks == 1 ? " command marked" : " commands marked");
    byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    return new Chart(curve.id(), curve.title(), alt, png);
  }

  private static XYChart chart(String title, boolean log) {
    XYChart c =
        new XYChartBuilder()
            .width(1000)
            .height(360)
            .title(title)
            .xAxisTitle("step")
            .yAxisTitle(title + (log ? " (log)" : ""))
            .build();
    Styler s = c.getStyler();
    s.setChartBackgroundColor(Color.WHITE);
    s.setLegendPosition(Styler.LegendPosition.OutsideE);
    s.setLegendBorderColor(Color.WHITE);
    s.setMarkerSize(4);
    s.setAntiAlias(true);
    c.getStyler().setYAxisLogarithmic(log);
    if (!log) {
      // (XChart spaces the ticks of a custom-formatted axis evenly, which a log axis is not)
      c.getStyler().setyAxisTickLabelsFormattingFunction(Text::num);
    }
    c.getStyler().setxAxisTickLabelsFormattingFunction(v -> Text.count(Math.round(v)));
    return c;
  }

  /** A vertical line per command, from lo to hi; the first of each source is in the legend. */
  private static int mark(XYChart chart, List<Entry> timeline, double lo, double hi) {
    Set<String> named = new HashSet<>();
    int n = 0;
    for (Entry e : timeline) {
      if (!(e instanceof Intervention c)) {
        continue;
      }
      Color color = SOURCE.getOrDefault(c.source(), Color.GRAY);
      boolean applied = "applied".equals(c.status());
      // translucent, so that a night of interventions does not hide the curves
      color =
          new Color(
              color.getRed(),
              color.getGreen(),
              color.getBlue(),
              "pending".equals(c.status()) ? 50 : 120);
      double x = c.markStep();
      XYSeries s = chart.addSeries(" mark " + n++, new double[] {x, x}, new double[] {lo, hi});
      s.setLineColor(color);
      s.setLineStyle(applied ? SOLID : DASHED);
      s.setMarker(SeriesMarkers.NONE);
      if (named.add(c.source() + applied)) {
        s.setLabel(c.source() + (applied ? " command" : " command, not applied"));
      } else {
        s.setShowInLegend(false);
      }
    }
    return n;
  }

  private static double[] xs(double[][] s) {
    double[] x = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      x[i] = s[i][0];
    }
    return x;
  }

  private static double[] ys(double[][] s) {
    double[] y = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      y[i] = s[i][1];
    }
    return y;
  }
}
