/**
 * A run on disk: its YAML config and spec, its directory, its one event log and store, checkpoints'
 * trust, locks, histories.
 */
package dev.coxswain.run;
