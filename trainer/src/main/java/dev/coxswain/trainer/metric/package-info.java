/** Evaluation metrics of a workload, and the per-phase profile of a step. */
package dev.coxswain.trainer.metric;
