package dev.coxswain.experiment;

import java.util.List;
import java.util.Locale;

/** A figure over a study's seeds: mean and sample standard deviation, min, max, count. */
record Stat(double mean, double sd, double min, double max, int n) {
  static Stat of(List<Double> v) {
    double m = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    double ss = v.stream().mapToDouble(d -> (d - m) * (d - m)).sum();
    double sd = v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0;
    return new Stat(
        m,
        sd,
        v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
        v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN),
        v.size());
  }

  String text(String fmt) {
    return String.format(Locale.ROOT, fmt + " ± " + fmt, mean, sd);
  }
}
