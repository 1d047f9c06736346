package dev.coxswain.trainer.events;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * Appends events as JSON lines to a file. Every event is written through to the operating system
 * before {@link #accept} returns; events that record decisions (commands, results, checkpoints,
 * status, health) are also forced to the disk, so an acknowledged command survives a power cut.
 */
public final class JsonlEventSink implements EventSink {
  private static final Set<EventType> DURABLE =
      EnumSet.of(
          EventType.COMMAND,
          EventType.COMMAND_RESULT,
          EventType.CHECKPOINT,
          EventType.BRANCH,
          EventType.STATUS,
          EventType.HEALTH,
          EventType.KNOBS,
          EventType.NOTE,
          EventType.DATA);

  /** Opens the log's file for appending; a test puts a failing file behind it. */
  @FunctionalInterface
  public interface Opener {
    FileChannel open(Path path) throws IOException;

    /** The real file, opened to append. */
    Opener FILE =
        p ->
            FileChannel.open(
                p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  private final Path path;
  private final FileChannel channel;
  private final boolean force;
  private long size; // the length of the whole lines written so far
  private IOException failure; // the write that failed: the log takes nothing after it

  public JsonlEventSink(Path path) throws IOException {
    this(path, true);
  }

  /**
   * @param forceDurable whether durable types are forced to the disk before {@link #append}
   *     returns; a copy of a log kept elsewhere (a control plane's replica) need not be
   */
  public JsonlEventSink(Path path, boolean forceDurable) throws IOException {
    this(path, forceDurable, Opener.FILE);
  }

  public JsonlEventSink(Path path, boolean forceDurable, Opener opener) throws IOException {
    this.path = path;
    this.force = forceDurable;
    Files.createDirectories(path.toAbsolutePath().getParent());
    this.channel = opener.open(path);
    this.size = channel.size();
  }

  /** Whether events of this type are forced to the disk before they count. */
  public static boolean isDurable(EventType type) {
    return DURABLE.contains(type);
  }

  @Override
  public void accept(Event event) {
    append(event.type(), Json.write(event));
  }

  /**
   * Appends an event already written as JSON (one line, no newline), so it is serialized once.
   *
   * @return the bytes written, newline included
   */
  public synchronized int append(EventType type, String json) {
    if (failure != null) {
      throw new UncheckedIOException(
          "the log "
              + path
              + " takes no more events after a failed write ("
              + failure.getMessage()
              + "); resume the run once the cause is fixed",
          failure);
    }
    byte[] line = (json + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
      if (force && DURABLE.contains(type)) {
        channel.force(false);
      }
      size += line.length;
      return line.length;
    } catch (IOException e) {
      // a short write (a full disk, an I/O error) must not leave a torn line for the next write
      // to continue: cut the file back to its last whole line, and take nothing more, so that no
      // sequence number is written twice
      failure = e;
      try {
        channel.truncate(size);
        channel.force(false);
      } catch (IOException cut) {
        e.addSuppressed(cut);
      }
      throw new UncheckedIOException("cannot append to " + path + ": " + e.getMessage(), e);
    }
  }

  /** The write that failed, after which this log takes no more events; empty while it works. */
  public synchronized java.util.Optional<IOException> failure() {
    return java.util.Optional.ofNullable(failure);
  }

  public Path path() {
    return path;
  }

  @Override
  public synchronized void close() {
    try {
      if (channel.isOpen()) {
        try {
          channel.force(false);
        } finally {
          channel.close();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
