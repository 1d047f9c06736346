package dev.coxswain.trainer.health;

import java.util.Optional;

/**
 * Watches the training loss for trouble. Non-finite values are the trainer's to skip; this class
 * flags spikes: a loss above {@code factor} times the mean of the last {@code window} finite
 * losses.
 */
public final class HealthMonitor {
  private final double factor;
  private final double[] ring;
  private final int minHistory;
  private int count;
  private int next;
  private double sum;

  /** A spike observation. */
  public record Spike(double loss, double mean, double ratio) {}

  public HealthMonitor(double factor, int window) {
    if (!(factor > 1) || window < 2) {
      throw new IllegalArgumentException("spike factor must be > 1 and window >= 2");
    }
    this.factor = factor;
    this.ring = new double[window];
    this.minHistory = Math.min(window, 10);
  }

  /** Records a finite loss; says whether it is a spike against the losses before it. */
  public Optional<Spike> observe(double loss) {
    Optional<Spike> spike = Optional.empty();
    if (count >= minHistory) {
      double mean = sum / count;
      if (mean > 0 && loss > factor * mean) {
        spike = Optional.of(new Spike(loss, mean, loss / mean));
      }
    }
    if (count == ring.length) {
      sum -= ring[next];
    } else {
      count++;
    }
    ring[next] = loss;
    sum += loss;
    next = (next + 1) % ring.length;
    return spike;
  }

  /** Forgets the history (after a rollback the old losses say nothing about the new branch). */
  public void reset() {
    count = 0;
    next = 0;
    sum = 0;
  }
}
