package dev.coxswain.run;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.coxswain.protocol.Event;
import dev.coxswain.trainer.events.JsonlEventSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A run's durable log, {@code events.jsonl} or a replica's {@code replica.jsonl}: one event per
 * line, appended (durable types forced to disk first, unless it is a replica), indexed by {@link
 * LogIndex}, read back from any event. Opening an existing log drops a torn last line left by a
 * crash and reports what else is wrong with it ({@link LogCheck}). Not thread-safe: its store
 * guards the appends and the index; the reads touch only the file, up to a seq they are given.
 */
final class EventLog implements AutoCloseable {
  private final Path path;
  private final String name;
  private final LogIndex index = new LogIndex();
  private JsonlEventSink file;

  /** An event of the log being opened that its check accepts (a gap before it is reported). */
  interface Accepted {
    void line(long line, Event e);
  }

  /** A well-formed event of a type this version does not know: its number is taken. */
  interface Unknown {
    void line(long line, long seq, String why);
  }

  private EventLog(Path path, String name) {
    this.path = path;
    this.name = name;
  }

  /** A new, empty log in {@code dir}, its file opened by {@code opener}. */
  static EventLog create(Path dir, String name, boolean force, JsonlEventSink.Opener opener)
      throws IOException {
    EventLog log = new EventLog(dir.resolve(name), name);
    log.file = new JsonlEventSink(log.path, force, opener);
    return log;
  }

  /**
   * Opens the log {@code name} in {@code dir} to append to it, after repairing its tail and handing
   * every event to {@code accepted} or {@code unknown}; a missing file is an empty log.
   *
   * @param damage told what the check found wrong (gaps, repeated numbers), after the replay
   * @throws IOException when a line is not an event at all: the run cannot continue on it
   */
  static EventLog open(
      Path dir,
      String name,
      boolean force,
      Accepted accepted,
      Unknown unknown,
      java.util.function.Consumer<String> damage)
      throws IOException {
    EventLog log = new EventLog(dir.resolve(name), name);
    if (Files.exists(log.path)) {
      repairTail(log.path);
      log.replay(accepted, unknown).forEach(damage);
    }
    log.file = new JsonlEventSink(log.path, force);
    return log;
  }

  private List<String> replay(Accepted accepted, Unknown unknown) throws IOException {
    LogCheck check = new LogCheck(name);
    long last = 0;
    try (BufferedReader r = Files.newBufferedReader(path, UTF_8)) {
      String line;
      long n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        long length = LogIndex.utf8Length(line) + 1;
        if (line.isBlank()) {
          index.skip(length);
          continue;
        }
        LogLine parsed;
        try {
          parsed = LogLine.parse(line);
        } catch (IOException bad) {
          throw new IOException(
              path
                  + " line "
                  + n
                  + ": "
                  + bad.getMessage()
                  + "; the run cannot continue on a log it cannot read",
              bad);
        }
        Event e = parsed.event();
        if (e == null) {
          // a newer version's event: its number is taken, what it says is not read
          if (parsed.seq() == last + 1) {
            last = parsed.seq();
            index.add(last, length);
            check.skip(last);
          } else {
            index.skip(length);
          }
          unknown.line(n, parsed.seq(), parsed.why());
        } else if (check.accept(n, e)) {
          last = e.seq();
          index.add(last, length);
          accepted.line(n, e);
        } else {
          index.skip(length);
        }
      }
    }
    return check.damage();
  }

  // A crash can leave a partial last line; everything before the last newline is whole.
  private static void repairTail(Path events) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(events.toFile(), "rw")) {
      long len = f.length();
      long pos = len;
      while (pos > 0) {
        f.seek(pos - 1);
        if (f.read() == '\n') {
          break;
        }
        pos--;
      }
      if (pos < len) {
        f.setLength(pos);
      }
    }
  }

  /** Appends event {@code e}'s line {@code json}: forced to disk first when its type is durable. */
  void append(Event e, String json) {
    int written = file.append(e.type(), json);
    index.add(e.seq(), written); // the sink has encoded the line already: no second pass over it
  }

  /** Where a read of the events after {@code since} starts: call it under the appender's guard. */
  long seekFor(long since) {
    return index.atOrBefore(dev.coxswain.protocol.Steps.add(since, 1));
  }

  /**
   * Events with seq greater than {@code since} and at most {@code upTo}, oldest first, at most
   * {@code limit}, read from byte {@code from} (see {@link #seekFor}): one page, not the log.
   */
  List<Event> page(long from, long since, int limit, long upTo) throws IOException {
    List<Event> out = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        BufferedReader r =
            new BufferedReader(
                new InputStreamReader(Channels.newInputStream(ch.position(from)), UTF_8))) {
      String line;
      while ((line = r.readLine()) != null && out.size() < limit) {
        if (line.isBlank()) {
          continue;
        }
        LogLine parsed = LogLine.parse(line);
        if (parsed.seq() > upTo) {
          break;
        }
        Event e = parsed.event();
        if (e != null && e.seq() > since) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /** Reads the log from the start up to {@code upTo}, keeping events that match, at most limit. */
  List<Event> scan(Predicate<Event> keep, int limit, long upTo) throws IOException {
    List<Event> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(path, UTF_8)) {
      String line;
      while ((line = r.readLine()) != null && out.size() < limit) {
        if (line.isBlank()) {
          continue;
        }
        LogLine parsed = LogLine.parse(line);
        if (parsed.seq() > upTo) {
          break; // appended while reading: left for the next call
        }
        Event e = parsed.event();
        if (e != null && keep.test(e)) {
          out.add(e);
        }
      }
    }
    return out;
  }

  Path path() {
    return path;
  }

  String name() {
    return name;
  }

  @Override
  public void close() {
    if (file != null) {
      file.close();
    }
  }
}
