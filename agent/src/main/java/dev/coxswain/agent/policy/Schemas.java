package dev.coxswain.agent.policy;

import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.summary.Controls;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.KnobType;
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
import java.util.Optional;
import java.util.Set;

/**
 * The strict schemas an answer must be true to: for {@code lr-recovery} a JSON answer ({@code
 * action} one of the permitted words, and a {@code rationale}); for {@code supervisor} one tool per
 * permitted command, generated from what the run registered (its knobs with their types and bounds,
 * its actions the agent may call with their fields), every property required, no others allowed,
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

  /**
   * One strict tool per permitted command, built from what the run registered: a knob tool whose
   * properties carry each knob's type and bounds, scaling only where a knob is log (double and
   * halve only where one is a learning rate), and one tool per action the agent may call.
   */
  static List<ToolSpecification> tools(Set<String> permitted, Summary s) {
    List<ToolSpecification> out = new ArrayList<>();
    for (String p : sorted(permitted)) {
      if (!offered(p, s)) {
        continue;
      }
      JsonObjectSchema.Builder params = JsonObjectSchema.builder();
      List<String> names = new ArrayList<>();
      String description = describe(p, s, params, names);
      out.add(tool(p, description, params, names));
    }
    if (permitted.contains("run_action")) {
      for (ActionSpec a : s.actions()) {
        if (a.agent()) {
          out.add(actionTool(a));
        }
      }
    }
    return out;
  }

  /**
   * The tool that calls a registered action: its own name, unless that is a word of the agent's.
   */
  static String toolName(ActionSpec a) {
    return Decision.ACTIONS.contains(a.name()) ? "run_" + a.name() : a.name();
  }

  /** The registered action the agent may call through the tool of that name, if any. */
  static Optional<ActionSpec> actionOf(String tool, Summary s) {
    return s.actions().stream().filter(a -> a.agent() && toolName(a).equals(tool)).findFirst();
  }

  /** Whether a permitted command has something to act on in this run. */
  private static boolean offered(String command, Summary s) {
    return switch (command) {
      case "run_action" -> false; // one tool per action instead
      case "set_data_mixture" -> !s.mixture().isEmpty();
      case "set_knobs" -> !s.knobs().isEmpty();
      case "scale_knob" -> s.knobs().stream().anyMatch(k -> k.knob().isLog());
      case "double", "halve" -> !s.learningRates().isEmpty();
      default -> true;
    };
  }

  private static ToolSpecification tool(
      String name, String description, JsonObjectSchema.Builder params, List<String> names) {
    params.addStringProperty("rationale", "why, in at most 100 words");
    names.add("rationale");
    return ToolSpecification.builder()
        .name(name)
        .description(description)
        .parameters(params.required(names).additionalProperties(false).build())
        .build();
  }

  private static ToolSpecification actionTool(ActionSpec a) {
    JsonObjectSchema.Builder params = JsonObjectSchema.builder();
    List<String> names = new ArrayList<>();
    for (ActionSpec.Field f : a.fields()) {
      params.addProperty(f.name(), field(f));
      names.add(f.name()); // strict: every property required; an optional one may be null
    }
    String text = a.description().isBlank() ? "Run the action " + a.name() : a.description();
    return tool(toolName(a), text + " (an action this run registered)", params, names);
  }

  private static String describe(
      String command, Summary s, JsonObjectSchema.Builder params, List<String> names) {
    switch (command) {
      case "set_knobs" -> {
        for (Summary.KnobView k : s.knobs()) {
          params.addProperty(k.name(), knob(k));
          names.add(k.name());
        }
        return "Set knobs to values within their bounds; null leaves a knob as it is.";
      }
      case "scale_knob" -> {
        List<String> log =
            s.knobs().stream().filter(k -> k.knob().isLog()).map(Summary.KnobView::name).toList();
        params.addEnumProperty("knob", log, "a knob on a log scale");
        params.addProperty(
            "factor", number(false, MIN_FACTOR, MAX_FACTOR, "multiply the knob by this"));
        names.addAll(List.of("knob", "factor"));
        return "Multiply one log-scale knob by a factor.";
      }
      case "double", "halve" -> {
        return halveOrDouble(command, s, params, names);
      }
      case "set_data_mixture" -> {
        return mixture(s, params, names);
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
      default -> {
        return command;
      }
    }
  }

  /** double or halve: which learning-rate knob, or every one. */
  private static String halveOrDouble(
      String command, Summary s, JsonObjectSchema.Builder params, List<String> names) {
    List<Object> lrs = new ArrayList<>();
    s.learningRates().forEach(k -> lrs.add(k.name()));
    lrs.add(null);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", List.of("string", "null"));
    m.put("enum", lrs);
    m.put("description", "one learning-rate knob, or null for every one");
    params.addProperty("knob", JsonRawSchema.from(Json.write(m)));
    names.add("knob");
    return (command.equals("double") ? "Double" : "Halve") + " the learning rate.";
  }

  /** set_data_mixture: a nullable weight per data source, within the guardrail's move. */
  private static String mixture(Summary s, JsonObjectSchema.Builder params, List<String> names) {
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

  /** A knob's property: nullable, of its type, within its bounds, an option of a choice knob. */
  private static JsonRawSchema knob(Summary.KnobView v) {
    Knob k = v.knob();
    String text =
        (Controls.describe(k).isBlank() ? k.name() : Controls.describe(k))
            + " (now "
            + Controls.value(k, k.value())
            + (k.unit() == null ? "" : " " + k.unit())
            + (v.locked() ? "; LOCKED by a person" : "")
            + "); null leaves it";
    Map<String, Object> m = new LinkedHashMap<>();
    switch (k.type()) {
      case BOOL -> m.put("type", List.of("boolean", "null"));
      case CHOICE -> {
        m.put("type", List.of("string", "null"));
        List<Object> options = new ArrayList<>(k.choices());
        options.add(null);
        m.put("enum", options);
      }
      default -> {
        boolean whole = k.type() == KnobType.INT;
        m.put("type", List.of(whole ? "integer" : "number", "null"));
        m.put("minimum", whole ? (Object) (long) k.min() : (Object) k.min());
        m.put("maximum", whole ? (Object) (long) k.max() : (Object) k.max());
      }
    }
    m.put("description", text);
    return JsonRawSchema.from(Json.write(m));
  }

  /** An action field's property: its type and bounds or options; nullable when optional. */
  private static JsonRawSchema field(ActionSpec.Field f) {
    Map<String, Object> m = new LinkedHashMap<>();
    String type =
        switch (f.type()) {
          case REAL -> "number";
          case INTEGER -> "integer";
          case BOOLEAN -> "boolean";
          case CHOICE, TEXT -> "string";
        };
    m.put("type", f.required() ? type : List.of(type, "null"));
    if (f.type() == ActionSpec.FieldType.CHOICE) {
      List<Object> options = new ArrayList<>(f.choices());
      if (!f.required()) {
        options.add(null);
      }
      m.put("enum", options);
    } else if (f.type() == ActionSpec.FieldType.REAL || f.type() == ActionSpec.FieldType.INTEGER) {
      boolean whole = f.type() == ActionSpec.FieldType.INTEGER;
      if (f.min() != null) {
        m.put("minimum", whole ? (Object) f.min().longValue() : (Object) f.min());
      }
      if (f.max() != null) {
        m.put("maximum", whole ? (Object) f.max().longValue() : (Object) f.max());
      }
    }
    String text = f.description().isBlank() ? f.name() : f.description();
    if (f.type() == ActionSpec.FieldType.TEXT && f.max() != null) {
      text += " (at most " + f.max().longValue() + " characters)";
    }
    m.put("description", f.required() ? text : text + "; null to leave it out");
    return JsonRawSchema.from(Json.write(m));
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
