package dev.coxswain.agent.journal;

import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** {@code agent.jsonl}: one JSON line per agent call and per command result, forced to disk. */
public final class Journal implements AutoCloseable {
  private final FileChannel channel;

  public Journal(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  public synchronized void write(Map<String, Object> entry) {
    try {
      ByteBuffer b = ByteBuffer.wrap((Json.write(entry) + "\n").getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        channel.write(b);
      }
      channel.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
