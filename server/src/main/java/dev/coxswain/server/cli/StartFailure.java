package dev.coxswain.server.cli;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A start-up that failed: the line that says why, naming what can be changed (a taken port), and
 * the removal of what the attempt created, so that nothing (an empty run for {@code report} to
 * find) is left behind.
 */
final class StartFailure {
  private StartFailure() {}

  /** The line for {@code e}, with {@code what} ("cannot start", ...) before a generic cause. */
  static String describe(Throwable e, String what, String host, int port) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      // NIO's BindException; a native transport says it in its message only
      if (t instanceof BindException
          || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return "error: port "
            + port
            + " on "
            + host
            + " is in use; pick another with --port N (or --port 0 for any free port)";
      }
      root = t;
    }
    return "error: " + what + ": " + root.getMessage();
  }

  /** The topmost ancestor of {@code dir} (itself included) that does not exist yet, or null. */
  static Path firstMissing(Path dir) {
    Path missing = null;
    for (Path p = dir.toAbsolutePath().normalize();
        p != null && !Files.exists(p);
        p = p.getParent()) {
      missing = p;
    }
    return missing;
  }

  /** Deletes {@code top} and everything under it (what this start-up created); null: nothing. */
  static void remove(Path top) {
    if (top == null || !Files.exists(top)) {
      return;
    }
    try {
      Files.walkFileTree(
          top,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
              Files.delete(f);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      System.err.println("coxswain: could not remove " + top + ": " + e.getMessage());
    }
  }
}
