package dev.coxswain.run;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;

/**
 * One writer per run directory: an OS file lock on {@code <run>/writer.lock}, held for the life of
 * the process that trains the run. The OS drops it when that process dies (kill -9 included), so a
 * stale file never blocks; what the file says (pid, command, since) is only for the message.
 */
public final class RunLock implements AutoCloseable {
  public static final String FILE = "writer.lock";

  /**
   * The lock files this process holds. POSIX record locks belong to the process, and closing ANY
   * descriptor of the file drops them all, so this process must never open its own lock file again
   * (not even to read it): it asks this set instead. Process-wide, like the OS lock itself.
   */
  private static final java.util.Set<Path> HELD =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  private static Path fileOf(Path dir) {
    return dir.toAbsolutePath().normalize().resolve(FILE);
  }

  /** The run directory is written by another live process (or another trainer in this one). */
  public static final class HeldException extends IOException {
    HeldException(String message) {
      super(message);
    }
  }

  /**
   * Takes the run's lock for this process.
   *
   * @param command what this process is, for the message another one prints ("serve", "resume")
   * @throws HeldException when a live process holds it, naming that process
   * @throws IOException when the lock file cannot be written (a read-only directory, say)
   */
  public static RunLock acquire(Path dir, String command) throws IOException {
    Path f = fileOf(dir);
    if (!HELD.add(f)) {
      throw new HeldException("run directory " + dir + " is already being written by this process");
    }
    try {
      RunLock l = take(dir, f, command);
      return l;
    } catch (IOException | RuntimeException e) {
      HELD.remove(f);
      throw e;
    }
  }

  private static RunLock take(Path dir, Path f, String command) throws IOException {
    FileChannel ch;
    try {
      ch =
          FileChannel.open(
              f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IOException("cannot lock " + dir + " for writing (" + e + ")", e);
    }
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      String who = describe(f);
      ch.close();
      throw new HeldException(
          "run directory "
              + dir
              + " is being written by "
              + who
              + "; stop that process first (two writers would interleave its log)");
    }
    byte[] me =
        ("pid "
                + ProcessHandle.current().pid()
                + " (coxswain "
                + command
                + ", since "
                + Instant.now()
                + ", "
                + ManagementFactory.getRuntimeMXBean().getName()
                + ")\n")
            .getBytes(StandardCharsets.UTF_8);
    ch.truncate(0);
    ch.write(ByteBuffer.wrap(me), 0);
    ch.force(true);
    return new RunLock(f, ch, lock);
  }

  /**
   * Who holds the run's lock, when another live process does; empty when nobody does or this
   * process does. Changes nothing: a reader uses it to leave a live run's log as it is.
   */
  public static Optional<String> heldElsewhere(Path dir) {
    Path f = fileOf(dir);
    if (HELD.contains(f) || !Files.exists(f)) {
      return Optional.empty();
    }
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock probe = ch.tryLock();
      if (probe == null) {
        return Optional.of(describe(f));
      }
      probe.release();
      return Optional.empty();
    } catch (OverlappingFileLockException e) {
      return Optional.empty(); // this JVM holds it
    } catch (IOException e) {
      return Optional.empty(); // unreadable: not a live writer we can see
    }
  }

  private static String describe(Path f) {
    try {
      String s = Files.readString(f, StandardCharsets.UTF_8).strip();
      // a file written by hand says anything: show it only when it has our shape
      return s.matches("pid [0-9]+ \\(coxswain [a-z-]+, since [^\\n]{1,120}\\)")
          ? s
          : "another process (its lock file does not say which)";
    } catch (IOException e) {
      return "another process";
    }
  }

  /** Releases the lock (the file stays: its content is stale once no process holds it). */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
      HELD.remove(file);
    }
  }
}
