package dev.coxswain.trainer.device;

/** A device that was asked for and cannot be had; the message says why and how to fix it. */
public final class DeviceUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(String message) {
    super(message);
  }
}
