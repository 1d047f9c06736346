/**
 * Policies that turn a window's summary into a decision (rule, OpenAI-compatible, replay) and the
 * decorators around them (retries, budget, fallback, circuit breaker).
 */
package dev.coxswain.agent.policy;
