package dev.coxswain.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Typed reads of an experiment file's YAML that name the field when it is missing or wrong: each
 * message starts with the file ({@code origin}) and gives the field's full path ({@code path} +
 * key, as in {@code arms.plateau.factor}).
 */
final class YamlFields {
  private final String origin;

  YamlFields(String origin) {
    this.origin = origin;
  }

  private InvalidExperimentException missing(String path, String key, String what) {
    return new InvalidExperimentException(
        origin + ": missing field '" + path + key + "' (" + what + ")");
  }

  private InvalidExperimentException wrong(String path, String key, JsonNode v, String what) {
    return new InvalidExperimentException(
        origin + ": field '" + path + key + "' must be " + what + ", not " + v.toString());
  }

  void only(JsonNode node, String path, String... known) throws InvalidExperimentException {
    Set<String> k = Set.of(known);
    Iterator<String> it = node.fieldNames();
    while (it.hasNext()) {
      String n = it.next();
      if (!k.contains(n)) {
        throw new InvalidExperimentException(
            origin + ": unknown field '" + path + n + "' (known here: " + List.of(known) + ")");
      }
    }
  }

  private JsonNode need(JsonNode node, String path, String key, String what)
      throws InvalidExperimentException {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      throw missing(path, key, what);
    }
    return v;
  }

  JsonNode object(JsonNode node, String path, String key) throws InvalidExperimentException {
    JsonNode v = need(node, path, key, "a mapping");
    if (!(v instanceof ObjectNode)) {
      throw wrong(path, key, v, "a mapping");
    }
    return v;
  }

  String text(JsonNode node, String path, String key) throws InvalidExperimentException {
    JsonNode v = need(node, path, key, "a name");
    if (!v.isTextual() || v.asText().isBlank()) {
      throw wrong(path, key, v, "a non-empty string");
    }
    return v.asText();
  }

  long positiveLong(JsonNode node, String path, String key) throws InvalidExperimentException {
    JsonNode v = need(node, path, key, "a positive whole number");
    if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1) {
      throw wrong(path, key, v, "a positive whole number");
    }
    return v.asLong();
  }

  long nonNegativeLong(JsonNode node, String path, String key) throws InvalidExperimentException {
    JsonNode v = need(node, path, key, "a whole number, 0 or more");
    if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
      throw wrong(path, key, v, "a whole number, 0 or more");
    }
    return v.asLong();
  }

  int positiveInt(JsonNode node, String path, String key) throws InvalidExperimentException {
    long l = positiveLong(node, path, key);
    if (l > Integer.MAX_VALUE) {
      throw wrong(path, key, node.get(key), "a positive whole number below 2^31");
    }
    return (int) l;
  }

  double positiveDouble(JsonNode node, String path, String key) throws InvalidExperimentException {
    JsonNode v = need(node, path, key, "a positive number");
    if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
      throw wrong(path, key, v, "a positive number");
    }
    return v.asDouble();
  }

  double nonNegativeDouble(JsonNode node, String path, String key)
      throws InvalidExperimentException {
    JsonNode v = need(node, path, key, "a number, 0 or more");
    if (!v.isNumber() || !(v.asDouble() >= 0) || !Double.isFinite(v.asDouble())) {
      throw wrong(path, key, v, "a number, 0 or more");
    }
    return v.asDouble();
  }

  private JsonNode list(JsonNode node, String path, String key, String what)
      throws InvalidExperimentException {
    JsonNode v = need(node, path, key, what);
    if (!v.isArray() || v.isEmpty()) {
      throw wrong(path, key, v, "a non-empty list of " + what);
    }
    return v;
  }

  List<Long> seeds(JsonNode node, String path, String key) throws InvalidExperimentException {
    JsonNode v = list(node, path, key, "whole numbers");
    List<Long> out = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    for (JsonNode e : v) {
      if (!e.isIntegralNumber() || !e.canConvertToLong()) {
        throw wrong(path, key, v, "a non-empty list of whole numbers");
      }
      if (!seen.add(e.asLong())) {
        throw new InvalidExperimentException(
            origin + ": field '" + path + key + "' lists seed " + e.asLong() + " twice");
      }
      out.add(e.asLong());
    }
    return List.copyOf(out);
  }

  List<Double> positiveDoubles(JsonNode node, String path, String key)
      throws InvalidExperimentException {
    JsonNode v = list(node, path, key, "positive numbers");
    List<Double> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isNumber() || !(e.asDouble() > 0) || !Double.isFinite(e.asDouble())) {
        throw wrong(path, key, v, "a non-empty list of positive numbers");
      }
      if (out.contains(e.asDouble())) {
        throw new InvalidExperimentException(
            origin + ": field '" + path + key + "' lists " + e.asDouble() + " twice");
      }
      out.add(e.asDouble());
    }
    return List.copyOf(out);
  }

  List<String> texts(JsonNode node, String path, String key) throws InvalidExperimentException {
    JsonNode v = list(node, path, key, "names");
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw wrong(path, key, v, "a non-empty list of names");
      }
      if (out.contains(e.asText())) {
        throw new InvalidExperimentException(
            origin + ": field '" + path + key + "' lists '" + e.asText() + "' twice");
      }
      out.add(e.asText());
    }
    return List.copyOf(out);
  }
}
