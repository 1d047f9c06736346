package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;

/** Decides what to do about a window of training. Implementations: LLM, rule, replay. */
public interface Policy {
  /** A short name for the journal ({@code openai}, {@code rule}, {@code replay}). */
  String name();

  /** Decides once; may be slow (an LLM call) and is never called on the training thread. */
  Answer decide(Summary summary) throws PolicyException;
}
