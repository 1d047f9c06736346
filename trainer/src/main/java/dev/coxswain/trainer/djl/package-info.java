/**
 * DJL's own {@code Trainer} and {@code EasyTrain.fit} under the control point: {@link
 * dev.coxswain.trainer.djl.TrainerAdapter}.
 */
package dev.coxswain.trainer.djl;
