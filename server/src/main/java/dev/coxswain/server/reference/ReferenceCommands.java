package dev.coxswain.server.reference;

import dev.coxswain.protocol.InvalidCommandException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each of the reference's commands as one of ours: the same validation and the same one result
 * follow. What has no counterpart here is refused with the reason, and nothing is recorded.
 */
public final class ReferenceCommands {
  public static final List<String> SUPPORTED =
      List.of(
          "update_optimizer",
          "save_checkpoint",
          "load_checkpoint",
          "pause_training",
          "resume_training",
          "stop_training",
          "do_evaluate",
          "model_layer_operation",
          "model_layer_parameter_update");
  private static final List<String> DATA =
      List.of("update_dataset", "update_dataset_runtime_hyperparameters");

  /** The one layer operation we have: theirs is torch's method name. */
  static final String RESET_PARAMETERS = "reset_parameters";

  private ReferenceCommands() {}

  /** Our command body ({@code type, args, source, reason}) for their envelope. */
  public static Map<String, Object> translate(ReferenceEnvelope env)
      throws InvalidCommandException {
    Map<String, Object> ours = new LinkedHashMap<>();
    ours.put("source", "api");
    ours.put("reason", "reference protocol: " + env.command());
    Map<String, Object> args = new LinkedHashMap<>();
    switch (env.command()) {
      case "update_optimizer" -> {
        ours.put("type", "set_knobs");
        args.putAll(knobs(env.args()));
      }
      case "save_checkpoint" -> ours.put("type", "save_checkpoint");
      case "load_checkpoint" -> {
        ours.put("type", "load_checkpoint");
        checkpoint(env.args(), args);
      }
      case "pause_training" -> ours.put("type", "pause");
      case "resume_training" -> ours.put("type", "resume");
      case "stop_training" -> ours.put("type", "stop");
      case "do_evaluate" -> ours.put("type", "evaluate");
      case "model_layer_operation" -> {
        ours.put("type", "reset_module");
        layerOperation(env.args(), args);
      }
      case "model_layer_parameter_update" -> {
        ours.put("type", "set_module_param");
        parameterUpdate(env.args(), args);
      }
      case "reset_layer" ->
          throw new InvalidCommandException(
              "command",
              "reset_layer is not supported (the reference does not implement it either): send"
                  + " model_layer_operation with operation_name reset_parameters");
      default -> throw unsupported(env.command());
    }
    ours.put("args", args);
    return ours;
  }

  /** load_checkpoint's uuid and branch_name, as ours. */
  private static void checkpoint(Map<String, Object> theirs, Map<String, Object> args)
      throws InvalidCommandException {
    Object id = theirs.get("uuid");
    if (!(id instanceof String s) || s.isBlank()) {
      throw new InvalidCommandException(
          "args.uuid", "load_checkpoint needs args.uuid: a checkpoint's uuid from get_checkpoints");
    }
    args.put("checkpoint", id);
    Object branch = theirs.get("branch_name");
    if (branch instanceof String b && !b.isBlank()) {
      args.put("branch", b);
    } else if (branch != null && !(branch instanceof String)) {
      throw new InvalidCommandException("args.branch_name", "branch_name must be a string");
    }
  }

  /** model_layer_operation: reset_parameters, the one layer operation here. */
  private static void layerOperation(Map<String, Object> theirs, Map<String, Object> args)
      throws InvalidCommandException {
    args.put("module", layer(theirs));
    Object op = theirs.get("operation_name");
    if (!RESET_PARAMETERS.equals(op)) {
      throw new InvalidCommandException(
          "args.operation_name",
          "operation_name must be reset_parameters (the one layer operation here), got " + op);
    }
    Object params = theirs.get("params");
    if (params != null && !(params instanceof Map<?, ?> p && p.isEmpty())) {
      throw new InvalidCommandException(
          "args.params", "reset_parameters takes no params; send {} or leave it out");
    }
  }

  /** model_layer_parameter_update's layer, parameter and value, as ours. */
  private static void parameterUpdate(Map<String, Object> theirs, Map<String, Object> args)
      throws InvalidCommandException {
    args.put("module", layer(theirs));
    Object param = theirs.get("param_name");
    if (!(param instanceof String p) || p.isBlank()) {
      throw new InvalidCommandException(
          "args.param_name", "model_layer_parameter_update needs args.param_name, e.g. \"p\"");
    }
    args.put("param", param);
    args.put("value", theirs.get("value")); // our validation names a missing or bad one
  }

  /** A command of theirs with no counterpart here: a data command, or one they do not have. */
  private static InvalidCommandException unsupported(String command) {
    if (DATA.contains(command)) {
      return new InvalidCommandException(
          "command", command + " is not supported: this run has no data commands yet");
    }
    return new InvalidCommandException(
        "command", "unknown command '" + command + "'; known: " + String.join(", ", SUPPORTED));
  }

  private static String layer(Map<String, Object> args) throws InvalidCommandException {
    Object name = args.get("layer_name");
    if (!(name instanceof String s) || s.isBlank()) {
      throw new InvalidCommandException(
          "args.layer_name",
          "needs args.layer_name: a module from get_model_info, e.g. block0.attn");
    }
    return s;
  }

  /**
   * update_optimizer's parameters as knobs: {@code {"lr": {"value": v, "name": "lr"}}} (their
   * dashboard and scripts) or flat {@code {"lr": v}} (their README); {@code betas} is our beta1 and
   * beta2. Names we do not have reach our validation, which lists the knobs there are.
   */
  private static Map<String, Object> knobs(Map<String, Object> args)
      throws InvalidCommandException {
    if (args.isEmpty()) {
      throw new InvalidCommandException(
          "args",
          "update_optimizer needs at least one parameter, e.g. {\"lr\": {\"value\": 1e-4}}");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : args.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Map<?, ?> boxed) {
        if (!boxed.containsKey("value")) {
          throw new InvalidCommandException(
              "args." + e.getKey(), e.getKey() + " must be {\"value\": v} or a number");
        }
        v = boxed.get("value");
      }
      if (e.getKey().equals("betas")) {
        if (!(v instanceof List<?> l)
            || l.size() != 2
            || !(l.get(0) instanceof Number b1)
            || !(l.get(1) instanceof Number b2)) {
          throw new InvalidCommandException("args.betas", "betas must be two numbers [b1, b2]");
        }
        out.put("beta1", b1.doubleValue());
        out.put("beta2", b2.doubleValue());
      } else if (v instanceof Number n) {
        out.put(e.getKey(), n.doubleValue());
      } else {
        throw new InvalidCommandException(
            "args." + e.getKey(), e.getKey() + " must be a number, got " + v);
      }
    }
    return out;
  }
}
