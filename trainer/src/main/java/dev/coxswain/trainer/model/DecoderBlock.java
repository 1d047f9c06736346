package dev.coxswain.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A pre-LN GPT block: x + drop(attn(ln(x))), then x + drop(mlp(ln(x))). The dropout's p is 0 unless
 * set at run time ({@code set_module_param}); at 0 the block is exactly the one without it.
 */
public final class DecoderBlock extends AbstractBlock {
  private final LayerNorm ln1;
  private final CausalSelfAttention attention;
  private final LayerNorm ln2;
  private final Linear fc;
  private final Linear out;
  private final SettableDropout drop;

  public DecoderBlock(int embed, int heads) {
    this(embed, heads, null);
  }

  /** A block whose attention takes its causal masks from {@code masks} (null: its own). */
  public DecoderBlock(int embed, int heads, CausalMasks masks) {
    ln1 = addChildBlock("ln1", new SettableLayerNorm());
    attention = addChildBlock("attn", new CausalSelfAttention(embed, heads, masks));
    ln2 = addChildBlock("ln2", new SettableLayerNorm());
    fc = addChildBlock("fc", Linear.builder().setUnits(4L * embed).build());
    out = addChildBlock("out", Linear.builder().setUnits(embed).build());
    // added last: the other children keep their numbers, so parameter names stay as they were
    drop = addChildBlock("drop", new SettableDropout());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDList h = ln1.forward(ps, new NDList(x), training);
    x = x.add(drop.forward(ps, attention.forward(ps, h, training), training).singletonOrThrow());
    h = ln2.forward(ps, new NDList(x), training);
    NDArray m = Activation.gelu(fc.forward(ps, h, training).singletonOrThrow());
    x =
        x.add(
            drop.forward(ps, out.forward(ps, new NDList(m), training), training)
                .singletonOrThrow());
    return new NDList(x);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape s = inputShapes[0];
    ln1.initialize(manager, dataType, s);
    attention.initialize(manager, dataType, s);
    ln2.initialize(manager, dataType, s);
    fc.initialize(manager, dataType, s);
    out.initialize(manager, dataType, new Shape(s.get(0), s.get(1), 4 * s.get(2)));
    drop.initialize(manager, dataType, s);
  }
}
