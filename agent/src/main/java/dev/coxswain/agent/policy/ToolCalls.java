package dev.coxswain.agent.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.KnobType;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the model's tool call into a {@link Decision}, true to the tools {@link Schemas} generated
 * from the run's registry: a permitted command's tool becomes that command, a registered action's
 * tool becomes {@code run_action} naming it; a knob's value must have the knob's type.
 */
final class ToolCalls {
  private ToolCalls() {}

  /**
   * The decision a tool call stands for: a permitted command's tool as that command, an action's
   * tool as {@code run_action} naming it.
   *
   * @throws IllegalArgumentException (said back to the model) for an unknown or unpermitted tool,
   *     arguments that are not JSON, a knob value not of the knob's type
   */
  @SuppressWarnings("unchecked")
  static Decision decision(ToolExecutionRequest call, Set<String> permitted, Summary s) {
    String name = call.name();
    java.util.Optional<dev.coxswain.protocol.ActionSpec> action =
        permitted.contains("run_action") ? Schemas.actionOf(name, s) : java.util.Optional.empty();
    if (!permitted.contains(name) && action.isEmpty()) {
      throw new IllegalArgumentException("unknown or unpermitted tool '" + name + "'");
    }
    Map<String, Object> a;
    try {
      a =
          call.arguments() == null || call.arguments().isBlank()
              ? Map.of()
              : Json.mapper().readValue(call.arguments(), Map.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the tool arguments were not valid JSON");
    }
    Map<String, Object> args = new LinkedHashMap<>(a);
    String rationale = String.valueOf(args.getOrDefault("rationale", ""));
    args.remove("rationale");
    args.values().removeIf(java.util.Objects::isNull);
    if (action.isPresent()) {
      // the command names the action beside its fields: {"action": "freeze_d", "steps": 20}
      Map<String, Object> invoke = new LinkedHashMap<>();
      invoke.put("action", action.get().name());
      invoke.putAll(args);
      return new Decision("run_action", invoke, rationale);
    }
    if (name.equals("set_knobs")) {
      args = knobValues(args, s);
    } else if (name.equals("set_data_mixture")) {
      args = Map.of("weights", new LinkedHashMap<>(args));
    } else if ((name.equals("double") || name.equals("halve")) && args.get("knob") != null) {
      args = Map.of("knobs", List.of(String.valueOf(args.get("knob"))));
    }
    return new Decision(name, args, rationale);
  }

  /**
   * set_knobs arguments: one nullable value per knob (the strict form: a number, true or false for
   * a boolean knob, an option's name for a choice knob), or a knob and a value.
   */
  private static Map<String, Object> knobValues(Map<String, Object> args, Summary s) {
    if (args.containsKey("knob") || args.containsKey("value")) {
      if (!(args.get("knob") instanceof String k) || !settable(k, args.get("value"), s)) {
        throw new IllegalArgumentException(
            "set_knobs needs 'knob' (string) and 'value' (number, boolean or option)");
      }
      return Map.of(k, args.get("value"));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : args.entrySet()) {
      if (!settable(e.getKey(), e.getValue(), s)) {
        throw new IllegalArgumentException(
            "set_knobs: '" + e.getKey() + "' must be " + wants(e.getKey(), s) + " or null");
      }
      out.put(e.getKey(), e.getValue());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("set_knobs changed no knob");
    }
    return out;
  }

  /**
   * Whether the value has the knob's type: true/false for a boolean, an option's name, a number.
   */
  private static boolean settable(String knob, Object v, Summary s) {
    KnobType type = s.knob(knob).map(k -> k.knob().type()).orElse(KnobType.DOUBLE);
    return switch (type) {
      case BOOL -> v instanceof Boolean;
      case CHOICE -> v instanceof String;
      default -> v instanceof Number;
    };
  }

  private static String wants(String knob, Summary s) {
    KnobType type = s.knob(knob).map(k -> k.knob().type()).orElse(KnobType.DOUBLE);
    return switch (type) {
      case BOOL -> "true or false";
      case CHOICE -> "one of " + s.knob(knob).get().knob().choices();
      default -> "a number";
    };
  }
}
