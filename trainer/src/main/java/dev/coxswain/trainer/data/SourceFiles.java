package dev.coxswain.trainer.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The text files a data source names, found inside a data directory and never outside it: a
 * directory (its .txt files), one file, or a glob in the last part of the path ({@code 19*.txt},
 * {@code new/*.txt}). Each file comes with its SHA-256, so what was read can be checked again
 * later.
 */
final class SourceFiles {
  private SourceFiles() {}

  /** One file of a source: its path relative to the data directory, content and hash. */
  record TextFile(String file, String text, String sha256) {}

  /**
   * The files of {@code pattern}, in name order.
   *
   * @throws IllegalArgumentException when the pattern leaves the data directory or finds nothing
   */
  static List<TextFile> read(Path dataDir, String pattern) throws IOException {
    Path root = dataDir.toRealPath();
    String p = pattern.replace('\\', '/');
    if (p.startsWith("/") || p.contains("..")) {
      throw new IllegalArgumentException(
          "source path '" + pattern + "' escapes the data directory " + dataDir);
    }
    int cut = p.lastIndexOf('/');
    String last = cut < 0 ? p : p.substring(cut + 1);
    Path parent = cut < 0 ? root : root.resolve(p.substring(0, cut)).normalize();
    boolean glob = last.matches(".*[*?\\[{].*");
    Path target = glob ? parent : parent.resolve(last).normalize();
    if (!Files.exists(target)) {
      throw new IllegalArgumentException(
          "source path '" + pattern + "' does not exist in the data directory " + dataDir);
    }
    Path real = target.toRealPath();
    if (!real.startsWith(root)) {
      throw new IllegalArgumentException(
          "source path '" + pattern + "' escapes the data directory " + dataDir);
    }
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(real)) {
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + (glob ? last : "*.txt"));
      try (Stream<Path> s = Files.list(real)) {
        s.filter(f -> Files.isRegularFile(f) && m.matches(f.getFileName()))
            .sorted()
            .forEach(files::add);
      }
    } else {
      files.add(real);
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "source path '" + pattern + "' names no text files in " + dataDir);
    }
    List<TextFile> out = new ArrayList<>();
    for (Path f : files) {
      Path realFile = f.toRealPath();
      if (!realFile.startsWith(root)) {
        throw new IllegalArgumentException(
            "source file '" + f + "' escapes the data directory " + dataDir);
      }
      byte[] bytes = Files.readAllBytes(realFile);
      out.add(
          new TextFile(
              root.relativize(realFile).toString(),
              new String(bytes, StandardCharsets.UTF_8),
              sha256(bytes)));
    }
    return out;
  }

  /** Every .txt file under the data directory (the vocabulary is made from them). */
  static List<Path> allText(Path dataDir) throws IOException {
    try (Stream<Path> s = Files.walk(dataDir)) {
      return s.filter(f -> Files.isRegularFile(f) && f.toString().endsWith(".txt"))
          .sorted()
          .toList();
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
