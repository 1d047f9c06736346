package dev.coxswain.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Multi-head self-attention in which each position sees only itself and earlier positions. */
public final class CausalSelfAttention extends AbstractBlock {
  private final int embed;
  private final int heads;
  private final Linear qkv;
  private final Linear proj;
  private final boolean ownsMasks;
  private final CausalMasks masks;

  /** With masks of its own. */
  public CausalSelfAttention(int embed, int heads) {
    this(embed, heads, null);
  }

  /**
   * With the model's shared masks ({@code null}: its own, which it owns from its initialization).
   */
  public CausalSelfAttention(int embed, int heads, CausalMasks masks) {
    this.masks = masks == null ? new CausalMasks() : masks;
    this.ownsMasks = masks == null;
    this.embed = embed;
    this.heads = heads;
    this.qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * embed).build());
    this.proj = addChildBlock("proj", Linear.builder().setUnits(embed).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    long b = x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    int d = embed / heads;
    NDArray all = qkv.forward(ps, new NDList(x), training).singletonOrThrow();
    NDList parts = all.split(3, 2);
    NDArray q = parts.get(0).reshape(b, t, heads, d).transpose(0, 2, 1, 3);
    NDArray k = parts.get(1).reshape(b, t, heads, d).transpose(0, 2, 3, 1);
    NDArray v = parts.get(2).reshape(b, t, heads, d).transpose(0, 2, 1, 3);
    NDArray scores = q.matMul(k).muli(1.0 / Math.sqrt(d)).addi(masks.of(x, t));
    NDArray y = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, embed);
    return proj.forward(ps, new NDList(y), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    if (ownsMasks) {
      masks.ownedBy(manager);
    }
    qkv.initialize(manager, dataType, inputShapes);
    proj.initialize(manager, dataType, inputShapes);
  }
}
