package dev.coxswain.run;

import java.util.Map;
import java.util.TreeMap;

/**
 * The byte offset of every {@value #EVERY}th line of an event log, and the log's length: reading
 * old events seeks to the indexed line at or before the first one wanted instead of reading the log
 * from its start. Not thread-safe: its log's owner guards it.
 */
final class LogIndex {
  /** Every this many events the byte offset of its line is indexed. */
  static final int EVERY = 512;

  private final TreeMap<Long, Long> offsets = new TreeMap<>(); // seq -> byte offset of its line
  private long bytes; // the log's length

  /** Records the line of event {@code seq}, {@code length} bytes with its newline, at the end. */
  void add(long seq, long length) {
    if (seq % EVERY == 1) {
      offsets.put(seq, bytes);
    }
    bytes += length;
  }

  /** Records a line that holds no event (a blank one): only the length moves. */
  void skip(long length) {
    bytes += length;
  }

  /** The offset of the indexed line at or before event {@code seq}; 0 when there is none. */
  long atOrBefore(long seq) {
    Map.Entry<Long, Long> at = offsets.floorEntry(seq);
    return at == null ? 0 : at.getValue();
  }

  /** The number of bytes {@code s} takes in UTF-8 (no second encoding of a line just read). */
  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
