package dev.coxswain.server.cli;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Says once, when the first steps have been measured, how long the run will take at that speed:
 * "about 44 min to step 2000 at 1.3 s/step". The first step is left out of the measure (it pays for
 * warming up), and so is any pause: it measures {@link #MEASURED} steps in a row.
 */
final class EtaLine implements Consumer<Event> {
  static final int MEASURED = 20;

  private final PrintStream out;
  private final long maxSteps;
  private long fromStep = -1;
  private Instant from;
  private boolean said;

  EtaLine(PrintStream out, long maxSteps) {
    this.out = out;
    this.maxSteps = maxSteps;
  }

  @Override
  public synchronized void accept(Event e) {
    if (said) {
      return;
    }
    if (e.type() == EventType.STATUS
        && e.body() instanceof Payload.Status s
        && "paused".equals(s.status())) {
      fromStep = -1; // a pause is not the run's speed: measure again after it
      return;
    }
    if (e.type() != EventType.METRICS) {
      return;
    }
    if (fromStep < 0 || e.step() <= fromStep) {
      fromStep = e.step();
      from = e.time();
      return;
    }
    if (e.step() - fromStep < MEASURED && e.step() < maxSteps) {
      return;
    }
    said = true;
    double perStep = Duration.between(from, e.time()).toNanos() / 1e9 / (e.step() - fromStep);
    out.println("coxswain: " + describe(perStep, maxSteps - e.step(), maxSteps));
    out.flush();
  }

  /** "about 44 min to step 2000 at 1.3 s/step" (or steps/s when a step takes under a second). */
  static String describe(double secondsPerStep, long stepsLeft, long maxSteps) {
    double left = secondsPerStep * Math.max(0, stepsLeft);
    String time;
    if (left < 90) {
      time = Math.round(left) + " s";
    } else if (left < 5400) {
      time = Math.round(left / 60) + " min";
    } else {
      time = String.format(Locale.ROOT, "%.1f h", left / 3600);
    }
    String speed =
        secondsPerStep >= 1
            ? String.format(Locale.ROOT, "%.1f s/step", secondsPerStep)
            : String.format(Locale.ROOT, "%.1f steps/s", 1 / Math.max(secondsPerStep, 1e-9));
    return "about " + time + " to step " + maxSteps + " at " + speed;
  }
}
