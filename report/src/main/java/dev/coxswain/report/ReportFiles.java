package dev.coxswain.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a run's report: the HTML page and the Markdown beside it, each whole or not at all. */
public final class ReportFiles {
  /** The two files written. */
  public record Written(Path html, Path markdown, long htmlBytes, long markdownBytes) {}

  private ReportFiles() {}

  /**
   * {@code report.md} for {@code report.html}; {@code x.md} for {@code x.htm}; else {@code x.md}.
   */
  public static Path markdownFor(Path html) {
    String name = html.getFileName().toString();
    String base = name.replaceFirst("(?i)\\.html?$", "");
    return html.resolveSibling(base + ".md");
  }

  /** The HTML page as a string (the API serves it without writing anything). */
  public static String html(RunReport r) throws IOException {
    return HtmlReport.render(r, ReportCharts.draw(r));
  }

  public static Written write(RunReport r, Path html) throws IOException {
    Path md = markdownFor(html);
    byte[] page = html(r).getBytes(StandardCharsets.UTF_8);
    byte[] text =
        MarkdownReport.render(r, html.getFileName().toString()).getBytes(StandardCharsets.UTF_8);
    Path dir = html.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    replace(dir, html, page);
    replace(dir, md, text);
    return new Written(html, md, page.length, text.length);
  }

  private static void replace(Path dir, Path file, byte[] content) throws IOException {
    // readable as any file the user writes (createTempFile would make it owner-only)
    Path tmp = dir.resolve("." + file.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
    try {
      Files.write(tmp, content);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
