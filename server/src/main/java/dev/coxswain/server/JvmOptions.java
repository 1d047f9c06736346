package dev.coxswain.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options every Coxswain JVM needs (DJL offline, what Hazelcast asks for on Java 17), read
 * from {@code jvm.options}: the repository root's java argument file, bundled in this jar.
 */
public final class JvmOptions {
  private static final String RESOURCE = "jvm.options";

  private JvmOptions() {}

  /** The options, for a JVM this program starts itself (a benchmark's trainer, a test's server). */
  public static List<String> required() {
    try (InputStream in = JvmOptions.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "jvm.options is not on the class path beside " + JvmOptions.class.getName());
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The options of an argument file's text: whitespace-separated, lines starting with {@code #} are
   * comments. Quotes, which java's own reader would interpret, are refused rather than guessed.
   */
  static List<String> parse(String text) {
    List<String> options = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.contains("\"") || line.contains("'")) {
        throw new IllegalArgumentException(
            "jvm.options line " + (i + 1) + ": quotes are not supported: " + line);
      }
      options.addAll(List.of(line.split("\\s+")));
    }
    return List.copyOf(options);
  }
}
