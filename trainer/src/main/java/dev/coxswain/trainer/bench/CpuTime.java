package dev.coxswain.trainer.bench;

import ai.djl.ndarray.NDManager;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.data.BatchSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The CPU time an arm's own threads spend over its measured steps ({@link ThreadMXBean}): its
 * training thread and whatever threads the arm names (Coxswain's event writer). A shared machine
 * stretches wall time with other work; a thread's CPU time counts only what that thread ran, so it
 * is what a loaded machine disturbs least. libtorch's own worker threads are not counted.
 */
public final class CpuTime {
  /** The name under which the training thread is counted. */
  public static final String TRAINING = "training thread";

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private final Map<String, LongSupplier> threads = new LinkedHashMap<>();
  private final Map<String, Long> started = new LinkedHashMap<>();
  private final Map<String, Long> spent = new LinkedHashMap<>();
  private long steps;

  /** Counts {@code cpuNanos} (a thread's CPU time so far, or -1 where not measurable) too. */
  public synchronized void track(String name, LongSupplier cpuNanos) {
    threads.put(name, cpuNanos);
  }

  /** The CPU time so far of the thread with this id, or -1 where the JVM cannot tell. */
  public static long threadNanos(long threadId) {
    return MX.isThreadCpuTimeSupported() ? MX.getThreadCpuTime(threadId) : -1;
  }

  /** Starts counting, on the training thread: the first measured step begins. */
  synchronized void start() {
    long id = Thread.currentThread().getId();
    Map<String, LongSupplier> others = new LinkedHashMap<>(threads);
    threads.clear();
    threads.put(TRAINING, () -> threadNanos(id)); // first in the figures
    others.remove(TRAINING);
    threads.putAll(others);
    threads.forEach((name, clock) -> started.put(name, clock.getAsLong()));
  }

  /** Stops counting after {@code measured} steps (called while the arm's threads still live). */
  synchronized void stop(long measured) {
    threads.forEach(
        (name, clock) -> {
          Long from = started.get(name);
          long now = clock.getAsLong();
          spent.put(name, from == null || from < 0 || now < 0 ? -1 : now - from);
        });
    steps = measured;
  }

  /** Ms of CPU per measured step by thread name; NaN where it could not be measured. */
  public synchronized Map<String, Double> msPerStep() {
    Map<String, Double> out = new LinkedHashMap<>();
    spent.forEach((name, n) -> out.put(name, n < 0 || steps == 0 ? Double.NaN : n / 1e6 / steps));
    return out;
  }

  /**
   * {@code data}, counting CPU time from the first measured step's batch to the last one's: the
   * measured steps less the last (whose batch is asked for before it runs).
   */
  static BatchSource counting(BatchSource data, ThroughputBenchmark.Options o, CpuTime cpu) {
    long first = o.warmup() + 1L;
    long last = (long) o.warmup() + o.steps();
    return new BatchSource() {
      @Override
      public Batch trainBatch(NDManager manager, long step) {
        if (step == last) {
          cpu.stop(last - first);
        }
        Batch b = data.trainBatch(manager, step);
        if (step == first) {
          cpu.start();
        }
        return b;
      }

      @Override
      public int validationBatches() {
        return data.validationBatches();
      }

      @Override
      public Batch validationBatch(NDManager manager, int index) {
        return data.validationBatch(manager, index);
      }

      @Override
      public Map<String, Object> describe() {
        return data.describe();
      }
    };
  }
}
