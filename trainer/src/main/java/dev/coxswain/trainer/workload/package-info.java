/** Workloads: what a run trains (the default character GPT). */
package dev.coxswain.trainer.workload;
