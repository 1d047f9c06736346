/** Checkpoints: saved with checksums and fsync, verified before use, pruned. */
package dev.coxswain.trainer.checkpoint;
