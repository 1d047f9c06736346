/**
 * Workloads: what a run trains (the default character GPT) and the Fashion-MNIST classifier that
 * the examples serve and the benchmark scenarios train.
 */
package dev.coxswain.trainer.workload;
