/** AdamW on the engine's fused kernel, with its state saved by parameter name. */
package dev.coxswain.trainer.optim;
