package dev.coxswain.agent.policy;

/** A policy could not decide. Says whether trying again may help and how long to wait. */
public final class PolicyException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** 429: back off, honouring Retry-After. */
    RATE_LIMITED,
    /** 5xx or a broken connection. */
    SERVER_ERROR,
    /** No answer within the timeout. */
    TIMEOUT,
    /** An answer that is not a decision (garbage, unknown action). */
    UNPARSEABLE,
    /** Wrong key, wrong URL, bad request: retrying will not help. */
    FATAL
  }

  private final Kind kind;
  private final long retryAfterMillis;
  private final transient Usage usage;
  private final String trail;

  public PolicyException(Kind kind, String message, long retryAfterMillis, Usage usage) {
    this(kind, message, retryAfterMillis, usage, null);
  }

  /**
   * @param trail what happened before this failure (earlier attempts, a probe), for the journal
   */
  public PolicyException(
      Kind kind, String message, long retryAfterMillis, Usage usage, String trail) {
    super(message);
    this.kind = kind;
    this.retryAfterMillis = retryAfterMillis;
    this.usage = usage == null ? Usage.NONE : usage;
    this.trail = trail == null ? "" : trail;
  }

  /** The same failure with what happened before it (attempts, probes) in its trail. */
  public PolicyException withTrail(String t) {
    return new PolicyException(kind, getMessage(), retryAfterMillis, usage, t);
  }

  /** What happened before this failure, in words; empty when nothing. */
  public String trail() {
    return trail;
  }

  public Kind kind() {
    return kind;
  }

  /** What the server asked for (Retry-After), or -1. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** Tokens spent before it failed (an unparseable answer still costs). */
  public Usage usage() {
    return usage;
  }

  public boolean retriable() {
    return kind == Kind.RATE_LIMITED || kind == Kind.SERVER_ERROR || kind == Kind.TIMEOUT;
  }
}
