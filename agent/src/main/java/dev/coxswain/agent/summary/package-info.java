/** The summary of a window of events that a policy decides on. */
package dev.coxswain.agent.summary;
