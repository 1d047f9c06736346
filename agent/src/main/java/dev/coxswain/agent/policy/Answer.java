package dev.coxswain.agent.policy;

/**
 * A policy's answer with everything the journal needs.
 *
 * @param decision what it decided
 * @param usage tokens used, all attempts together
 * @param prompt the prompt sent (empty for policies without one)
 * @param response the raw response text (or tool call)
 * @param attempts calls made
 * @param note what went wrong on the way, if anything (retries, re-asks)
 */
public record Answer(
    Decision decision, Usage usage, String prompt, String response, int attempts, String note) {}
