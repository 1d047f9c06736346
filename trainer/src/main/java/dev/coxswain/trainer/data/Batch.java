package dev.coxswain.trainer.data;

import ai.djl.ndarray.NDList;

/**
 * One batch: model inputs and labels.
 *
 * @param data inputs for the block's forward pass
 * @param labels targets for the loss
 * @param tokens how many tokens (or examples) it holds, for throughput figures
 */
public record Batch(NDList data, NDList labels, long tokens) {}
