package dev.coxswain.experiment;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import java.util.OptionalDouble;

/**
 * A baseline schedule that steers the lr through the same commands a person or the agent would
 * send. It sees every event of the run on the training thread and answers with the lr to set from
 * the next step, if it wants a change; the trainer applies it at the next control point, so the
 * schedule is as deterministic as the run.
 */
interface LrSchedule {

  /** The new lr after this event, or empty to leave it. */
  OptionalDouble onEvent(Event e);

  /** Why, for the command's reason. */
  String reason();

  /**
   * Linear decay from {@code start} after step {@code from} to {@code end} at step {@code steps},
   * set every {@code every} steps (stairs of that width rather than a command per step).
   */
  static LrSchedule linear(double start, double end, long from, long steps, int every) {
    return new LrSchedule() {
      @Override
      public OptionalDouble onEvent(Event e) {
        if (e.type() != EventType.METRICS
            || e.step() <= from
            || e.step() % every != 0
            || e.step() >= steps) {
          return OptionalDouble.empty();
        }
        double frac = Math.min(1.0, (double) (e.step() - from) / (steps - from));
        return OptionalDouble.of(start + (end - start) * frac);
      }

      @Override
      public String reason() {
        return "schedule: linear decay";
      }
    };
  }

  /**
   * Reduce on plateau: after {@code patience} evaluations in a row without a new best validation
   * loss (counted after step {@code from}), multiply the lr by {@code factor}, and count again from
   * there.
   */
  static LrSchedule plateau(double start, long from, int patience, double factor) {
    return new LrSchedule() {
      private double best = Double.POSITIVE_INFINITY;
      private int bad;
      private double lr = start;

      @Override
      public OptionalDouble onEvent(Event e) {
        if (e.type() != EventType.EVAL || e.step() <= from) {
          return OptionalDouble.empty();
        }
        double v = ((Payload.Eval) e.body()).evalLoss();
        if (v < best) {
          best = v;
          bad = 0;
          return OptionalDouble.empty();
        }
        if (++bad < patience) {
          return OptionalDouble.empty();
        }
        bad = 0;
        lr *= factor;
        return OptionalDouble.of(lr);
      }

      @Override
      public String reason() {
        return "schedule: reduce on plateau";
      }
    };
  }

  /**
   * Cosine from {@code peak} after step {@code from} to zero at step {@code steps}, set every
   * {@code every} steps (stairs of that width).
   */
  static LrSchedule cosine(double peak, long from, long steps, int every) {
    return new LrSchedule() {
      @Override
      public OptionalDouble onEvent(Event e) {
        if (e.type() != EventType.METRICS
            || e.step() <= from
            || (e.step() - from) % every != 0
            || e.step() >= steps) {
          return OptionalDouble.empty();
        }
        double frac = (double) (e.step() - from) / (steps - from);
        return OptionalDouble.of(peak * 0.5 * (1 + Math.cos(Math.PI * frac)));
      }

      @Override
      public String reason() {
        return "schedule: cosine to zero";
      }
    };
  }

  /**
   * An online greedy rule: at each evaluation after step {@code from}, raise the lr in force by
   * {@code up} when the validation loss improved on the last evaluation, else multiply it by {@code
   * down}.
   */
  static LrSchedule greedy(long from, double up, double down) {
    return new LrSchedule() {
      private double last = Double.NaN;
      private double lr = Double.NaN;

      @Override
      public OptionalDouble onEvent(Event e) {
        if (e.type() == EventType.METRICS) {
          lr = ((Payload.Metrics) e.body()).lr();
          return OptionalDouble.empty();
        }
        if (e.type() != EventType.EVAL || e.step() <= from || Double.isNaN(lr)) {
          return OptionalDouble.empty();
        }
        double v = ((Payload.Eval) e.body()).evalLoss();
        double before = last;
        last = v;
        if (Double.isNaN(before)) {
          return OptionalDouble.empty();
        }
        return OptionalDouble.of(lr * (v < before ? up : down));
      }

      @Override
      public String reason() {
        return "schedule: greedy (up on improvement, down on regression)";
      }
    };
  }
}
