package dev.coxswain.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * The meters of one run (or its agent): gauges registered the first time they get a value (a gauge
 * that never had one is not shown, rather than shown as NaN), each family bounded in how many label
 * values it takes, and all removed together. Thread-safe: values are set from the run's events on
 * the thread that records them and read by scrapes on any other.
 */
final class MeterSet {
  /** At most this many label values per family and run (knobs, eval metrics, statuses). */
  static final int MAX_LABELS = 64;

  /** What a knob or metric name must look like to become a label value. */
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  /** A value a gauge reads. */
  static final class Value {
    volatile double v = Double.NaN;
  }

  private final MeterRegistry registry;
  private final Tags base;
  private final Map<String, Value> values = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> perFamily = new ConcurrentHashMap<>();
  private final List<Meter> meters = new CopyOnWriteArrayList<>();
  private final List<DoubleSupplier> held = new CopyOnWriteArrayList<>(); // counters hold weakly
  private volatile boolean closed;

  MeterSet(MeterRegistry registry, Tags base) {
    this.registry = registry;
    this.base = base;
  }

  /** Whether {@code s} may be a label value (bounded, and nothing that could hold a secret). */
  static boolean labelable(String s) {
    return s != null && LABEL.matcher(s).matches();
  }

  /** Sets a gauge of the run, registering it on first use. Non-finite values are ignored. */
  void set(String name, String help, double v) {
    set(name, help, null, null, v);
  }

  /**
   * Sets a gauge with one label besides the run's; ignored when the label value is not {@link
   * #labelable} or the family already has {@link #MAX_LABELS} of them.
   */
  void set(String name, String help, String label, String value, double v) {
    if (!Double.isFinite(v)) {
      return;
    }
    Value holder = holder(name, help, label, value);
    if (holder != null) {
      holder.v = v;
    }
  }

  /** Whether a gauge with this label value exists (it has had a value). */
  boolean has(String name, String label, String value) {
    return values.containsKey(key(name, label, value));
  }

  /** Registers a gauge that reads its value from {@code f} at each scrape. */
  synchronized void function(
      String name, String help, String label, String value, DoubleSupplier f) {
    if (closed) {
      return;
    }
    Tags tags = label == null ? base : base.and(label, value);
    meters.add(
        Gauge.builder(name, f, DoubleSupplier::getAsDouble)
            .description(help)
            .tags(tags)
            .strongReference(true)
            .register(registry));
  }

  /**
   * Registers a counter that reads its running total from {@code f} at each scrape (Prometheus adds
   * {@code _total} to the name).
   */
  synchronized void counter(String name, String help, DoubleSupplier f) {
    if (closed) {
      return;
    }
    held.add(f);
    meters.add(
        FunctionCounter.builder(name, f, DoubleSupplier::getAsDouble)
            .description(help)
            .tags(base)
            .register(registry));
  }

  private Value holder(String name, String help, String label, String value) {
    String key = key(name, label, value);
    Value holder = values.get(key);
    if (holder != null || closed) {
      return holder;
    }
    if (label != null
        && (!labelable(value)
            || perFamily.computeIfAbsent(name, k -> new AtomicInteger()).get() >= MAX_LABELS)) {
      return null;
    }
    synchronized (this) {
      holder = values.get(key);
      if (holder == null && !closed) {
        Value h = new Value();
        Tags tags = label == null ? base : base.and(label, value);
        meters.add(
            Gauge.builder(name, h, x -> x.v)
                .description(help)
                .tags(tags)
                .strongReference(true)
                .register(registry));
        values.put(key, h);
        if (label != null) {
          perFamily.get(name).incrementAndGet();
        }
        holder = h;
      }
    }
    return holder;
  }

  private static String key(String name, String label, String value) {
    return label == null ? name : name + '\0' + label + '\0' + value;
  }

  /** Removes every meter of the run from the registry; later sets are ignored. */
  synchronized void close() {
    closed = true;
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
    held.clear();
  }
}
