package dev.coxswain.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Typed reads of a scenario file that name the file, the key and the value when they fail. */
abstract class ScenarioFields {
  final String origin;

  ScenarioFields(String origin) {
    this.origin = origin;
  }

  void fail(String message) throws InvalidExperimentException {
    throw new InvalidExperimentException(origin + ": " + message);
  }

  void only(JsonNode node, String path, String... known) throws InvalidExperimentException {
    Set<String> k = Set.of(known);
    Iterator<String> it = node.fieldNames();
    while (it.hasNext()) {
      String n = it.next();
      if (!k.contains(n)) {
        fail("unknown key '" + path + n + "' (known here: " + String.join(", ", known) + ")");
      }
    }
  }

  JsonNode need(JsonNode node, String path) throws InvalidExperimentException {
    JsonNode v = node.get(path.substring(path.lastIndexOf('.') + 1));
    if (v == null || v.isNull()) {
      fail("missing key '" + path + "'");
    }
    return v;
  }

  void wrong(String path, JsonNode v, String what) throws InvalidExperimentException {
    fail("'" + path + "' must be " + what + ", not " + v);
  }

  JsonNode object(JsonNode node, String path) throws InvalidExperimentException {
    JsonNode v = need(node, path);
    if (!v.isObject()) {
      wrong(path, v, "a mapping");
    }
    return v;
  }

  String text(JsonNode node, String path) throws InvalidExperimentException {
    JsonNode v = need(node, path);
    if (!v.isTextual() || v.asText().isBlank()) {
      wrong(path, v, "a name (text)");
    }
    return v.asText();
  }

  long whole(JsonNode node, String path, long min) throws InvalidExperimentException {
    JsonNode v = need(node, path);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asLong() < min) {
      wrong(path, v, "a whole number of at least " + min);
    }
    return v.asLong();
  }

  double positive(JsonNode node, String path) throws InvalidExperimentException {
    JsonNode v = need(node, path);
    if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
      wrong(path, v, "a positive number");
    }
    return v.asDouble();
  }

  void atMost(String path, long v, long steps) throws InvalidExperimentException {
    if (v > steps) {
      fail("'" + path + "' (" + v + ") is past the end: the runs have " + steps + " steps");
    }
  }

  List<Long> seeds(JsonNode v) throws InvalidExperimentException {
    if (v == null || !v.isArray() || v.isEmpty()) {
      fail("'seeds' must be a non-empty list of whole numbers, not " + v);
    }
    List<Long> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isIntegralNumber() || out.contains(e.asLong())) {
        fail("'seeds' must list distinct whole numbers; " + e + " is not one or comes twice");
      }
      out.add(e.asLong());
    }
    return List.copyOf(out);
  }

  List<Double> positives(JsonNode v, String path) throws InvalidExperimentException {
    if (v == null || !v.isArray() || v.size() < 2) {
      fail("'" + path + "' must be a list of at least 2 positive numbers (a sweep), not " + v);
    }
    List<Double> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isNumber() || !(e.asDouble() > 0) || out.contains(e.asDouble())) {
        fail("'" + path + "' must list distinct positive numbers; " + e + " is not one");
      }
      out.add(e.asDouble());
    }
    return List.copyOf(out);
  }
}
