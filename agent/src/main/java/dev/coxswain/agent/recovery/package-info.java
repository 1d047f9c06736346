/** Rollbacks: when a run is in trouble a decision cannot fix, back to a checkpoint before it. */
package dev.coxswain.agent.recovery;
