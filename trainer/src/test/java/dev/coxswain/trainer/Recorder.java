package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.trainer.events.EventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Records events and lets a test act when a given step's metrics are published. */
final class Recorder implements EventSink {
  private final List<Event> events = new ArrayList<>();
  private final Map<Long, Consumer<Event>> onStep = new ConcurrentHashMap<>();

  /** Runs {@code action} on the training thread right after step {@code step}'s metrics. */
  Recorder at(long step, Consumer<Event> action) {
    onStep.put(step, action);
    return this;
  }

  @Override
  public void accept(Event e) {
    synchronized (this) {
      events.add(e);
      notifyAll();
    }
    if (e.type() == EventType.METRICS) {
      Consumer<Event> a = onStep.remove(e.step());
      if (a != null) {
        a.accept(e);
      }
    }
  }

  synchronized List<Event> events() {
    return new ArrayList<>(events);
  }

  synchronized List<Event> of(EventType type) {
    return events.stream().filter(e -> e.type() == type).toList();
  }

  /** Waits (bounded) until an event matching {@code p} has been recorded, and returns it. */
  synchronized Event await(Predicate<Event> p, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      for (Event e : events) {
        if (p.test(e)) {
          return e;
        }
        if (status("failed").test(e)) {
          throw new AssertionError("the run failed: " + e.payload());
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "no matching event within "
                + seconds
                + " s; last: "
                + (events.isEmpty() ? "none" : events.get(events.size() - 1)));
      }
      wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
  }

  static Predicate<Event> status(String s) {
    return e -> e.type() == EventType.STATUS && s.equals(e.payload().get("status"));
  }

  /** Training losses by step for one branch. */
  synchronized Map<Long, Double> losses(String branch) {
    Map<Long, Double> out = new java.util.TreeMap<>();
    for (Event e : events) {
      if (e.type() == EventType.METRICS
          && e.branch().equals(branch)
          && e.payload().get("loss") != null) {
        out.put(e.step(), ((Number) e.payload().get("loss")).doubleValue());
      }
    }
    return out;
  }

  /**
   * How far two runs' losses may drift and still count as the same computation: a replay on one
   * PyTorch thread is bit-for-bit most of the time, but now and then drifts by a few float32 ulps
   * (3.8403187 against 3.8403194 in a CI run; see trainer/pom.xml). Any real change of the
   * computation (a learning rate, a dropout rate, another batch) moves a loss by far more.
   */
  static final double SAME_LOSS = 1e-5;

  /** Asserts that two runs' losses agree, within {@link #SAME_LOSS}, at steps {@code from..to}. */
  static void assertSameLosses(
      Map<Long, Double> expected, Map<Long, Double> actual, long from, long to, String what) {
    for (long s = from; s <= to; s++) {
      Double a = expected.get(s);
      Double b = actual.get(s);
      assertNotNull(a, what + ": no loss at step " + s);
      assertNotNull(b, what + ": no loss at step " + s);
      assertEquals(a, b, SAME_LOSS, what + " at step " + s);
    }
  }
}
