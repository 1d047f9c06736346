/** Typed event payloads, their one JSON form, and the fold of a run's events into its state. */
package dev.coxswain.protocol.event;
