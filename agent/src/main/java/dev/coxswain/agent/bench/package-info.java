/** The agent benchmark: tokens per decision and the cost of a run. */
package dev.coxswain.agent.bench;
