/** The control-point overhead benchmark and the plain loop it is measured against. */
package dev.coxswain.trainer.bench;
