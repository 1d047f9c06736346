/** A GAN on Fashion-MNIST in a loop of its own, steered like the built-in workload. */
package dev.coxswain.examples.gan;
