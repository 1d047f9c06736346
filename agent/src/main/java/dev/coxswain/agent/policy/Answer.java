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
 * @param meta how the decision came about, filled in by the decorators around a policy
 */
public record Answer(
    Decision decision,
    Usage usage,
    String prompt,
    String response,
    int attempts,
    String note,
    Meta meta) {

  /**
   * How a decision came about.
   *
   * @param policy the name of the policy that made it (null: the one asked)
   * @param failed the policy in charge could not decide; this answer stands in for it
   * @param fallback the fallback (rule) policy decided in place of the primary one
   * @param costUsd what it cost, as the budget charged it
   */
  public record Meta(String policy, boolean failed, boolean fallback, double costUsd) {
    public static final Meta NONE = new Meta(null, false, false, 0);
  }

  public Answer {
    meta = meta == null ? Meta.NONE : meta;
  }

  /** An answer as a policy gives it, before any decorator has said how it came about. */
  public Answer(
      Decision decision, Usage usage, String prompt, String response, int attempts, String note) {
    this(decision, usage, prompt, response, attempts, note, Meta.NONE);
  }

  /** This answer with what went wrong on the way before it added in front of its note. */
  public Answer withEarlierNote(String earlier, int moreAttempts, Usage moreUsage) {
    String n = earlier == null || earlier.isEmpty() ? note : join(earlier, note);
    return new Answer(
        decision, usage.plus(moreUsage), prompt, response, attempts + moreAttempts, n, meta);
  }

  /** This answer with a note added after its own. */
  public Answer withNote(String more) {
    return new Answer(decision, usage, prompt, response, attempts, join(note, more), meta);
  }

  public Answer withMeta(Meta m) {
    return new Answer(decision, usage, prompt, response, attempts, note, m);
  }

  private static String join(String a, String b) {
    if (a == null || a.isEmpty()) {
      return b;
    }
    return b == null || b.isEmpty() ? a : a + "; " + b;
  }
}
