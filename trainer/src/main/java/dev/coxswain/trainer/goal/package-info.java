/** A run's goal: progress per evaluation, best, stall. */
package dev.coxswain.trainer.goal;
