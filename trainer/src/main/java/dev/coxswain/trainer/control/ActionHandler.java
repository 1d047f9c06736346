package dev.coxswain.trainer.control;

import java.util.Map;

/**
 * What a run does when one of its registered actions is called, at the control point, on the
 * training thread. Throwing makes the command {@code failed} with the error; the run goes on.
 */
@FunctionalInterface
public interface ActionHandler {
  /**
   * @param args the command's arguments, checked against the action's fields and in their types
   *     (Long, Double, Boolean, String)
   * @param nextStep the first step that runs after it
   * @return applied (with what it did) or rejected (with why)
   */
  ActionOutcome handle(Map<String, Object> args, long nextStep) throws Exception;
}
