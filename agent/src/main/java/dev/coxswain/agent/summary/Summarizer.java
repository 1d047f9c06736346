package dev.coxswain.agent.summary;

import dev.coxswain.protocol.Event;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds {@link Summary summaries} from a run's events, one window at a time. Not thread-safe: feed
 * it from one thread.
 */
public final class Summarizer {
  /** At most this many points per series, as in the reference. */
  public static final int MAX_POINTS = 20;

  private static final String[] SERIES = {"train_loss", "eval_loss", "lr", "grad_norm"};
  private final Map<String, List<double[]>> window = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> knobSpecs = new LinkedHashMap<>();
  private final Map<String, Double> knobValues = new LinkedHashMap<>();
  private final Set<String> locks = new TreeSet<>();
  private final LinkedHashMap<String, Summary.CommandView> commands = new LinkedHashMap<>();
  private long fromStep = 1;
  private long step;
  private String branch = "main";
  private String status = "created";
  private int spikes;
  private int skipped;
  private double bestEval = Double.POSITIVE_INFINITY;
  private long bestEvalStep;
  private double previousMean = Double.NaN;
  private double bestMean = Double.NaN;
  private final Map<String, Double> mixture = new LinkedHashMap<>();

  public Summarizer() {
    for (String s : SERIES) {
      window.put(s, new ArrayList<>());
    }
  }

  @SuppressWarnings("unchecked")
  public void accept(Event e) {
    step = e.step();
    branch = e.branch();
    Map<String, Object> p = e.payload();
    switch (e.type()) {
      case METRICS -> {
        if (Boolean.TRUE.equals(p.get("skipped"))) {
          skipped++;
        }
        add("train_loss", e.step(), p.get("loss"));
        add("lr", e.step(), p.get("lr"));
        add("grad_norm", e.step(), p.get("grad_norm"));
      }
      case EVAL -> {
        add("eval_loss", e.step(), p.get("eval_loss"));
        if (p.get("metrics") instanceof Map<?, ?> metrics) {
          // the workload's own metrics (accuracy, F1, ...) as eval_<name> series
          metrics.forEach((k, v) -> add("eval_" + k, e.step(), v));
        }
        if (p.get("eval_loss") instanceof Number n && n.doubleValue() < bestEval) {
          bestEval = n.doubleValue();
          bestEvalStep = e.step();
        }
      }
      case HEALTH -> {
        if ("spike".equals(p.get("kind"))) {
          spikes++;
        }
      }
      case STATUS -> status = String.valueOf(p.get("status"));
      case DATA -> {
        if (p.get("weights") instanceof Map<?, ?> w) {
          mixture.clear();
          w.forEach(
              (k, v) -> {
                if (v instanceof Number n) {
                  mixture.put(String.valueOf(k), n.doubleValue());
                }
              });
        }
      }
      case KNOBS -> {
        if (p.get("specs") instanceof List<?> specs) {
          for (Object o : specs) {
            Map<String, Object> k = (Map<String, Object>) o;
            knobSpecs.put(String.valueOf(k.get("name")), k);
          }
        }
        if (p.get("knobs") instanceof Map<?, ?> values) {
          values.forEach(
              (k, v) -> {
                if (v instanceof Number n) {
                  knobValues.put(String.valueOf(k), n.doubleValue());
                }
              });
        }
        if (p.get("locks") instanceof List<?> l) {
          locks.clear();
          l.forEach(x -> locks.add(String.valueOf(x)));
        }
      }
      case COMMAND -> {
        String id = String.valueOf(p.get("id"));
        commands.put(
            id,
            new Summary.CommandView(
                e.step(),
                String.valueOf(p.get("source")),
                String.valueOf(p.get("type")),
                p.get("args") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(),
                null,
                null));
      }
      case COMMAND_RESULT -> {
        String id = String.valueOf(p.get("command_id"));
        Summary.CommandView c = commands.get(id);
        if (c != null) {
          commands.put(
              id,
              new Summary.CommandView(
                  c.step(),
                  c.source(),
                  c.type(),
                  c.args(),
                  String.valueOf(p.get("status")),
                  (String) p.get("reason")));
        }
      }
      default -> {}
    }
  }

  private void add(String series, long s, Object v) {
    if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
      window.computeIfAbsent(series, k -> new ArrayList<>()).add(new double[] {s, n.doubleValue()});
    }
  }

  /** The current window. */
  public Summary summarize() {
    Map<String, Summary.Series> series = new LinkedHashMap<>();
    for (Map.Entry<String, List<double[]>> e : window.entrySet()) {
      series.put(e.getKey(), stats(e.getValue()));
    }
    List<Summary.KnobView> knobs = new ArrayList<>();
    for (Map.Entry<String, Map<String, Object>> e : knobSpecs.entrySet()) {
      Map<String, Object> k = e.getValue();
      double value = knobValues.getOrDefault(e.getKey(), ((Number) k.get("value")).doubleValue());
      knobs.add(
          new Summary.KnobView(
              e.getKey(),
              value,
              ((Number) k.get("min")).doubleValue(),
              ((Number) k.get("max")).doubleValue(),
              locks.contains(e.getKey())));
    }
    return new Summary(
            fromStep,
            step,
            branch,
            status,
            series,
            bestEval,
            bestEvalStep,
            spikes,
            skipped,
            knobs,
            new ArrayList<>(commands.values()),
            previousMean,
            bestMean)
        .withMixture(mixture);
  }

  /** Starts a new window after a decision; the best evaluation and knobs carry over. */
  public void startWindow() {
    Summary.Series loss = stats(window.get("train_loss"));
    if (loss.count() > 0) {
      previousMean = loss.mean();
      bestMean = Double.isNaN(bestMean) ? loss.mean() : Math.min(bestMean, loss.mean());
    }
    window.values().forEach(List::clear);
    commands.clear();
    spikes = 0;
    skipped = 0;
    fromStep = step + 1;
  }

  /** The step of the last event seen. */
  public long step() {
    return step;
  }

  public Set<String> locks() {
    return locks;
  }

  /**
   * Statistics over all points, and at most {@link #MAX_POINTS} samples biased towards the end: the
   * k-th sample from the end sits at distance (k/(m-1))^2 of the window, so recent steps are dense.
   */
  static Summary.Series stats(List<double[]> pts) {
    int n = pts.size();
    if (n == 0) {
      return new Summary.Series(List.of(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
    }
    double mean = 0;
    for (double[] p : pts) {
      mean += p[1];
    }
    mean /= n;
    double mx = 0;
    for (double[] p : pts) {
      mx += p[0];
    }
    mx /= n;
    double sxx = 0;
    double sxy = 0;
    for (double[] p : pts) {
      double dx = p[0] - mx;
      sxx += dx * dx;
      sxy += dx * (p[1] - mean);
    }
    double slope = sxx > 0 ? sxy / sxx : 0;
    double vol = 0;
    for (int i = 1; i < n; i++) {
      double d = pts.get(i)[1] - pts.get(i - 1)[1];
      vol += d * d;
    }
    vol = n > 1 ? Math.sqrt(vol / (n - 1)) : 0;
    int m = Math.min(MAX_POINTS, n);
    TreeSet<Integer> idx = new TreeSet<>();
    for (int k = 0; k < m; k++) {
      double frac = m == 1 ? 0 : (double) k / (m - 1);
      idx.add((int) Math.round((n - 1) - frac * frac * (n - 1)));
    }
    List<Summary.Point> samples = new ArrayList<>();
    for (int i : idx) {
      samples.add(new Summary.Point((long) pts.get(i)[0], pts.get(i)[1]));
    }
    return new Summary.Series(samples, mean, slope * 100, vol, pts.get(n - 1)[1], n);
  }
}
