package dev.coxswain.run;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Reads a run's log into a {@link RunHistory} fast: a metrics line (nearly every line of a long
 * run) is streamed straight into the columns, its numbers only, with no event, map of the whole
 * payload or time made of it; every other line becomes an event as usual. Reads up to the store's
 * last seq when it starts, as {@link RunStore#scan} does. An event of a type this version does not
 * know (written by a newer one) is left out with one warning naming its line, as the store leaves
 * it out; a line that is not an event at all is an error.
 */
public final class HistoryReader {
  private static final org.slf4j.Logger WARN = org.slf4j.LoggerFactory.getLogger(RunStore.class);
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  private final RunHistory history;
  private final Predicate<String> wanted;
  private final long upTo;
  private final Map<String, String> names = new HashMap<>(); // one String per branch and metric
  private final Map<String, Object> numbers = new LinkedHashMap<>(); // reused line after line
  private final Path log;
  private final Consumer<String> skipped;
  private long lineNo; // the number of the line being read, from 1
  private long skippedTo; // the seq of the last line left out
  private long base; // the file offset of the buffer's first byte
  private long lineAt; // the file offset of the line being read

  private HistoryReader(Path log, Predicate<String> wanted, long upTo, Consumer<String> skipped) {
    this.log = log;
    this.skipped = skipped;
    this.history = new RunHistory(wanted);
    this.wanted = wanted;
    this.upTo = upTo;
  }

  /**
   * The history of {@code store}'s log, with the metrics {@code wanted} accepts as columns; each
   * line left out is a warning in the log.
   */
  public static RunHistory read(RunStore store, Predicate<String> wanted) throws IOException {
    return read(store, wanted, why -> WARN.warn("run {}: {}", store.runId(), why));
  }

  /**
   * The same, telling {@code skipped} of each line left out ({@code events.jsonl line 10: skipped
   * (seq 10): event type 'x' is unknown to this version}).
   */
  public static RunHistory read(RunStore store, Predicate<String> wanted, Consumer<String> skipped)
      throws IOException {
    HistoryReader r = new HistoryReader(store.log(), wanted, store.lastSeq(), skipped);
    try (InputStream in = Files.newInputStream(r.log)) {
      r.lines(in);
    }
    return r.history;
  }

  private void lines(InputStream in) throws IOException {
    byte[] buf = new byte[1 << 20];
    int start = 0;
    int end = 0;
    while (true) {
      lineAt = base + start;
      int nl = start;
      while (nl < end && buf[nl] != '\n') {
        nl++;
      }
      if (nl < end) {
        lineNo++;
        if (!line(buf, start, nl)) {
          return; // past the last seq at the start: appended while reading
        }
        start = nl + 1;
        continue;
      }
      if (start > 0) {
        System.arraycopy(buf, start, buf, 0, end - start);
        base += start;
        end -= start;
        start = 0;
      } else if (end == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
      }
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        lineNo++;
        try {
          line(buf, start, end); // a last line without its newline
        } catch (IOException e) {
          if (Math.max(history.lastSeq(), skippedTo) < upTo) {
            throw e;
          } // else a line being written after the read began: the stream brings it
        }
        return;
      }
      end += n;
    }
  }

  /** One line; false once it is past {@link #upTo}. */
  @SuppressWarnings("unchecked")
  private boolean line(byte[] buf, int from, int to) throws IOException {
    int i = from;
    while (i < to && Character.isWhitespace(buf[i])) {
      i++;
    }
    if (i == to) {
      return true;
    }
    long seq = -1;
    long step = 0;
    String run = null;
    String branch = null;
    String type = null;
    String time = null;
    Map<String, Object> payload = null;
    boolean streamed = false;
    try (JsonParser p = FACTORY.createParser(buf, from, to - from)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("corrupt event log line: not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "seq" -> seq = p.getLongValue();
          case "step" -> step = p.getLongValue();
          case "run" -> run = p.getText();
          case "branch" -> branch = name(p.getText());
          case "type" -> type = p.getText();
          case "time" -> time = "metrics".equals(type) ? null : p.getText(); // not needed
          case "payload" -> {
            if ("metrics".equals(type)) {
              numbers(p);
              streamed = true;
            } else {
              payload = Json.mapper().readValue(p, Map.class);
            }
          }
          default -> p.skipChildren();
        }
        if (seq > upTo) {
          return false;
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException("corrupt event log line: " + e.getMessage(), e);
    }
    if (streamed) {
      long at = lineAt;
      int length = to - from;
      history.metrics(seq, branch, step, numbers, () -> parse(log, at, length));
    } else {
      EventType t = known(type);
      if (t == null) {
        skippedTo = seq;
        skipped.accept(
            log.getFileName()
                + " line "
                + lineNo
                + ": skipped (seq "
                + seq
                + "): event type '"
                + type
                + "' is unknown to this version");
        return true;
      }
      history.accept(
          new Event(seq, run, branch, step, t, time == null ? null : Instant.parse(time), payload));
    }
    return true;
  }

  /** The type named, null when this version does not know it; no type at all is damage. */
  private static EventType known(String type) throws IOException {
    if (type == null) {
      throw new IOException("corrupt event log line: no type");
    }
    try {
      return EventType.fromWire(type);
    } catch (IllegalArgumentException newer) {
      return null;
    }
  }

  /** A metrics payload's numbers that are wanted, into {@link #numbers}; the rest is skipped. */
  private void numbers(JsonParser p) throws IOException {
    numbers.clear();
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      if (v.isNumeric() && wanted.test(key)) {
        numbers.put(name(key), p.getDoubleValue());
      } else if (v == JsonToken.START_OBJECT
          && MetricColumns.VALUES.equals(key)
          && wanted.test(key)) {
        numbers.put(MetricColumns.VALUES, named(p));
      } else {
        p.skipChildren();
      }
    }
  }

  /** A loop's own named figures: the numbers of the object the parser is at. */
  private Map<String, Object> named(JsonParser p) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      if (p.nextToken().isNumeric()) {
        out.put(name(key), p.getDoubleValue());
      } else {
        p.skipChildren();
      }
    }
    return out;
  }

  private String name(String s) {
    return s == null ? null : names.computeIfAbsent(s, k -> k);
  }

  /** The event on the line at {@code at}: only the few of the tail are read twice. */
  private static Event parse(Path log, long at, int length) {
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(length);
      while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
        // read until the line is whole
      }
      return Json.mapper().readValue(b.array(), 0, b.position(), Event.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
