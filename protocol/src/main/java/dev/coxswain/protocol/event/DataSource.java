package dev.coxswain.protocol.event;

import java.util.List;

/**
 * A data source as a mixture describes it in a {@link Payload.Data} event: its files and their
 * hashes, its size.
 */
public record DataSource(
    String name, String path, List<File> files, Long trainChars, Long validationChars) {

  /** One file of a source and its SHA-256. */
  public record File(String file, String sha256) {}
}
