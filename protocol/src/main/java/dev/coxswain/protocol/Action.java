package dev.coxswain.protocol;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A command's typed meaning. {@link #parse} checks the shape of a {@link Command} (known type,
 * required arguments, argument types, finite numbers) without any run state; the trainer then
 * checks what needs state (knob bounds, checkpoint existence).
 */
public sealed interface Action {

  /**
   * Set one or more knobs at once; all or nothing. A choice knob may be set by its option's name
   * ({@code options}), a boolean knob by true or false ({@code switches}); {@link Registry} turns
   * them into numbers against the run's knobs.
   */
  record SetKnobs(
      Map<String, Double> values, Map<String, String> options, Map<String, Boolean> switches)
      implements Action {
    public SetKnobs {
      options = options == null ? Map.of() : options;
      switches = switches == null ? Map.of() : switches;
    }

    /** Numeric values only. */
    public SetKnobs(Map<String, Double> values) {
      this(values, Map.of(), Map.of());
    }

    /** Every knob this command names. */
    public Set<String> names() {
      Set<String> all = new java.util.LinkedHashSet<>(values.keySet());
      all.addAll(options.keySet());
      all.addAll(switches.keySet());
      return all;
    }
  }

  /**
   * Call an action the run registered ({@link ActionSpec}) with these arguments; the run checks
   * them against the action's fields.
   */
  record Invoke(String action, Map<String, Object> args) implements Action {}

  /** Multiply one knob by a factor (the agent's double and halve). */
  record ScaleKnob(String knob, double factor) implements Action {}

  /** Save a checkpoint now, optionally with a tag that names it. */
  record SaveCheckpoint(String tag) implements Action {}

  /** Restore a checkpoint and continue on a new branch (the old branch's history stays). */
  record LoadCheckpoint(String checkpoint, String branch) implements Action {}

  /** Hold at the control point; commands are still handled. */
  record Pause() implements Action {}

  /** Leave a pause. */
  record Resume() implements Action {}

  /** End the run at this step boundary. */
  record Stop() implements Action {}

  /** Run an evaluation on the validation data now. */
  record Evaluate() implements Action {}

  /** Record a free-text note in the run's log. */
  record Note(String text) implements Action {}

  /** Keep the agent (and rules) off a knob, for {@code steps} steps or until unlocked. */
  record LockKnob(String knob, Long steps) implements Action {}

  /** Give a knob back to the agent. */
  record UnlockKnob(String knob) implements Action {}

  /** Reconfigure the supervising agent: any of enabled, every, policy. */
  record Agent(Boolean enabled, Integer every, String policy) implements Action {}

  /**
   * A person's words to the agent, in every later prompt until replaced; {@code text} null
   * withdraws them. Never a way around a lock: the guardrails read locks, not words.
   */
  record TellAgent(String text) implements Action {}

  /**
   * Declare what the run is for (see {@link Goal}), replacing any earlier goal; {@code goal} null
   * clears it. The trainer checks the metric against what the workload reports and the deadline
   * against the run's steps.
   */
  record SetGoal(Goal goal) implements Action {}

  /**
   * New sampling weights for the workload's named data sources, checked as a whole (every weight
   * finite and non-negative, not all zero; the trainer checks the names). From the next step.
   */
  record SetDataMixture(Map<String, Double> weights) implements Action {}

  /**
   * Re-read the data sources: every one, or those named, and add new ones by name and path
   * (relative to the run's data directory). Swapped in at the next epoch boundary, or at the next
   * step with {@code now}.
   */
  record ReloadData(java.util.List<DataSource> sources, boolean now) implements Action {}

  /** A data source to re-read ({@code path} null: the one of that name) or to add. */
  record DataSource(String name, String path) {}

  /** Re-initialize one module's parameters and forget their optimizer state; nothing else. */
  record ResetModule(String module) implements Action {}

  /** Set one settable parameter of a module (a dropout's p, say), from the next step. */
  record SetModuleParam(String module, String param, double value) implements Action {}

  /** Module paths: names joined by dots, as the model tree lists them. */
  Pattern MODULE = Pattern.compile("[A-Za-z0-9_.-]{1,200}");

  /** Names: letters, digits, dot, dash and underscore; no path separators. */
  Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** Maximum length of a note. */
  int MAX_NOTE = 4000;

  /** Maximum length of a person's words to the agent (they go into every prompt). */
  int MAX_WORDS = 2000;

  /** Turns a command into its typed action, or says exactly which field is wrong. */
  static Action parse(Command c) throws InvalidCommandException {
    return ActionParser.parse(c);
  }
}
