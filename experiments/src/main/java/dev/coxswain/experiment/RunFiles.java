package dev.coxswain.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** A study's runs on disk: once a run's result is recorded its checkpoints are not needed. */
final class RunFiles {
  private RunFiles() {}

  /** Deletes a checkpoint tree (nothing to do when there is none). */
  static void deleteCheckpoints(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
