package dev.coxswain.server.cli;

import dev.coxswain.server.api.ApiOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A served run's API token, kept across {@code resume} so that a console tab left open works again
 * once the run is back: a generated token is kept in {@code runs/<id>/token}, readable by its owner
 * only, and never in a log, an event or a journal. COXSWAIN_TOKEN, when set, wins and is not kept
 * (its owner has it).
 */
final class RunToken {
  /** The file, in the run's directory. */
  static final String FILE = "token";

  private RunToken() {}

  /**
   * COXSWAIN_TOKEN when set; else the token kept for the run; else a new one, kept from now on.
   *
   * @throws IOException when a kept token cannot be read or a new one cannot be kept
   */
  static String resolve(String envToken, Path runDir) throws IOException {
    return resolveIn(envToken, runDir.resolve(FILE));
  }

  /**
   * As {@link #resolve} with the token kept in file {@code f} (the control plane keeps its own next
   * to the runs it serves).
   */
  static String resolveIn(String envToken, Path f) throws IOException {
    if (envToken != null && !envToken.isBlank()) {
      return envToken.strip();
    }
    if (Files.exists(f)) {
      String kept = Files.readString(f, StandardCharsets.UTF_8).strip();
      if (!kept.isEmpty()) {
        return kept;
      }
      Files.delete(f); // an empty file (a crash while writing): a new token below
    }
    String token = ApiOptions.tokenOrRandom(null);
    try {
      // created 0600: there is no moment at which others may read it
      Files.createFile(
          f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(f);
    }
    Files.writeString(f, token, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    return token;
  }
}
