/**
 * DJL's own {@code EasyTrain.fit} on Fashion-MNIST put under Coxswain's console and agent by the
 * {@code TrainerAdapter}: {@link dev.coxswain.examples.easytrain.EasyTrainExample}.
 */
package dev.coxswain.examples.easytrain;
