package dev.coxswain.trainer.model;

import java.util.List;

/**
 * A block with parameters a person or the agent may set between steps ({@code set_module_param}).
 * Values are read by the forward pass on the training thread and written only at the control point;
 * {@link #get} may be called from any thread.
 */
public interface SettableBlock {
  /** The parameters that may be set, with their bounds. */
  List<ModuleParam> settable();

  /** The current value of one of {@link #settable()}. */
  double get(String param);

  /** Sets one of {@link #settable()}; the value has been validated. */
  void set(String param, double value);
}
