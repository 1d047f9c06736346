package dev.coxswain.trainer.command;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.trainer.data.SplitMix64;
import dev.coxswain.trainer.model.ModelTree;
import dev.coxswain.trainer.model.ModuleParam;
import dev.coxswain.trainer.model.SettableBlock;
import dev.coxswain.trainer.optim.Optimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model commands: {@code reset_module} re-initializes one module's parameters (its whole
 * subtree) and forgets their optimizer state, nothing else; {@code set_module_param} sets a
 * settable parameter such as a dropout's p, typed and bounded like a knob. Both act at the control
 * point and take effect from the next step.
 */
public final class ModelCommands {
  private static final int LISTED = 24; // names a refusal lists before it says "..."

  private final ModelTree tree;
  private final NDManager manager;
  private final Optimizer optimizer;
  private final long seed;

  /**
   * @param tree the model's modules
   * @param manager the model's long-lived manager (fresh values are made under a child of it)
   * @param optimizer whose state the reset parameters lose
   * @param seed the run's seed: with the step and the module's path it fixes a reset's values
   */
  public ModelCommands(ModelTree tree, NDManager manager, Optimizer optimizer, long seed) {
    this.tree = tree;
    this.manager = manager;
    this.optimizer = optimizer;
    this.seed = seed;
  }

  /** Registers both commands. */
  public void registerWith(CommandHandlers handlers) {
    handlers
        .register(Action.ResetModule.class, this::reset)
        .register(Action.SetModuleParam.class, this::set);
  }

  public ModelTree tree() {
    return tree;
  }

  private CommandResult reset(Command c, Action.ResetModule a, long nextStep) {
    Optional<ModelTree.Module> found = tree.find(a.module());
    if (found.isEmpty() || a.module().isEmpty()) {
      return CommandResult.rejected(
          c,
          nextStep,
          "no module '" + a.module() + "'; modules that can be reset: " + list(tree.resettable()));
    }
    ModelTree.Module m = found.get();
    if (!m.resettable()) {
      return CommandResult.rejected(
          c, nextStep, "module '" + m.path() + "' (" + m.type() + ") has no parameters to reset");
    }
    List<Parameter> params = subtree(m);
    for (Parameter p : params) {
      if (p.getInitializer() == null || !p.isInitialized()) {
        return CommandResult.rejected(
            c,
            nextStep,
            "module '"
                + m.path()
                + "' has a parameter without an initializer ("
                + p.getName()
                + ")");
      }
    }
    // the same run, step and module always draw the same values; the next step reseeds as usual
    Engine.getInstance().setRandomSeed(resetSeed(nextStep, m.path()));
    try (NDManager scratch = manager.newSubManager()) {
      List<NDArray> fresh = new ArrayList<>(params.size());
      for (Parameter p : params) {
        fresh.add(p.getInitializer().initialize(scratch, p.getShape(), p.getArray().getDataType()));
      }
      // every value is drawn before any weight changes
      for (int i = 0; i < params.size(); i++) {
        params.get(i).getArray().set(new NDIndex("..."), fresh.get(i));
      }
    }
    int cleared = optimizer.forget(m.names());
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("module", m.path());
    d.put("parameters", m.names().size());
    d.put("parameter_count", m.count());
    d.put("optimizer_state_cleared", cleared);
    return CommandResult.applied(c, nextStep, d);
  }

  private List<Parameter> subtree(ModelTree.Module m) {
    List<Parameter> out = new ArrayList<>();
    for (ModelTree.Module x : tree.modules()) {
      if (x.path().equals(m.path()) || x.path().startsWith(m.path() + ".")) {
        for (Pair<String, Parameter> p : x.direct()) {
          out.add(p.getValue());
        }
      }
    }
    return out;
  }

  private int resetSeed(long step, String module) {
    long h = SplitMix64.mix(SplitMix64.mix(seed, step), module.hashCode());
    return (int) (h ^ (h >>> 32));
  }

  private CommandResult set(Command c, Action.SetModuleParam a, long nextStep) {
    Optional<ModelTree.Module> found = tree.find(a.module());
    List<String> settable = tree.settableNames();
    if (found.isEmpty()) {
      return CommandResult.rejected(
          c, nextStep, "no module '" + a.module() + "'; settable parameters: " + list(settable));
    }
    ModelTree.Module m = found.get();
    if (!(m.block() instanceof SettableBlock block)) {
      return CommandResult.rejected(
          c,
          nextStep,
          "module '"
              + m.path()
              + "' ("
              + m.type()
              + ") has no settable parameters; settable: "
              + list(settable));
    }
    Optional<ModuleParam> param =
        block.settable().stream().filter(p -> p.name().equals(a.param())).findFirst();
    if (param.isEmpty()) {
      return CommandResult.rejected(
          c,
          nextStep,
          "module '"
              + m.path()
              + "' has no settable parameter '"
              + a.param()
              + "'; it has: "
              + list(block.settable().stream().map(ModuleParam::name).toList()));
    }
    Optional<String> problem = param.get().validate(m.path(), a.value());
    if (problem.isPresent()) {
      return CommandResult.rejected(c, nextStep, problem.get());
    }
    double before = block.get(a.param());
    block.set(a.param(), a.value());
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("module", m.path());
    d.put("param", a.param());
    d.put("from", before);
    d.put("to", a.value());
    return CommandResult.applied(c, nextStep, d);
  }

  private static String list(List<String> names) {
    if (names.isEmpty()) {
      return "none";
    }
    String shown = String.join(", ", names.subList(0, Math.min(LISTED, names.size())));
    return names.size() > LISTED ? shown + ", ..." : shown;
  }
}
