package dev.coxswain.agent.summary;

import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
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
  private final Map<String, Knob> knobSpecs = new LinkedHashMap<>();
  private List<ActionSpec> actions = List.of();
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

  /**
   * Takes an event of the run.
   *
   * @throws MalformedPayloadException when its payload does not have its type's shape
   */
  public void accept(Event e) {
    accept(e, e.body());
  }

  /** Takes an event of the run whose payload is already decoded ({@code body}). */
  public void accept(Event e, Payload body) {
    step = e.step();
    branch = e.branch();
    if (body instanceof Payload.Metrics m) {
      if (m.skipped()) {
        skipped++;
      }
      add("train_loss", e.step(), m.loss());
      add("lr", e.step(), m.lr());
      add("grad_norm", e.step(), m.gradNorm());
      if (m.values() != null) {
        m.values().forEach((name, v) -> add(name, e.step(), v)); // a loop's own figures
      }
    } else if (body instanceof Payload.Eval ev) {
      add("eval_loss", e.step(), ev.evalLoss());
      if (ev.metrics() != null) {
        // the workload's own metrics (accuracy, F1, ...) as eval_<name> series
        ev.metrics().forEach((k, v) -> add("eval_" + k, e.step(), v));
      }
      if (ev.evalLoss() < bestEval) {
        bestEval = ev.evalLoss();
        bestEvalStep = e.step();
      }
    } else if (body instanceof Payload.Health h) {
      if ("spike".equals(h.kind())) {
        spikes++;
      }
    } else if (body instanceof Payload.Status st) {
      status = st.status();
    } else if (body instanceof Payload.Data d) {
      mixture(d);
    } else if (body instanceof Payload.Knobs k) {
      knobs(k);
    } else if (body instanceof Payload.CommandSent c) {
      Command cmd = c.command();
      commands.put(
          cmd.id(),
          new Summary.CommandView(
              e.step(), cmd.source().wire(), String.valueOf(cmd.type()), cmd.args(), null, null));
    } else if (body instanceof Payload.Result r) {
      CommandResult res = r.result();
      Summary.CommandView c = commands.get(res.commandId());
      if (c != null) {
        commands.put(
            res.commandId(),
            new Summary.CommandView(
                c.step(),
                c.source(),
                c.type(),
                c.args(),
                res.status() == null ? "null" : res.status().wire(),
                res.reason()));
      }
    }
  }

  private void mixture(Payload.Data d) {
    if (d.weights() != null) {
      mixture.clear();
      d.weights()
          .forEach(
              (k, v) -> {
                if (v != null) {
                  mixture.put(k, v);
                }
              });
    }
  }

  // folded here rather than read from RunState: RunState also takes a set_knobs result's values,
  // the summary shows the knobs as the trainer last published them
  private void knobs(Payload.Knobs k) {
    if (k.specs() != null) {
      k.specs().forEach(spec -> knobSpecs.put(spec.name(), spec));
    }
    if (k.actions() != null) {
      actions = List.copyOf(k.actions());
    }
    if (k.knobs() != null) {
      k.knobs()
          .forEach(
              (name, v) -> {
                if (v != null) {
                  knobValues.put(name, v);
                }
              });
    }
    if (k.locks() != null) {
      locks.clear();
      locks.addAll(k.locks());
    }
  }

  private void add(String series, long s, Double v) {
    if (v != null && Double.isFinite(v)) {
      window.computeIfAbsent(series, k -> new ArrayList<>()).add(new double[] {s, v});
    }
  }

  /** The current window. */
  public Summary summarize() {
    Map<String, Summary.Series> series = new LinkedHashMap<>();
    for (Map.Entry<String, List<double[]>> e : window.entrySet()) {
      series.put(e.getKey(), stats(e.getValue()));
    }
    List<Summary.KnobView> knobs = new ArrayList<>();
    for (Knob k : knobSpecs.values()) {
      Double v = knobValues.get(k.name());
      // a value the spec would refuse (never sent by a sound run) leaves the announced one
      Knob now = v == null || k.validate(v).isPresent() ? k : k.withValue(v);
      knobs.add(new Summary.KnobView(now, locks.contains(k.name())));
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
        .withMixture(mixture)
        .withActions(actions);
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
