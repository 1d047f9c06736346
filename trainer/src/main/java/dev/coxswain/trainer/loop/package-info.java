/**
 * A training loop Coxswain does not own, put under the control point: {@link
 * dev.coxswain.trainer.loop.OwnLoop}.
 */
package dev.coxswain.trainer.loop;
