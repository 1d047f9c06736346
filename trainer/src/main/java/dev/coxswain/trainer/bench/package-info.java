/**
 * The control-point overhead benchmark and the plain loop it is measured against; in the jar
 * because {@code bench} and {@code bench-all} run them on a user's own machine.
 */
package dev.coxswain.trainer.bench;
