package dev.coxswain.server;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository's root for tests: the first directory upwards that holds the launcher and README.
 */
public final class RepositoryRoot {
  private RepositoryRoot() {}

  /** From {@code coxswain.root} when the build sets it, else upwards from the working directory. */
  public static Path find() {
    String configured = System.getProperty("coxswain.root");
    Path p =
        configured != null
            ? Path.of(configured).toAbsolutePath().normalize()
            : Path.of("").toAbsolutePath();
    for (Path q = p; q != null; q = q.getParent()) {
      if (Files.isRegularFile(q.resolve("coxswain"))
          && Files.isRegularFile(q.resolve("README.md"))) {
        return q;
      }
    }
    throw new IllegalStateException("no repository root (coxswain, README.md) above " + p);
  }
}
