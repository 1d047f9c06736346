/**
 * The agent benchmark (tokens per decision, the cost of a run); in the jar because {@code
 * bench-agent} and {@code bench-all} run it against a user's own endpoint and prices.
 */
package dev.coxswain.agent.bench;
