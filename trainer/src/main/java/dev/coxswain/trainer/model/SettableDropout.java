package dev.coxswain.trainer.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.coxswain.protocol.KnobType;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;

/**
 * Dropout whose rate can be changed while the run goes on (DJL's {@link Dropout} fixes it at build
 * time). It acts only in training forward passes, never in evaluation. At p = 0 it is the identity
 * and draws nothing: torch's dropout would still draw a mask (one Bernoulli sample per element),
 * which would shift every later random number and change the run.
 */
public final class SettableDropout extends AbstractBlock implements SettableBlock {
  /** The bounds of p: 1 would drop everything. */
  public static final ModuleParam P =
      new ModuleParam(
          "p",
          KnobType.DOUBLE,
          0,
          0.9,
          0,
          "dropout probability in training forward passes (0 turns it off); evaluation never drops");

  private volatile double p;

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    float rate = (float) p; // one read per pass
    if (!training || rate == 0f) {
      return inputs;
    }
    return Dropout.dropout(inputs.singletonOrThrow(), rate, true);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  // p lives in the checkpoint's metadata; writing nothing keeps params.bin as it was before this
  // block existed, so checkpoints of either kind load into both
  @Override
  public void saveParameters(DataOutputStream os) {}

  @Override
  public void loadParameters(ai.djl.ndarray.NDManager manager, DataInputStream is) {}

  @Override
  public List<ModuleParam> settable() {
    return List.of(P);
  }

  @Override
  public double get(String param) {
    check(param);
    return p;
  }

  @Override
  public void set(String param, double value) {
    check(param);
    p = value;
  }

  private static void check(String param) {
    if (!P.name().equals(param)) {
      throw new IllegalArgumentException("dropout has no parameter '" + param + "'");
    }
  }
}
