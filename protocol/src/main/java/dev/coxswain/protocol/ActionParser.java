package dev.coxswain.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@link Action#parse}: a command's type and arguments checked without any run state, into its
 * typed action; the first field that is wrong is named.
 */
final class ActionParser {
  private ActionParser() {}

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
      case SET_KNOBS -> setKnobs(a);
      case SCALE_KNOB -> scaleKnob(a);
      case SAVE_CHECKPOINT -> {
        Args.onlyKnown(a, Set.of("tag"));
        yield new Action.SaveCheckpoint(Args.name(a, "tag", false));
      }
      case LOAD_CHECKPOINT -> loadCheckpoint(a);
      case PAUSE -> none(a, new Action.Pause());
      case RESUME -> none(a, new Action.Resume());
      case STOP -> none(a, new Action.Stop());
      case EVALUATE -> none(a, new Action.Evaluate());
      case LOCK_KNOB -> lockKnob(a);
      case UNLOCK_KNOB -> {
        Args.onlyKnown(a, Set.of("knob"));
        yield new Action.UnlockKnob(Args.string(a, "knob", true));
      }
      case AGENT -> agent(a);
      case TELL_AGENT -> tellAgent(a);
      case SET_GOAL -> setGoal(a);
      case SET_DATA_MIXTURE -> dataMixture(a);
      case RELOAD_DATA -> reloadData(a);
      case RESET_MODULE -> {
        Args.onlyKnown(a, Set.of("module"));
        yield new Action.ResetModule(Args.module(a));
      }
      case SET_MODULE_PARAM -> moduleParam(a);
      case RUN_ACTION -> invoke(a);
      case NOTE -> note(a);
    };
  }

  /** A command that takes no arguments. */
  private static Action none(Map<String, Object> a, Action action) throws InvalidCommandException {
    Args.onlyKnown(a, Set.of());
    return action;
  }

  private static Action.SetKnobs setKnobs(Map<String, Object> a) throws InvalidCommandException {
    Args.onlyKnown(a, null);
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
        values.put(e.getKey(), Args.number(a, e.getKey()));
      }
    }
    return new Action.SetKnobs(
        Collections.unmodifiableMap(values),
        Collections.unmodifiableMap(options),
        Collections.unmodifiableMap(switches));
  }

  private static Action.ScaleKnob scaleKnob(Map<String, Object> a) throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("knob", "factor"));
    String knob = Args.string(a, "knob", true);
    double factor = Args.number(a, "factor");
    if (!(factor > 0)) {
      throw new InvalidCommandException("args.factor", "factor must be > 0, got " + factor);
    }
    return new Action.ScaleKnob(knob, factor);
  }

  private static Action.LoadCheckpoint loadCheckpoint(Map<String, Object> a)
      throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("checkpoint", "branch"));
    String ckpt = Args.string(a, "checkpoint", true);
    if (ckpt.contains("..") || ckpt.startsWith("/") || ckpt.contains("\\")) {
      throw new InvalidCommandException(
          "args.checkpoint", "checkpoint must be an id like main/200 or a tag, got '" + ckpt + "'");
    }
    return new Action.LoadCheckpoint(ckpt, Args.name(a, "branch", false));
  }

  private static Action.LockKnob lockKnob(Map<String, Object> a) throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("knob", "steps"));
    String knob = Args.string(a, "knob", true);
    Long steps = null;
    if (a.get("steps") != null) {
      double n = Args.number(a, "steps");
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
    return new Action.LockKnob(knob, steps);
  }

  private static Action.Agent agent(Map<String, Object> a) throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("enabled", "every", "policy"));
    Boolean enabled = null;
    if (a.get("enabled") != null) {
      if (!(a.get("enabled") instanceof Boolean b)) {
        throw new InvalidCommandException("args.enabled", "'enabled' must be true or false");
      }
      enabled = b;
    }
    Integer every = null;
    if (a.get("every") != null) {
      double n = Args.number(a, "every");
      if (n < 1 || n > 1_000_000 || n != Math.rint(n)) {
        throw new InvalidCommandException(
            "args.every", "'every' must be a whole number of steps between 1 and 1000000");
      }
      every = (int) n;
    }
    String policy = Args.string(a, "policy", false);
    if (policy != null && !Set.of("openai", "rule").contains(policy)) {
      throw new InvalidCommandException(
          "args.policy", "'policy' must be openai or rule, got '" + policy + "'");
    }
    if (enabled == null && every == null && policy == null) {
      throw new InvalidCommandException(
          "args", "agent needs at least one of enabled, every, policy");
    }
    return new Action.Agent(enabled, every, policy);
  }

  private static Action.TellAgent tellAgent(Map<String, Object> a) throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("text", "withdraw"));
    if (Boolean.TRUE.equals(a.get("withdraw"))) {
      if (a.get("text") != null) {
        throw new InvalidCommandException(
            "args", "tell_agent takes either text or withdraw: true, not both");
      }
      return new Action.TellAgent(null);
    }
    if (a.get("withdraw") != null && !Boolean.FALSE.equals(a.get("withdraw"))) {
      throw new InvalidCommandException("args.withdraw", "'withdraw' must be true or false");
    }
    String text = Args.string(a, "text", true).strip();
    if (text.isEmpty()) {
      throw new InvalidCommandException(
          "args.text", "the words are empty; to withdraw them send {\"withdraw\": true}");
    }
    if (text.length() > Action.MAX_WORDS) {
      throw new InvalidCommandException(
          "args.text",
          "the words are "
              + text.length()
              + " characters; at most "
              + Action.MAX_WORDS
              + " (they go into every prompt)");
    }
    return new Action.TellAgent(text);
  }

  private static Action.SetGoal setGoal(Map<String, Object> a) throws InvalidCommandException {
    if (Boolean.TRUE.equals(a.get("clear"))) {
      Args.onlyKnown(a, Set.of("clear"));
      return new Action.SetGoal(null);
    }
    Args.onlyKnown(
        a, Set.of("metric", "direction", "target", "deadline", "patience", "stop_early"));
    return new Action.SetGoal(Goal.fromMap(a));
  }

  private static Action.SetDataMixture dataMixture(Map<String, Object> a)
      throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("weights"));
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
    return new Action.SetDataMixture(Collections.unmodifiableMap(weights));
  }

  private static Action.ReloadData reloadData(Map<String, Object> a)
      throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("sources", "now"));
    boolean now = false;
    if (a.get("now") != null) {
      if (!(a.get("now") instanceof Boolean b)) {
        throw new InvalidCommandException("args.now", "'now' must be true or false");
      }
      now = b;
    }
    java.util.List<Action.DataSource> sources = new java.util.ArrayList<>();
    if (a.get("sources") != null) {
      if (!(a.get("sources") instanceof java.util.List<?> l)) {
        throw new InvalidCommandException(
            "args.sources", "'sources' must be a list of names or {name, path} objects");
      }
      for (Object o : l) {
        sources.add(Args.dataSource(o));
      }
    }
    return new Action.ReloadData(java.util.List.copyOf(sources), now);
  }

  private static Action.SetModuleParam moduleParam(Map<String, Object> a)
      throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("module", "param", "value"));
    String module = Args.module(a);
    String param = Args.string(a, "param", true);
    return new Action.SetModuleParam(module, param, Args.number(a, "value"));
  }

  private static Action.Invoke invoke(Map<String, Object> a) throws InvalidCommandException {
    String action = Args.string(a, "action", true);
    if (!ActionSpec.NAME.matcher(action).matches()) {
      throw new InvalidCommandException(
          "args.action", "'action' must name a registered action, got '" + action + "'");
    }
    Map<String, Object> rest = new LinkedHashMap<>(a);
    rest.remove("action");
    return new Action.Invoke(action, Collections.unmodifiableMap(rest));
  }

  private static Action.Note note(Map<String, Object> a) throws InvalidCommandException {
    Args.onlyKnown(a, Set.of("text"));
    String text = Args.string(a, "text", true);
    if (text.length() > Action.MAX_NOTE) {
      throw new InvalidCommandException(
          "args.text", "note is " + text.length() + " characters; at most " + Action.MAX_NOTE);
    }
    return new Action.Note(text);
  }
}
