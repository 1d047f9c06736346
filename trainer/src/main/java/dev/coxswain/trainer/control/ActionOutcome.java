package dev.coxswain.trainer.control;

import java.util.Map;
import java.util.Objects;

/**
 * An action handler's answer: applied, with what it did, or rejected, with why.
 *
 * @param reason why it was rejected; null when applied
 * @param detail what it did, for the command's result (may be empty)
 */
public record ActionOutcome(String reason, Map<String, Object> detail) {
  public ActionOutcome {
    detail = detail == null ? Map.of() : Map.copyOf(detail);
  }

  public static ActionOutcome applied() {
    return new ActionOutcome(null, Map.of());
  }

  public static ActionOutcome applied(Map<String, Object> detail) {
    return new ActionOutcome(null, detail);
  }

  public static ActionOutcome rejected(String reason) {
    return new ActionOutcome(Objects.requireNonNull(reason, "a rejection says why"), Map.of());
  }

  public boolean isApplied() {
    return reason == null;
  }
}
