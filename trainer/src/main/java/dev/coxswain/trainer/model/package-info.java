/**
 * The default model (a pre-LN character GPT) and modules whose settings change while a run goes on.
 */
package dev.coxswain.trainer.model;
