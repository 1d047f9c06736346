package dev.coxswain.agent.policy;

import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Json;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The strict schemas an answer must be true to: for {@code lr-recovery} a JSON answer ({@code
 * action} one of the permitted words, and a {@code rationale}); for {@code supervisor} one tool per
 * permitted command, every property required, no others allowed, numbers within the knobs' bounds
 * and the per-decision factor band. The guardrails check every answer all the same.
 */
final class Schemas {
  /** The per-decision factor band offered to the model (the guardrails' default band). */
  static final double MIN_FACTOR = 0.5;

  static final double MAX_FACTOR = 2.0;

  private Schemas() {}

  /** {@code response_format: json_schema, strict} for a JSON answer naming one action. */
  static ResponseFormat decision(Set<String> permitted) {
    JsonObjectSchema root =
        JsonObjectSchema.builder()
            .addEnumProperty("action", sorted(permitted), "what to do")
            .addStringProperty("rationale", "why, in at most 100 words")
            .required("action", "rationale")
            .additionalProperties(false)
            .build();
    return ResponseFormat.builder()
        .type(ResponseFormatType.JSON)
        .jsonSchema(JsonSchema.builder().name("coxswain_decision").rootElement(root).build())
        .build();
  }

  /** One strict tool per permitted command, built from the window's knobs and their bounds. */
  static List<ToolSpecification> tools(Set<String> permitted, Summary s) {
    List<ToolSpecification> out = new ArrayList<>();
    List<String> knobNames = s.knobs().stream().map(Summary.KnobView::name).toList();
    for (String p : sorted(permitted)) {
      if (p.equals("set_data_mixture") && s.mixture().isEmpty()) {
        continue; // a run without named data sources has no mixture to change
      }
      JsonObjectSchema.Builder params = JsonObjectSchema.builder();
      List<String> names = new ArrayList<>();
      String description = describe(p, s, knobNames, params, names);
      params.addStringProperty("rationale", "why, in at most 100 words");
      names.add("rationale");
      out.add(
          ToolSpecification.builder()
              .name(p)
              .description(description)
              .parameters(params.required(names).additionalProperties(false).build())
              .build());
    }
    return out;
  }

  private static String describe(
      String command,
      Summary s,
      List<String> knobNames,
      JsonObjectSchema.Builder params,
      List<String> names) {
    switch (command) {
      case "set_knobs" -> {
        for (Summary.KnobView k : s.knobs()) {
          params.addProperty(
              k.name(),
              number(
                  true,
                  k.min(),
                  k.max(),
                  "new value of " + k.name() + " (now " + k.value() + "), or null to leave it"));
          names.add(k.name());
        }
        return "Set knobs to values within their bounds; null leaves a knob as it is.";
      }
      case "scale_knob" -> {
        if (!knobNames.isEmpty()) {
          params.addEnumProperty("knob", knobNames, "the knob's name");
        } else {
          params.addStringProperty("knob", "the knob's name");
        }
        params.addProperty(
            "factor", number(false, MIN_FACTOR, MAX_FACTOR, "multiply the knob by this"));
        names.addAll(List.of("knob", "factor"));
        return "Multiply one knob by a factor.";
      }
      case "set_data_mixture" -> {
        for (Map.Entry<String, Double> w : s.mixture().entrySet()) {
          params.addProperty(
              w.getKey(),
              number(
                  true,
                  0,
                  Double.POSITIVE_INFINITY,
                  "new sampling weight of data source "
                      + w.getKey()
                      + " (now "
                      + w.getValue()
                      + "), or null to leave it"));
          names.add(w.getKey());
        }
        return "Change the data sources' sampling weights; each source's share of the batches may"
            + " move by at most "
            + (int) (100 * Guardrails.MAX_SHARE_CHANGE)
            + " percentage points per decision.";
      }
      case "save_checkpoint" -> {
        params.addStringProperty("tag", "a short name");
        names.add("tag");
        return "Save a checkpoint now.";
      }
      case "load_checkpoint" -> {
        params.addStringProperty("checkpoint", "checkpoint id like main/200, a tag, or latest");
        names.add("checkpoint");
        return "Roll back to a checkpoint (continues on a new branch).";
      }
      case "note" -> {
        params.addStringProperty("text", "the note");
        names.add("text");
        return "Leave a note for the people reading the run.";
      }
      case "evaluate" -> {
        return "Evaluate on the validation data now.";
      }
      case "keep" -> {
        return "Change nothing.";
      }
      case "double" -> {
        return "Double the learning rate.";
      }
      case "halve" -> {
        return "Halve the learning rate.";
      }
      default -> {
        return command;
      }
    }
  }

  /** A number within bounds (JSON Schema minimum and maximum), nullable when asked. */
  private static JsonRawSchema number(boolean nullable, double min, double max, String text) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", nullable ? List.of("number", "null") : "number");
    if (Double.isFinite(min)) {
      m.put("minimum", min);
    }
    if (Double.isFinite(max)) {
      m.put("maximum", max);
    }
    m.put("description", text);
    return JsonRawSchema.from(Json.write(m));
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}
