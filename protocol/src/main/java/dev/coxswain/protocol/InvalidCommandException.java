package dev.coxswain.protocol;

/** A command whose shape is wrong: names the offending field and what is wrong with it. */
public final class InvalidCommandException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String field;

  public InvalidCommandException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The argument (or envelope field) at fault, e.g. {@code args.lr} or {@code type}. */
  public String field() {
    return field;
  }
}
