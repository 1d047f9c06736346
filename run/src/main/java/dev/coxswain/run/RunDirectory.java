package dev.coxswain.run;

import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * One run's directory: {@code run.json} (configuration and provenance), {@code events.jsonl} (every
 * event) and {@code checkpoints/}.
 */
public final class RunDirectory {
  private final Path dir;

  private RunDirectory(Path dir) {
    this.dir = dir;
  }

  /**
   * Creates the directory for a new run and writes run.json.
   *
   * @throws FileAlreadyExistsException when the directory already holds a run
   */
  public static RunDirectory create(Path dir, Map<String, Object> runJson) throws IOException {
    if (Files.exists(dir.resolve("events.jsonl")) || Files.exists(dir.resolve("run.json"))) {
      throw new FileAlreadyExistsException(
          dir.toString(), null, "this directory already holds a run; choose another --run-dir");
    }
    Files.createDirectories(dir);
    RunDirectory rd = new RunDirectory(dir);
    Path tmp = Files.createTempFile(dir, ".run-", ".json");
    Files.writeString(
        tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(runJson));
    Files.move(tmp, dir.resolve("run.json"), StandardCopyOption.ATOMIC_MOVE);
    return rd;
  }

  public Path path() {
    return dir;
  }

  public Path events() {
    return dir.resolve("events.jsonl");
  }
}
