package dev.coxswain.trainer.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The modules of an initialized model, walked once from its root block: each module's path (its
 * children's names joined by dots, e.g. {@code block0.attn}), type, parameters and settable
 * parameters. Paths and names can be read before the model is initialized (parameter counts are
 * then 0). The structure never changes during a run, so reads from any thread see it whole;
 * settable values are read live.
 */
public final class ModelTree {
  /**
   * One module.
   *
   * @param path dotted path from the root; the root itself is {@code ""}
   * @param depth 0 for the root
   * @param block the DJL block
   * @param direct the module's own parameters: short name and parameter
   * @param names the full names (as the optimizer keys them) of every parameter in its subtree
   * @param count the number of values in its subtree
   */
  public record Module(
      String path,
      int depth,
      Block block,
      List<Pair<String, Parameter>> direct,
      List<String> names,
      long count) {

    /** The class name people read. */
    public String type() {
      return block.getClass().getSimpleName();
    }

    /** Its settable parameters, or none. */
    public List<ModuleParam> settable() {
      return block instanceof SettableBlock s ? s.settable() : List.of();
    }

    /** Only modules with parameters in their subtree can be reset; the root cannot. */
    public boolean resettable() {
      return !path.isEmpty() && count > 0;
    }
  }

  private final List<Module> modules;
  private final Map<String, Module> byPath = new LinkedHashMap<>();

  private ModelTree(List<Module> modules) {
    this.modules = List.copyOf(modules);
    modules.forEach(m -> byPath.put(m.path(), m));
  }

  /** Walks an initialized model. */
  public static ModelTree of(Block root) {
    Map<Parameter, String> fullNames = new IdentityHashMap<>();
    for (Pair<String, Parameter> p : root.getParameters()) {
      fullNames.put(p.getValue(), p.getKey());
    }
    List<Module> out = new ArrayList<>();
    walk(root, "", 0, fullNames, out);
    return new ModelTree(out);
  }

  // pre-order; returns the module it placed, so a parent can add up its subtree
  private static Module walk(
      Block block, String path, int depth, Map<Parameter, String> fullNames, List<Module> out) {
    int at = out.size();
    out.add(null); // the parent's place, before its children
    List<Pair<String, Parameter>> direct = new ArrayList<>();
    List<String> names = new ArrayList<>();
    long count = 0;
    for (Pair<String, Parameter> p : block.getDirectParameters()) {
      direct.add(new Pair<>(p.getKey(), p.getValue()));
      names.add(fullNames.get(p.getValue()));
      // a shape is known once the model is initialized; the paths and names are known before
      count += p.getValue().getShape() == null ? 0 : p.getValue().getShape().size();
    }
    List<String> plain = block.getChildren().keys().stream().map(ModelTree::childName).toList();
    for (Pair<String, Block> child : block.getChildren()) {
      String name = childName(child.getKey());
      if (plain.indexOf(name) != plain.lastIndexOf(name)) {
        name =
            child
                .getKey(); // siblings of one name (a SequentialBlock's "Linear"s) keep DJL's number
      }
      Module c =
          walk(
              child.getValue(),
              path.isEmpty() ? name : path + "." + name,
              depth + 1,
              fullNames,
              out);
      names.addAll(c.names());
      count += c.count();
    }
    Module m = new Module(path, depth, block, List.copyOf(direct), List.copyOf(names), count);
    out.set(at, m);
    return m;
  }

  // DJL numbers children ("01block0"); people name them without the number
  private static String childName(String key) {
    return key.length() > 2 && Character.isDigit(key.charAt(0)) && Character.isDigit(key.charAt(1))
        ? key.substring(2)
        : key;
  }

  public List<Module> modules() {
    return modules;
  }

  public Optional<Module> find(String path) {
    return Optional.ofNullable(byPath.get(path));
  }

  /**
   * Every parameter's path (its module's path and its own name joined by a dot; the root's own
   * parameters by their names) against its full name, as the optimizer keys it, in pre-order.
   */
  public Map<String, String> parameterPaths() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Module m : modules) {
      for (int i = 0; i < m.direct().size(); i++) {
        String own = m.direct().get(i).getKey();
        // a module's names list its own parameters first, in the order of direct
        out.put(m.path().isEmpty() ? own : m.path() + "." + own, m.names().get(i));
      }
    }
    return out;
  }

  /** Paths of the modules that can be reset, for refusals that say what exists. */
  public List<String> resettable() {
    return modules.stream().filter(Module::resettable).map(Module::path).toList();
  }

  /** {@code module.param} of every settable parameter. */
  public List<String> settableNames() {
    List<String> out = new ArrayList<>();
    for (Module m : modules) {
      m.settable().forEach(p -> out.add(m.path() + "." + p.name()));
    }
    return out;
  }

  /** Current settable values by module and parameter, for checkpoints. */
  public Map<String, Map<String, Double>> settableValues() {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    for (Module m : modules) {
      if (m.block() instanceof SettableBlock s) {
        Map<String, Double> v = new LinkedHashMap<>();
        s.settable().forEach(p -> v.put(p.name(), s.get(p.name())));
        out.put(m.path(), v);
      }
    }
    return out;
  }

  /**
   * Puts back what {@link #settableValues} gave; a parameter missing there (a checkpoint from
   * before it existed) or out of its bounds takes its default.
   */
  public void restoreSettableValues(Map<String, Map<String, Double>> values) {
    Map<String, Map<String, Double>> given = values == null ? Map.of() : values;
    for (Module m : modules) {
      if (m.block() instanceof SettableBlock s) {
        Map<String, Double> v = given.getOrDefault(m.path(), Map.of());
        for (ModuleParam p : s.settable()) {
          Double x = v.get(p.name());
          boolean ok = x != null && p.validate(m.path(), x).isEmpty();
          s.set(p.name(), ok ? x : p.defaultValue());
        }
      }
    }
  }

  /** The tree as the API shows it: modules in pre-order with their parameters and operations. */
  public Map<String, Object> describe() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Module m : modules) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("module", m.path());
      d.put("type", m.type());
      d.put("depth", m.depth());
      List<Map<String, Object>> params = new ArrayList<>();
      for (Pair<String, Parameter> p : m.direct()) {
        Map<String, Object> pd = new LinkedHashMap<>();
        pd.put("name", p.getKey());
        pd.put("shape", p.getValue().getShape().getShape());
        pd.put("count", p.getValue().getShape().size());
        params.add(pd);
      }
      d.put("parameters", params);
      d.put("parameter_count", m.count());
      d.put("operations", m.resettable() ? List.of("reset") : List.of());
      List<Map<String, Object>> settable = new ArrayList<>();
      for (ModuleParam p : m.settable()) {
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("param", p.name());
        sd.put("type", p.type().wire());
        sd.put("value", ((SettableBlock) m.block()).get(p.name()));
        sd.put("min", p.min());
        sd.put("max", p.max());
        sd.put("default", p.defaultValue());
        sd.put("description", p.description());
        settable.add(sd);
      }
      d.put("settable", settable);
      list.add(d);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("modules", list);
    out.put("parameter_count", modules.isEmpty() ? 0 : modules.get(0).count());
    return out;
  }
}
