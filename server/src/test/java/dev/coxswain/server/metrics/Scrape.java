package dev.coxswain.server.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape as a test reads it: its samples, parsed from Prometheus' text format. */
public record Scrape(int status, String contentType, String body, long nanos) {
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+\\S+)?");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** A sample: its name, labels and value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  public List<Sample> samples() {
    List<Sample> out = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line.strip());
      if (!m.matches()) {
        throw new AssertionError("not a sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.add(new Sample(m.group(1), labels, parse(m.group(3))));
    }
    return out;
  }

  /** GET /metrics with these headers. */
  public static Scrape of(dev.coxswain.server.TestRuns.Http http, Map<String, String> headers)
      throws Exception {
    long t0 = System.nanoTime();
    java.net.http.HttpResponse<String> r = http.get("/metrics", headers);
    return new Scrape(
        r.statusCode(),
        r.headers().firstValue("Content-Type").orElse(""),
        r.body(),
        System.nanoTime() - t0);
  }

  private static double parse(String v) {
    return switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(v);
    };
  }

  /**
   * The value of the one sample of {@code name} whose labels include {@code labels} (pairs), or NaN
   * when there is none.
   */
  public double value(String name, String... labels) {
    List<Sample> found = find(name, labels);
    if (found.size() > 1) {
      throw new AssertionError(found.size() + " samples of " + name + " match: " + found);
    }
    return found.isEmpty() ? Double.NaN : found.get(0).value();
  }

  public List<Sample> find(String name, String... labels) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : samples()) {
      if (!s.name().equals(name)) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        all &= labels[i + 1].equals(s.labels().get(labels[i]));
      }
      if (all) {
        out.add(s);
      }
    }
    return out;
  }

  /** Whether any sample's name starts with {@code prefix}. */
  public boolean hasFamily(String prefix) {
    return samples().stream().anyMatch(s -> s.name().startsWith(prefix));
  }
}
