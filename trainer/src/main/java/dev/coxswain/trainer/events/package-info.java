/** Where a trainer's events go: sinks, the JSONL file, the writer thread. */
package dev.coxswain.trainer.events;
