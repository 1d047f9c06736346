package dev.coxswain.trainer.model;

import ai.djl.nn.norm.LayerNorm;
import dev.coxswain.protocol.KnobType;
import java.util.List;

/**
 * DJL's {@link LayerNorm} over the embedding axis (2, for (B, T, E) input) whose epsilon can be set
 * while the run goes on. Until it is set, it is exactly DJL's block with DJL's default epsilon.
 * Unlike dropout, epsilon acts in evaluation too.
 */
public final class SettableLayerNorm extends LayerNorm implements SettableBlock {
  /** DJL's default epsilon and bounds wide enough for any sensible use. */
  public static final ModuleParam EPS =
      new ModuleParam(
          "eps",
          KnobType.DOUBLE,
          1e-12,
          1e-2,
          1e-5,
          "added to the variance before the square root (training and evaluation)");

  private volatile double eps = EPS.defaultValue();

  public SettableLayerNorm() {
    // axis(2) normalises over the embedding only; the default would mix time steps (leaks the
    // future)
    super(LayerNorm.builder().axis(2));
  }

  @Override
  public List<ModuleParam> settable() {
    return List.of(EPS);
  }

  @Override
  public double get(String param) {
    check(param);
    return eps;
  }

  @Override
  public void set(String param, double value) {
    check(param);
    eps = value;
    epsilon = (float) value; // read by LayerNorm's forward pass, on the training thread
  }

  private static void check(String param) {
    if (!EPS.name().equals(param)) {
      throw new IllegalArgumentException("layer norm has no parameter '" + param + "'");
    }
  }
}
