/** The agent's journal ({@code agent.jsonl}) read back: what a resumed agent has spent. */
package dev.coxswain.agent.journal;
