/**
 * Guardrails between a decision and the command it becomes: factor bands, floors, cooldowns, locks.
 */
package dev.coxswain.agent.guard;
