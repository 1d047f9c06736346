/**
 * The training loop Coxswain owns: the control point between steps, and the listeners that
 * evaluate, checkpoint, branch and publish.
 */
package dev.coxswain.trainer;
