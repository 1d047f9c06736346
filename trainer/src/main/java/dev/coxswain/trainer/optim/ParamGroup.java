package dev.coxswain.trainer.optim;

import dev.coxswain.protocol.Knob;
import java.util.List;

/**
 * A named group of the model's parameters whose learning rate is the {@code lr} knob times the
 * group's own multiplier, a knob {@code lr_mult.<name>} (linear, [0, 10]; 0 freezes the group).
 *
 * @param name 1-32 lower-case letters, digits or '_', starting with a letter
 * @param match glob patterns ({@code *} any run of characters, dots included; {@code ?} one) over
 *     module paths ({@code block0.attn}: the module and everything under it) and parameter paths
 *     ({@code block0.attn.qkv.weight}; the root's own parameters by their names, e.g. {@code
 *     tokens})
 * @param lrMult the starting multiplier
 */
public record ParamGroup(String name, List<String> match, double lrMult) {
  public static final String KNOB_PREFIX = "lr_mult.";
  public static final double MAX_MULT = 10;

  /**
   * @throws IllegalArgumentException for a bad name, no pattern, a blank pattern, or a multiplier
   *     outside [0, 10]
   */
  public ParamGroup {
    if (name == null || !name.matches("[a-z][a-z0-9_]{0,31}")) {
      throw new IllegalArgumentException(
          "param_groups: a group's name must be 1-32 lower-case letters, digits or '_', starting"
              + " with a letter, got '"
              + name
              + "'");
    }
    if (match == null || match.isEmpty()) {
      throw new IllegalArgumentException(
          "param_groups: group '" + name + "' needs 'match': a module path or pattern");
    }
    match = List.copyOf(match);
    for (String m : match) {
      if (m == null || m.isBlank()) {
        throw new IllegalArgumentException(
            "param_groups: group '" + name + "' has a blank pattern in 'match'");
      }
    }
    if (!(lrMult >= 0 && lrMult <= MAX_MULT)) {
      throw new IllegalArgumentException(
          "param_groups: group '"
              + name
              + "': lr_mult must be in [0, "
              + MAX_MULT
              + "], got "
              + lrMult);
    }
  }

  /** The group's learning-rate multiplier knob. */
  public Knob knob() {
    return Knob.real(KNOB_PREFIX + name)
        .bounds(0, MAX_MULT)
        .initial(lrMult)
        .describe(
            "multiplier of lr for the parameter group '"
                + name
                + "' ("
                + String.join(", ", match)
                + "); 0 freezes it")
        .build();
  }

  /** Whether the glob {@code pattern} matches all of {@code path}. */
  static boolean globMatches(String pattern, String path) {
    StringBuilder re = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      if (c == '*') {
        re.append(".*");
      } else if (c == '?') {
        re.append('.');
      } else {
        re.append(java.util.regex.Pattern.quote(String.valueOf(c)));
      }
    }
    return path.matches(re.toString());
  }
}
