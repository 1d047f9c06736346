/** Prompt templates, filled from a summary. */
package dev.coxswain.agent.prompt;
