package dev.coxswain.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
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
    if (c.type() == null || c.type().isBlank()) {
      throw new InvalidCommandException("type", "command type is missing");
    }
    CommandType type =
        CommandType.fromWire(c.type())
            .orElseThrow(
                () ->
                    new InvalidCommandException(
                        "type",
                        "unknown command '" + c.type() + "'; known: " + CommandType.known()));
    Map<String, Object> a = c.args();
    return switch (type) {
      case SET_KNOBS -> {
        onlyKnown(a, null);
        if (a.isEmpty()) {
          throw new InvalidCommandException("args", "set_knobs needs at least one knob");
        }
        Map<String, Double> values = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, Boolean> switches = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : a.entrySet()) {
          // a boolean knob takes true/false, a choice knob its option's name
          if (e.getValue() instanceof Boolean b) {
            switches.put(e.getKey(), b);
          } else if (e.getValue() instanceof String option) {
            options.put(e.getKey(), option);
          } else {
            values.put(e.getKey(), number(a, e.getKey()));
          }
        }
        yield new SetKnobs(
            Collections.unmodifiableMap(values),
            Collections.unmodifiableMap(options),
            Collections.unmodifiableMap(switches));
      }
      case SCALE_KNOB -> {
        onlyKnown(a, Set.of("knob", "factor"));
        String knob = string(a, "knob", true);
        double factor = number(a, "factor");
        if (!(factor > 0)) {
          throw new InvalidCommandException("args.factor", "factor must be > 0, got " + factor);
        }
        yield new ScaleKnob(knob, factor);
      }
      case SAVE_CHECKPOINT -> {
        onlyKnown(a, Set.of("tag"));
        yield new SaveCheckpoint(name(a, "tag", false));
      }
      case LOAD_CHECKPOINT -> {
        onlyKnown(a, Set.of("checkpoint", "branch"));
        String ckpt = string(a, "checkpoint", true);
        if (ckpt.contains("..") || ckpt.startsWith("/") || ckpt.contains("\\")) {
          throw new InvalidCommandException(
              "args.checkpoint",
              "checkpoint must be an id like main/200 or a tag, got '" + ckpt + "'");
        }
        yield new LoadCheckpoint(ckpt, name(a, "branch", false));
      }
      case PAUSE -> {
        onlyKnown(a, Set.of());
        yield new Pause();
      }
      case RESUME -> {
        onlyKnown(a, Set.of());
        yield new Resume();
      }
      case STOP -> {
        onlyKnown(a, Set.of());
        yield new Stop();
      }
      case EVALUATE -> {
        onlyKnown(a, Set.of());
        yield new Evaluate();
      }
      case LOCK_KNOB -> {
        onlyKnown(a, Set.of("knob", "steps"));
        String knob = string(a, "knob", true);
        Long steps = null;
        if (a.get("steps") != null) {
          double n = number(a, "steps");
          if (n < 1 || n > Steps.MAX || n != Math.rint(n)) {
            throw new InvalidCommandException(
                "args.steps",
                "'steps' must be a whole number from 1 to "
                    + Steps.MAX
                    + " (omit it to lock until unlocked), got "
                    + a.get("steps"));
          }
          steps = (long) n;
        }
        yield new LockKnob(knob, steps);
      }
      case UNLOCK_KNOB -> {
        onlyKnown(a, Set.of("knob"));
        yield new UnlockKnob(string(a, "knob", true));
      }
      case AGENT -> {
        onlyKnown(a, Set.of("enabled", "every", "policy"));
        Boolean enabled = null;
        if (a.get("enabled") != null) {
          if (!(a.get("enabled") instanceof Boolean b)) {
            throw new InvalidCommandException("args.enabled", "'enabled' must be true or false");
          }
          enabled = b;
        }
        Integer every = null;
        if (a.get("every") != null) {
          double n = number(a, "every");
          if (n < 1 || n > 1_000_000 || n != Math.rint(n)) {
            throw new InvalidCommandException(
                "args.every", "'every' must be a whole number of steps between 1 and 1000000");
          }
          every = (int) n;
        }
        String policy = string(a, "policy", false);
        if (policy != null && !Set.of("openai", "rule").contains(policy)) {
          throw new InvalidCommandException(
              "args.policy", "'policy' must be openai or rule, got '" + policy + "'");
        }
        if (enabled == null && every == null && policy == null) {
          throw new InvalidCommandException(
              "args", "agent needs at least one of enabled, every, policy");
        }
        yield new Agent(enabled, every, policy);
      }
      case TELL_AGENT -> {
        onlyKnown(a, Set.of("text", "withdraw"));
        if (Boolean.TRUE.equals(a.get("withdraw"))) {
          if (a.get("text") != null) {
            throw new InvalidCommandException(
                "args", "tell_agent takes either text or withdraw: true, not both");
          }
          yield new TellAgent(null);
        }
        if (a.get("withdraw") != null && !Boolean.FALSE.equals(a.get("withdraw"))) {
          throw new InvalidCommandException("args.withdraw", "'withdraw' must be true or false");
        }
        String text = string(a, "text", true).strip();
        if (text.isEmpty()) {
          throw new InvalidCommandException(
              "args.text", "the words are empty; to withdraw them send {\"withdraw\": true}");
        }
        if (text.length() > MAX_WORDS) {
          throw new InvalidCommandException(
              "args.text",
              "the words are "
                  + text.length()
                  + " characters; at most "
                  + MAX_WORDS
                  + " (they go into every prompt)");
        }
        yield new TellAgent(text);
      }
      case SET_GOAL -> {
        if (Boolean.TRUE.equals(a.get("clear"))) {
          onlyKnown(a, Set.of("clear"));
          yield new SetGoal(null);
        }
        onlyKnown(a, Set.of("metric", "direction", "target", "deadline", "patience", "stop_early"));
        yield new SetGoal(Goal.fromMap(a));
      }
      case SET_DATA_MIXTURE -> {
        onlyKnown(a, Set.of("weights"));
        if (!(a.get("weights") instanceof Map<?, ?> w) || w.isEmpty()) {
          throw new InvalidCommandException(
              "args.weights", "'weights' is required: an object of source name -> weight");
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        double total = 0;
        for (Map.Entry<?, ?> e : w.entrySet()) {
          String key = String.valueOf(e.getKey());
          String field = "args.weights." + key;
          if (!(e.getValue() instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new InvalidCommandException(
                field, "the weight of '" + key + "' must be a finite number, got " + e.getValue());
          }
          if (n.doubleValue() < 0) {
            throw new InvalidCommandException(
                field, "the weight of '" + key + "' must not be negative, got " + n);
          }
          weights.put(key, n.doubleValue());
          total += n.doubleValue();
        }
        if (!(total > 0)) {
          throw new InvalidCommandException(
              "args.weights", "the weights are all zero: nothing would be sampled");
        }
        yield new SetDataMixture(Collections.unmodifiableMap(weights));
      }
      case RELOAD_DATA -> {
        onlyKnown(a, Set.of("sources", "now"));
        boolean now = false;
        if (a.get("now") != null) {
          if (!(a.get("now") instanceof Boolean b)) {
            throw new InvalidCommandException("args.now", "'now' must be true or false");
          }
          now = b;
        }
        java.util.List<DataSource> sources = new java.util.ArrayList<>();
        if (a.get("sources") != null) {
          if (!(a.get("sources") instanceof java.util.List<?> l)) {
            throw new InvalidCommandException(
                "args.sources", "'sources' must be a list of names or {name, path} objects");
          }
          for (Object o : l) {
            sources.add(dataSource(o));
          }
        }
        yield new ReloadData(java.util.List.copyOf(sources), now);
      }
      case RESET_MODULE -> {
        onlyKnown(a, Set.of("module"));
        yield new ResetModule(module(a));
      }
      case SET_MODULE_PARAM -> {
        onlyKnown(a, Set.of("module", "param", "value"));
        String module = module(a);
        String param = string(a, "param", true);
        yield new SetModuleParam(module, param, number(a, "value"));
      }
      case RUN_ACTION -> {
        String action = string(a, "action", true);
        if (!ActionSpec.NAME.matcher(action).matches()) {
          throw new InvalidCommandException(
              "args.action", "'action' must name a registered action, got '" + action + "'");
        }
        Map<String, Object> rest = new LinkedHashMap<>(a);
        rest.remove("action");
        yield new Invoke(action, Collections.unmodifiableMap(rest));
      }
      case NOTE -> {
        onlyKnown(a, Set.of("text"));
        String text = string(a, "text", true);
        if (text.length() > MAX_NOTE) {
          throw new InvalidCommandException(
              "args.text", "note is " + text.length() + " characters; at most " + MAX_NOTE);
        }
        yield new Note(text);
      }
    };
  }

  private static DataSource dataSource(Object o) throws InvalidCommandException {
    if (o instanceof String s) {
      return new DataSource(checkedName(s, "args.sources"), null);
    }
    if (o instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> src = (Map<String, Object>) m;
      onlyKnown(src, Set.of("name", "path"));
      String name = checkedName(string(src, "name", true), "args.sources.name");
      String path = string(src, "path", false);
      if (path != null && (path.isBlank() || path.contains("\0"))) {
        throw new InvalidCommandException("args.sources.path", "'path' must not be empty");
      }
      return new DataSource(name, path);
    }
    throw new InvalidCommandException(
        "args.sources", "each source is a name or {name, path}, got " + describe(o));
  }

  private static String checkedName(String s, String field) throws InvalidCommandException {
    if (!NAME.matcher(s).matches()) {
      throw new InvalidCommandException(
          field, "a source name must be 1-64 letters, digits, '.', '-' or '_', got '" + s + "'");
    }
    return s;
  }

  private static void onlyKnown(Map<String, Object> a, Set<String> allowed)
      throws InvalidCommandException {
    if (allowed == null) {
      return;
    }
    for (String k : a.keySet()) {
      if (!allowed.contains(k)) {
        throw new InvalidCommandException(
            "args." + k,
            "unexpected argument '"
                + k
                + "'"
                + (allowed.isEmpty() ? "; this command takes none" : "; allowed: " + allowed));
      }
    }
  }

  private static double number(Map<String, Object> a, String key) throws InvalidCommandException {
    Object v = a.get(key);
    if (v == null) {
      throw new InvalidCommandException(
          "args." + key, "'" + key + "' is required and must be a number");
    }
    if (!(v instanceof Number n)) {
      throw new InvalidCommandException(
          "args." + key, "'" + key + "' must be a number, got " + describe(v));
    }
    double d = n.doubleValue();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new InvalidCommandException("args." + key, "'" + key + "' must be finite, got " + d);
    }
    return d;
  }

  private static String string(Map<String, Object> a, String key, boolean required)
      throws InvalidCommandException {
    Object v = a.get(key);
    if (v == null) {
      if (required) {
        throw new InvalidCommandException("args." + key, "'" + key + "' is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new InvalidCommandException(
          "args." + key, "'" + key + "' must be a string, got " + describe(v));
    }
    if (required && s.isBlank()) {
      throw new InvalidCommandException("args." + key, "'" + key + "' must not be empty");
    }
    return s;
  }

  private static String module(Map<String, Object> a) throws InvalidCommandException {
    String m = string(a, "module", true);
    if (!MODULE.matcher(m).matches()) {
      throw new InvalidCommandException(
          "args.module",
          "'module' must be a path from the model tree like block0.drop, got '"
              + (m.length() > 40 ? m.substring(0, 40) + "..." : m)
              + "'");
    }
    return m;
  }

  private static String name(Map<String, Object> a, String key, boolean required)
      throws InvalidCommandException {
    String s = string(a, key, required);
    if (s != null && !NAME.matcher(s).matches()) {
      throw new InvalidCommandException(
          "args." + key,
          "'" + key + "' must be 1-64 letters, digits, '.', '-' or '_', got '" + s + "'");
    }
    return s;
  }

  private static String describe(Object v) {
    String kind =
        v instanceof String
            ? "string"
            : v instanceof Boolean
                ? "boolean"
                : v instanceof Map
                    ? "object"
                    : v instanceof java.util.List ? "array" : v.getClass().getSimpleName();
    String text = String.valueOf(v);
    return kind + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
  }
}
