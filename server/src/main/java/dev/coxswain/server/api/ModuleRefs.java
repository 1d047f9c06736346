package dev.coxswain.server.api;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.InvalidCommandException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a model command against the trainer's model tree ({@code GET /api/runs/{id}/model}), so
 * that an unknown module, a parameter that is not settable or a value out of bounds is refused at
 * once with the field at fault and nothing recorded. The trainer checks again at the boundary.
 */
final class ModuleRefs {
  private static final int LISTED = 24;

  private ModuleRefs() {}

  @SuppressWarnings("unchecked")
  static void check(Action action, Map<String, Object> tree) throws InvalidCommandException {
    List<Map<String, Object>> modules = (List<Map<String, Object>>) tree.get("modules");
    if (action instanceof Action.ResetModule r) {
      Map<String, Object> m = find(modules, r.module());
      if (m == null) {
        throw new InvalidCommandException(
            "args.module",
            "no module '" + r.module() + "'; modules that can be reset: " + resettable(modules));
      }
      if (!((List<Object>) m.get("operations")).contains("reset")) {
        throw new InvalidCommandException(
            "args.module",
            "module '" + r.module() + "' (" + m.get("type") + ") has no parameters to reset");
      }
    } else if (action instanceof Action.SetModuleParam s) {
      Map<String, Object> m = find(modules, s.module());
      if (m == null) {
        throw new InvalidCommandException(
            "args.module",
            "no module '" + s.module() + "'; settable parameters: " + settable(modules));
      }
      List<Map<String, Object>> params = (List<Map<String, Object>>) m.get("settable");
      if (params.isEmpty()) {
        throw new InvalidCommandException(
            "args.module",
            "module '"
                + s.module()
                + "' ("
                + m.get("type")
                + ") has no settable parameters; settable: "
                + settable(modules));
      }
      Map<String, Object> p =
          params.stream().filter(x -> s.param().equals(x.get("param"))).findFirst().orElse(null);
      if (p == null) {
        throw new InvalidCommandException(
            "args.param",
            "module '"
                + s.module()
                + "' has no settable parameter '"
                + s.param()
                + "'; it has: "
                + String.join(", ", params.stream().map(x -> (String) x.get("param")).toList()));
      }
      checkValue(s, p);
    }
  }

  private static void checkValue(Action.SetModuleParam s, Map<String, Object> p)
      throws InvalidCommandException {
    double min = ((Number) p.get("min")).doubleValue();
    double max = ((Number) p.get("max")).doubleValue();
    String what = s.module() + " " + s.param();
    if ("int".equals(p.get("type")) && s.value() != Math.rint(s.value())) {
      throw new InvalidCommandException(
          "args.value", what + " takes a whole number, got " + s.value());
    }
    if (s.value() < min || s.value() > max) {
      throw new InvalidCommandException(
          "args.value", what + " = " + s.value() + " is out of bounds [" + min + ", " + max + "]");
    }
  }

  private static Map<String, Object> find(List<Map<String, Object>> modules, String path) {
    return modules.stream().filter(m -> path.equals(m.get("module"))).findFirst().orElse(null);
  }

  @SuppressWarnings("unchecked")
  private static String resettable(List<Map<String, Object>> modules) {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> m : modules) {
      if (((List<Object>) m.get("operations")).contains("reset")) {
        out.add((String) m.get("module"));
      }
    }
    return list(out);
  }

  @SuppressWarnings("unchecked")
  private static String settable(List<Map<String, Object>> modules) {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> m : modules) {
      for (Map<String, Object> p : (List<Map<String, Object>>) m.get("settable")) {
        out.add(m.get("module") + "." + p.get("param"));
      }
    }
    return list(out);
  }

  private static String list(List<String> names) {
    if (names.isEmpty()) {
      return "none";
    }
    String shown = String.join(", ", names.subList(0, Math.min(LISTED, names.size())));
    return names.size() > LISTED ? shown + ", ..." : shown;
  }
}
