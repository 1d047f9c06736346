package dev.coxswain.protocol.event;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shared event fixtures, and JSON compared by value (every number as a double). */
final class Fixtures {
  static final Path EVENTS = Path.of("src/test/resources/fixtures/events");

  /** A whole run written by the code of 2026-12-02 (serve, commands, two resumes, two forks). */
  static final Path RUN = Path.of("../server/src/test/resources/fixtures/run-2026-12-02");

  private Fixtures() {}

  static List<Event> events(Path jsonl) throws IOException {
    List<Event> out = new ArrayList<>();
    for (String line : Files.readAllLines(jsonl)) {
      if (!line.isBlank()) {
        out.add(Json.read(line, Event.class));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> expected(Path json) throws IOException {
    return Json.read(Files.readString(json), Map.class);
  }

  /** A JSON value with every number a double and "NaN"/"Infinity" strings as numbers. */
  static Object normal(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof String s && (s.equals("NaN") || s.endsWith("Infinity"))) {
      return Double.parseDouble(s);
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), normal(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(Fixtures::normal).toList();
    }
    return v;
  }
}
