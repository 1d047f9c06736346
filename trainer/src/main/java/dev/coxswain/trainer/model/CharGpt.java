package dev.coxswain.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A small decoder-only transformer over characters. Input: token ids (B, T). Output: logits
 * flattened to (B*T, vocab) so a standard softmax cross-entropy over labels (B*T) applies.
 */
public final class CharGpt extends AbstractBlock {
  private final GptConfig config;
  private final Parameter tokens;
  private final Parameter positions;
  private final List<DecoderBlock> blocks = new ArrayList<>();
  private final LayerNorm lnFinal;
  private final Linear head;
  // one causal mask per device and length for all the blocks
  private final CausalMasks masks = new CausalMasks();

  public CharGpt(GptConfig config) {
    this.config = config;
    tokens =
        addParameter(
            Parameter.builder()
                .setName("tokens")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.vocab(), config.embed()))
                .build());
    positions =
        addParameter(
            Parameter.builder()
                .setName("positions")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.context(), config.embed()))
                .build());
    for (int i = 0; i < config.layers(); i++) {
      blocks.add(
          addChildBlock("block" + i, new DecoderBlock(config.embed(), config.heads(), masks)));
    }
    lnFinal = addChildBlock("ln_f", new SettableLayerNorm());
    head = addChildBlock("head", Linear.builder().setUnits(config.vocab()).build());
    setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
  }

  public GptConfig config() {
    return config;
  }

  /** The causal masks its blocks share. */
  public CausalMasks masks() {
    return masks;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.singletonOrThrow();
    long t = ids.getShape().get(1);
    NDArray tokW = ps.getValue(tokens, ids.getDevice(), training);
    NDArray posW = ps.getValue(positions, ids.getDevice(), training);
    NDArray x = Embedding.embedding(ids, tokW, SparseFormat.DENSE).singletonOrThrow();
    x = x.add(posW.get(new NDIndex(":{}", t)));
    NDList h = new NDList(x);
    for (DecoderBlock block : blocks) {
      h = block.forward(ps, h, training);
    }
    h = lnFinal.forward(ps, h, training);
    NDArray logits = head.forward(ps, h, training).singletonOrThrow();
    return new NDList(logits.reshape(-1, config.vocab()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0) * in.get(1), config.vocab())};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    Shape hidden = new Shape(in.get(0), in.get(1), config.embed());
    masks.ownedBy(manager);
    for (DecoderBlock block : blocks) {
      block.initialize(manager, dataType, hidden);
    }
    lnFinal.initialize(manager, dataType, hidden);
    head.initialize(manager, dataType, hidden);
  }
}
