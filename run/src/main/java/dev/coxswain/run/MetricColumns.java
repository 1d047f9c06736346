package dev.coxswain.run;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One branch's metrics as columns: the steps in ascending order, each once, and per numeric metric
 * the value at each step (NaN where a step did not report it). A step written again replaces its
 * values, as in {@link MetricsHistory}.
 */
public final class MetricColumns {
  /** The metrics field of a loop's own named figures; their columns are {@code values.<name>}. */
  static final String VALUES = "values";

  private long[] steps = new long[1024];
  private final Map<String, double[]> values = new LinkedHashMap<>();
  private int size;

  /** Records one metrics payload at {@code step}, keeping the numbers {@code wanted} accepts. */
  void put(long step, Map<String, Object> payload, Predicate<String> wanted) {
    int i = indexOf(step);
    if (i < 0) {
      i = -i - 1;
      insertAt(i, step);
    }
    for (double[] col : values.values()) {
      col[i] = Double.NaN; // a rewritten step keeps only what its latest payload says
    }
    for (Map.Entry<String, Object> m : payload.entrySet()) {
      if (!wanted.test(m.getKey())) {
        continue;
      }
      if (m.getValue() instanceof Number v) {
        column(m.getKey())[i] = v.doubleValue();
      } else if (VALUES.equals(m.getKey()) && m.getValue() instanceof Map<?, ?> named) {
        // a loop's own named figures: a column each, values.<name>
        for (Map.Entry<?, ?> n : named.entrySet()) {
          if (n.getValue() instanceof Number v) {
            column(VALUES + "." + n.getKey())[i] = v.doubleValue();
          }
        }
      }
    }
  }

  /** Drops the steps after {@code step}: a resumed branch re-trains them. */
  void forgetAfter(long step) {
    int i = indexOf(step);
    size = i >= 0 ? i + 1 : -i - 1;
  }

  /** The metrics field a column came from: {@code values} for a column {@code values.<name>}. */
  private static String field(String column) {
    return column.startsWith(VALUES + ".") ? VALUES : column;
  }

  /** A copy with only the metrics {@code wanted} accepts, in the same order. */
  MetricColumns copy(Predicate<String> wanted) {
    MetricColumns c = new MetricColumns();
    int cap = Math.max(size, 16);
    c.steps = Arrays.copyOf(steps, cap);
    c.size = size;
    for (Map.Entry<String, double[]> m : values.entrySet()) {
      if (wanted.test(field(m.getKey()))) {
        c.values.put(m.getKey(), Arrays.copyOf(m.getValue(), cap));
      }
    }
    return c;
  }

  /** The cells held (steps and every column, including room to grow): 8 bytes each. */
  long cells() {
    return (long) steps.length * (1 + values.size());
  }

  public int size() {
    return size;
  }

  public long step(int i) {
    return steps[i];
  }

  /** The metric names, in the order they first appeared. */
  public Iterable<String> names() {
    return values.keySet();
  }

  /** The value of {@code name} at the {@code i}th step, NaN where it was not reported. */
  public double value(String name, int i) {
    return values.get(name)[i];
  }

  private int indexOf(long step) {
    if (size == 0 || step > steps[size - 1]) {
      return -size - 1; // the common case: the next step
    }
    return Arrays.binarySearch(steps, 0, size, step);
  }

  private void insertAt(int i, long step) {
    if (size == steps.length) {
      int cap = size * 2;
      steps = Arrays.copyOf(steps, cap);
      values.replaceAll((k, col) -> Arrays.copyOf(col, cap));
    }
    if (i < size) {
      System.arraycopy(steps, i, steps, i + 1, size - i);
      for (double[] col : values.values()) {
        System.arraycopy(col, i, col, i + 1, size - i);
      }
    }
    steps[i] = step;
    size++;
  }

  private double[] column(String name) {
    return values.computeIfAbsent(
        name,
        k -> {
          double[] col = new double[steps.length];
          Arrays.fill(col, Double.NaN);
          return col;
        });
  }
}
