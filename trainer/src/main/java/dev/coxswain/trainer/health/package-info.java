/** Health checks on the training loss: spikes. */
package dev.coxswain.trainer.health;
