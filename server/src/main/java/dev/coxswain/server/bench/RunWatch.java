package dev.coxswain.server.bench;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What a run has said so far, as its events pass: the learning rate of each step, the last step,
 * the status, a failure. The GPU check waits on it for conditions, never for a fixed time.
 */
final class RunWatch {
  private final Map<Long, Double> lrByStep = new TreeMap<>();
  private long lastStep;
  private String status = "";
  private String failure;

  /** Takes one event (from the run's writer thread). */
  synchronized void accept(Event e) {
    if (e.type() == EventType.METRICS && ((Payload.Metrics) e.body()).lr() != null) {
      lrByStep.put(e.step(), ((Payload.Metrics) e.body()).lr());
      lastStep = Math.max(lastStep, e.step());
    } else if (e.type() == EventType.STATUS) {
      Payload.Status s = (Payload.Status) e.body();
      status = s.status();
      if (status.equals("failed")) {
        failure = s.error() == null ? "failed" : s.error();
      }
    }
    notifyAll();
  }

  synchronized long lastStep() {
    return lastStep;
  }

  synchronized Double lr(long step) {
    return lrByStep.get(step);
  }

  synchronized String status() {
    return status;
  }

  /** Waits until metrics of {@code step} have passed. */
  void awaitStep(long step, long seconds) throws InterruptedException {
    await(() -> lastStep >= step, seconds, "step " + step);
  }

  /** Waits until the run's status is {@code s}. */
  void awaitStatus(String s, long seconds) throws InterruptedException {
    await(() -> status.equals(s), seconds, "status " + s);
  }

  private synchronized void await(BooleanSupplier done, long seconds, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!done.getAsBoolean()) {
      if (failure != null) {
        throw new IllegalStateException("the run failed: " + failure);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(
            "no "
                + what
                + " within "
                + seconds
                + " s (last step "
                + lastStep
                + ", "
                + status
                + ")");
      }
      wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
  }
}
