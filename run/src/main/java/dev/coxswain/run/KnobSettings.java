package dev.coxswain.run;

import dev.coxswain.protocol.Knob;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.optim.OptimizerChoice;
import java.util.Map;

/**
 * The {@code knobs:} key of a run's YAML: each entry overrides a registered knob's starting value,
 * bounds or the agent's floor under it, checked against the knobs the run's optimizer registers.
 */
final class KnobSettings {
  private KnobSettings() {}

  /**
   * Puts each knob override of {@code knobs} into {@code b}.
   *
   * @return the starting lr the overrides give ({@code knobs.lr.value}), or null
   * @throws RunConfig.ConfigException naming the knob and what is wrong with it
   */
  static Double apply(
      Map<String, RunConfig.KnobSetting> knobs, OptimizerChoice choice, TrainerConfig.Builder b)
      throws RunConfig.ConfigException {
    if (knobs == null) {
      return null;
    }
    Knobs defaults = Knobs.of(choice.knobs(1e-3));
    Double startLr = null;
    for (Map.Entry<String, RunConfig.KnobSetting> e : knobs.entrySet()) {
      Knob k =
          defaults
              .get(e.getKey())
              .orElseThrow(
                  () ->
                      new RunConfig.ConfigException(
                          "knobs: unknown knob '"
                              + e.getKey()
                              + "'; known with "
                              + choice.display()
                              + ": "
                              + String.join(", ", choice.knobNames())));
      RunConfig.KnobSetting v =
          e.getValue() == null ? new RunConfig.KnobSetting(null, null, null, null) : e.getValue();
      Knob changed = override(k, v);
      if (k.name().equals("lr")) {
        startLr = v.value();
      }
      checkFloor(k.name(), v.agentFloor(), changed);
      b.optKnob(changed);
    }
    return startLr;
  }

  private static Knob override(Knob k, RunConfig.KnobSetting v) throws RunConfig.ConfigException {
    try {
      return new Knob(
          k.name(),
          k.type(),
          or(v.value(), k.value()),
          or(v.min(), k.min()),
          or(v.max(), k.max()),
          k.description(),
          k.scale(),
          k.unit(),
          k.role(),
          k.choices());
    } catch (IllegalArgumentException bad) {
      throw new RunConfig.ConfigException("knobs." + k.name() + ": " + bad.getMessage());
    }
  }

  /** A floor under the agent must be > 0 and within the knob's bounds. */
  private static void checkFloor(String knob, Double floor, Knob k)
      throws RunConfig.ConfigException {
    if (floor == null) {
      return;
    }
    String key = "knobs." + knob + ".agent_floor";
    if (!Double.isFinite(floor) || floor <= 0) {
      throw new RunConfig.ConfigException(key + ": must be a number > 0, got " + floor);
    }
    if (floor > k.max()) {
      throw new RunConfig.ConfigException(
          key + ": " + floor + " is above the knob's upper bound " + k.max());
    }
  }

  private static Double or(Double v, Double d) {
    return v != null ? v : d;
  }
}
