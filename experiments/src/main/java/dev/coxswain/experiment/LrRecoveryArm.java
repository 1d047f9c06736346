package dev.coxswain.experiment;

import java.util.List;
import java.util.Locale;

/**
 * One arm of the experiment: how a run starts and what, if anything, steers it.
 *
 * @param id directory name and key in the results ({@code a-too-high}, {@code b-agent-rule}, ...)
 * @param label what the table and the plots call it
 * @param lr the starting learning rate
 * @param control who changes the lr while it runs
 * @param seeds the seeds this arm runs
 */
public record LrRecoveryArm(String id, String label, double lr, Control control, List<Long> seeds) {

  /** What steers the learning rate of an arm's runs. */
  public enum Control {
    /** Nothing: the lr stays where it started. */
    CONSTANT,
    /** The supervising agent with the rule policy. */
    AGENT_RULE,
    /** The supervising agent with OpenAI (o4-mini by default). */
    AGENT_OPENAI,
    /** Linear decay from the start lr to a final lr over the run. */
    LINEAR_DECAY,
    /** Multiply the lr by a factor after P evaluations without a new best. */
    PLATEAU
  }

  /** The id of a sweep point: {@code c-sweep-0.002}. */
  static String sweepId(double lr) {
    return "c-sweep-" + lrText(lr);
  }

  static String lrText(double lr) {
    String s = String.format(Locale.ROOT, "%.6f", lr).replaceAll("0+$", "");
    return s.endsWith(".") ? s + "0" : s;
  }

  boolean agent() {
    return control == Control.AGENT_RULE || control == Control.AGENT_OPENAI;
  }
}
