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

  /** Tokens and dollars a journal records as spent. */
  public record Spent(long tokens, double usd, int calls) {}

  /**
   * What the calls recorded in a journal spent (their {@code usage} and {@code cost_usd}); a torn
   * last line left by a crash is skipped. A missing file spent nothing.
   */
  public static Spent spent(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new Spent(0, 0, 0);
    }
    long tokens = 0;
    double usd = 0;
    int calls = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      Map<?, ?> entry;
      try {
        entry = line.isBlank() ? null : Json.read(line, Map.class);
      } catch (IOException e) {
        entry = null; // a torn line: the call it described was never acknowledged
      }
      if (entry == null || !(entry.get("usage") instanceof Map<?, ?> usage)) {
        continue;
      }
      tokens += number(usage.get("input_tokens")) + number(usage.get("output_tokens"));
      if (entry.get("cost_usd") instanceof Number c) {
        usd += c.doubleValue();
      }
      calls++;
    }
    return new Spent(tokens, usd, calls);
  }

  private static long number(Object o) {
    return o instanceof Number n ? n.longValue() : 0;
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
