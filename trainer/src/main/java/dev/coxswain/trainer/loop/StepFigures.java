package dev.coxswain.trainer.loop;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One step's figures from a loop of its own: a training loss if it has one, and named values (a
 * GAN's two losses, say), shown in the console and given to the agent.
 *
 * @param loss the step's loss, or null; not finite means the step went wrong
 * @param values named figures; names are 1-32 lower-case letters, digits or '_'
 */
public record StepFigures(Double loss, Map<String, Double> values) {
  public StepFigures {
    values = values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    for (String name : values.keySet()) {
      if (!name.matches("[a-z][a-z0-9_]{0,31}")) {
        throw new IllegalArgumentException(
            "figure name '" + name + "' must be 1-32 lower-case letters, digits or '_'");
      }
    }
  }

  /** The step's loss. */
  public static StepFigures loss(double loss) {
    return new StepFigures(loss, Map.of());
  }

  /** No loss, only named values (add them with {@link #with}). */
  public static StepFigures none() {
    return new StepFigures(null, Map.of());
  }

  /** These figures and one more named value. */
  public StepFigures with(String name, double value) {
    Map<String, Double> v = new LinkedHashMap<>(values);
    v.put(name, value);
    return new StepFigures(loss, v);
  }
}
