/**
 * Coxswain's own optimizers (AdamW on the engine's fused kernel, SGD with momentum), their state
 * saved by parameter name, and parameter groups with their learning-rate multipliers.
 */
package dev.coxswain.trainer.optim;
