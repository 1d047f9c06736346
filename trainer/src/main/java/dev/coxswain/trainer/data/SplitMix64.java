package dev.coxswain.trainer.data;

/** A tiny counter-based random function: the same (seed, counter) always gives the same value. */
public final class SplitMix64 {
  private SplitMix64() {}

  /** A well-mixed 64-bit value for this seed and counter. */
  public static long mix(long seed, long counter) {
    long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A uniform integer in [0, bound) for this seed and counter. */
  public static long below(long seed, long counter, long bound) {
    return Math.floorMod(mix(seed, counter), bound);
  }
}
