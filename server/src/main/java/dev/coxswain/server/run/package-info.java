/**
 * A run on disk: its directory, its one event log and store, checkpoints' trust, locks, histories.
 */
package dev.coxswain.server.run;
