package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The committed smoke configuration of the LR-recovery experiment, for tests. */
final class Smoke {
  private Smoke() {}

  /** The repository's root, from the module's directory or the root itself. */
  static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    return Files.exists(p.resolve("experiments")) ? p : p.getParent();
  }

  /**
   * {@code experiments/lr-recovery/smoke.yaml} copied into {@code dir}, with the corpus where the
   * build keeps it.
   */
  static Path config(Path dir) throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu")).toAbsolutePath();
    assertTrue(Files.isDirectory(corpus), "corpus missing at " + corpus);
    String text = Files.readString(repo().resolve("experiments/lr-recovery/smoke.yaml"));
    assertTrue(text.contains("corpus: data/sotu"), "smoke.yaml names its corpus");
    Path f = dir.resolve("smoke.yaml");
    Files.writeString(f, text.replace("corpus: data/sotu", "corpus: " + corpus));
    return f;
  }
}
