package dev.coxswain.server.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the relative links of Markdown files whose target does not exist: {@code [text](path)} and
 * {@code ![alt](path)}, with web, mail and same-page links left alone and an {@code #anchor} after
 * a path ignored (the file must exist; its headings are not checked).
 */
public final class LinkChecker {
  // [text](target) or ![alt](target); the target ends at whitespace (a "title") or ')'
  private static final Pattern LINK =
      Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]*)>?[^)]*\\)");
  private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
  private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");

  /** A link whose target is missing: the file it is in (relative to the root), its line, itself. */
  public record Broken(String file, int line, String target) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + target;
    }
  }

  private final Path root;

  /** Checks files under {@code root}; targets may point anywhere under it or beside it. */
  public LinkChecker(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /**
   * The Markdown files a newcomer reads: {@code README.md}, every {@code docs/**}{@code .md} and
   * every {@code experiments/**}{@code /README.md}.
   */
  public List<Path> documents() {
    List<Path> out = new ArrayList<>();
    if (Files.isRegularFile(root.resolve("README.md"))) {
      out.add(root.resolve("README.md"));
    }
    out.addAll(walk(root.resolve("docs"), p -> p.getFileName().toString().endsWith(".md")));
    out.addAll(
        walk(root.resolve("experiments"), p -> p.getFileName().toString().equals("README.md")));
    return out;
  }

  /** Every broken relative link of {@link #documents()}. */
  public List<Broken> check() {
    List<Broken> broken = new ArrayList<>();
    for (Path doc : documents()) {
      broken.addAll(check(doc));
    }
    return broken;
  }

  /** The broken relative links of one Markdown file; links inside code are not links. */
  public List<Broken> check(Path doc) {
    List<String> lines;
    try {
      lines = Files.readAllLines(doc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Broken> broken = new ArrayList<>();
    boolean inFence = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (FENCE.matcher(line).find()) {
        inFence = !inFence;
        continue;
      }
      if (inFence) {
        continue;
      }
      Matcher m = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
      while (m.find()) {
        String target = m.group(1);
        if (!resolves(doc, target)) {
          broken.add(new Broken(root.relativize(doc).toString(), i + 1, target));
        }
      }
    }
    return broken;
  }

  private static boolean resolves(Path doc, String target) {
    if (target.isEmpty() || target.startsWith("#") || isExternal(target)) {
      return !target.isEmpty();
    }
    String path = target.replaceAll("[#?].*$", "");
    return Files.exists(doc.getParent().resolve(path).normalize());
  }

  private static boolean isExternal(String target) {
    String t = target.toLowerCase(java.util.Locale.ROOT);
    return t.startsWith("http://") || t.startsWith("https://") || t.startsWith("mailto:");
  }

  private static List<Path> walk(Path dir, java.util.function.Predicate<Path> keep) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).filter(keep).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
