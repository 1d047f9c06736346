/** The control point between steps and the knobs it sets. */
package dev.coxswain.trainer.control;
