/** Training data: corpora, windows, datasets, mixtures of sources that reload. */
package dev.coxswain.trainer.data;
