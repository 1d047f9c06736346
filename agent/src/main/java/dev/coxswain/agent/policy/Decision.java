package dev.coxswain.agent.policy;

import java.util.Map;
import java.util.Set;

/**
 * What a policy wants done.
 *
 * @param action {@code double}, {@code halve}, {@code keep}, or a command type ({@code set_knobs},
 *     {@code scale_knob}, {@code save_checkpoint}, {@code load_checkpoint}, {@code evaluate},
 *     {@code note}, {@code set_data_mixture}, {@code run_action} with the action's name in {@code
 *     action} beside its fields); {@code double} and {@code halve} act on every learning-rate knob,
 *     or on those named in {@code knobs} (a list of names)
 * @param args the command's arguments
 * @param rationale why, in words
 */
public record Decision(String action, Map<String, Object> args, String rationale) {
  /** Every action any prompt may permit. */
  public static final Set<String> ACTIONS =
      Set.of(
          "double",
          "halve",
          "keep",
          "set_knobs",
          "scale_knob",
          "save_checkpoint",
          "load_checkpoint",
          "evaluate",
          "note",
          "set_data_mixture",
          "run_action");

  public Decision {
    args = args == null ? Map.of() : Map.copyOf(args);
    rationale = rationale == null ? "" : rationale;
  }

  public static Decision keep(String why) {
    return new Decision("keep", Map.of(), why);
  }
}
