package dev.coxswain.protocol.event;

/**
 * An event's payload that does not have the shape of its type (a missing field, a wrong type):
 * written by a newer version, or damaged. The message names the type and the field.
 */
public final class MalformedPayloadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MalformedPayloadException(String message, Throwable cause) {
    super(message, cause);
  }
}
