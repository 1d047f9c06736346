package dev.coxswain.trainer.optim;

import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.model.ModelTree;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The run's parameter groups resolved against its model: which group each parameter belongs to, and
 * so which {@code lr_mult.<group>} knob scales its learning rate. A parameter in no group trains at
 * {@code lr} itself.
 */
public final class ParamGroups {
  private final Map<String, String> knobOf; // a parameter's full name -> its group's knob
  private final List<Knob> knobs;
  private final Map<String, List<String>> members; // group -> parameter paths

  private ParamGroups(
      Map<String, String> knobOf, List<Knob> knobs, Map<String, List<String>> members) {
    this.knobOf = Map.copyOf(knobOf);
    this.knobs = List.copyOf(knobs);
    this.members = members;
  }

  /** No groups: every parameter trains at {@code lr}. */
  public static ParamGroups none() {
    return new ParamGroups(Map.of(), List.of(), Map.of());
  }

  /**
   * Resolves the groups against the model's modules and parameters (paths and names only: the model
   * need not be initialized).
   *
   * @throws IllegalArgumentException naming the group and pattern: two groups of one name, a
   *     pattern that matches no module or parameter, or one that matches a parameter another group
   *     took already
   */
  public static ParamGroups resolve(ModelTree tree, List<ParamGroup> groups) {
    if (groups.isEmpty()) {
      return none();
    }
    Map<String, String> paths = tree.parameterPaths(); // path -> full name
    Map<String, String> pathOf = new HashMap<>();
    paths.forEach((path, full) -> pathOf.put(full, path));
    Map<String, String> owner = new HashMap<>(); // full name -> group
    Map<String, String> knobOf = new HashMap<>();
    List<Knob> knobs = new ArrayList<>();
    Map<String, List<String>> members = new LinkedHashMap<>();
    for (ParamGroup g : groups) {
      if (members.containsKey(g.name())) {
        throw new IllegalArgumentException("param_groups: two groups are named '" + g.name() + "'");
      }
      List<String> taken = new ArrayList<>();
      for (String pattern : g.match()) {
        Set<String> matched = matches(tree, paths, pattern);
        if (matched.isEmpty()) {
          throw new IllegalArgumentException(
              "param_groups: group '"
                  + g.name()
                  + "': '"
                  + pattern
                  + "' matches no module or parameter"
                  + (matchesAModule(tree, pattern) ? " with trainable values" : "")
                  + "; the model's top level: "
                  + topLevel(tree, paths));
        }
        for (String full : matched) {
          String before = owner.putIfAbsent(full, g.name());
          if (before != null && !before.equals(g.name())) {
            throw new IllegalArgumentException(
                "param_groups: group '"
                    + g.name()
                    + "': '"
                    + pattern
                    + "' matches "
                    + pathOf.get(full)
                    + ", which group '"
                    + before
                    + "' matched already (a parameter belongs to one group)");
          }
          if (before == null) {
            taken.add(pathOf.get(full));
            knobOf.put(full, g.knob().name());
          }
        }
      }
      knobs.add(g.knob());
      members.put(g.name(), List.copyOf(taken));
    }
    return new ParamGroups(knobOf, knobs, members);
  }

  // the full names of the parameters under every module, and of every parameter, the glob matches
  private static Set<String> matches(ModelTree tree, Map<String, String> paths, String pattern) {
    Set<String> out = new LinkedHashSet<>();
    for (ModelTree.Module m : tree.modules()) {
      if (!m.path().isEmpty() && ParamGroup.globMatches(pattern, m.path())) {
        out.addAll(m.names());
      }
    }
    paths.forEach(
        (path, full) -> {
          if (ParamGroup.globMatches(pattern, path)) {
            out.add(full);
          }
        });
    return out;
  }

  private static boolean matchesAModule(ModelTree tree, String pattern) {
    return tree.modules().stream()
        .anyMatch(m -> !m.path().isEmpty() && ParamGroup.globMatches(pattern, m.path()));
  }

  private static String topLevel(ModelTree tree, Map<String, String> paths) {
    List<String> top = new ArrayList<>();
    paths.keySet().stream().filter(p -> !p.contains(".")).forEach(top::add);
    tree.modules().stream().filter(m -> m.depth() == 1).forEach(m -> top.add(m.path()));
    return String.join(", ", top);
  }

  /** The groups' {@code lr_mult.<group>} knobs, in the order of the groups. */
  public List<Knob> knobs() {
    return knobs;
  }

  /** The multiplier of {@code lr} for this parameter (by full name) under these knob values. */
  public double lrScale(String parameter, Knobs.Snapshot k) {
    String knob = knobOf.get(parameter);
    return knob == null ? 1 : k.get(knob);
  }

  /** Each group's parameters by path, for run.json and people. */
  public Map<String, List<String>> members() {
    return members;
  }
}
