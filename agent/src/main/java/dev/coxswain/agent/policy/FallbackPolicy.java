package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;

/**
 * Always decides. When the primary policy fails, the fallback (rule) policy decides in its place;
 * an answer that could not be used even after a re-ask is treated as keep (the endpoint did answer:
 * the rule is not asked). The answer's {@link Answer.Meta} says which policy decided and whether
 * the primary failed.
 */
public final class FallbackPolicy implements Policy {
  private final Policy primary;
  private final Policy fallback;

  public FallbackPolicy(Policy primary, Policy fallback) {
    this.primary = primary;
    this.fallback = fallback;
  }

  @Override
  public String name() {
    return primary.name();
  }

  @Override
  public Answer decide(Summary s) {
    try {
      Answer a = primary.decide(s);
      return a.withMeta(new Answer.Meta(primary.name(), false, false, 0));
    } catch (PolicyException e) {
      String trail = e.trail().isEmpty() ? "" : e.trail() + "; ";
      if (e.kind() == PolicyException.Kind.UNPARSEABLE) {
        return new Answer(
            Decision.keep("the model's answer could not be used"),
            e.usage(),
            "",
            "",
            2,
            trail + "unusable answer after a re-ask: " + e.getMessage() + "; kept",
            new Answer.Meta(primary.name(), true, false, 0));
      }
      return byFallback(s, trail + "policy failed: " + e.getMessage() + "; rule policy decided");
    }
  }

  /** The fallback's answer, marked as a stand-in for a primary that failed. */
  private Answer byFallback(Summary s, String why) {
    Answer.Meta failed = new Answer.Meta(fallback.name(), true, true, 0);
    try {
      return fallback.decide(s).withMeta(failed).withEarlierNote(why, 0, Usage.NONE);
    } catch (PolicyException e2) {
      return new Answer(
          Decision.keep("no policy could decide"),
          Usage.NONE,
          "",
          "",
          0,
          why + "; the fallback failed too: " + e2.getMessage(),
          failed);
    }
  }
}
