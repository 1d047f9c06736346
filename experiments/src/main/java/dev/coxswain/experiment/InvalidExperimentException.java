package dev.coxswain.experiment;

/** A bad experiment file (of any study); the message names the file and the field. */
public final class InvalidExperimentException extends Exception {
  private static final long serialVersionUID = 1L;

  InvalidExperimentException(String message) {
    super(message);
  }
}
