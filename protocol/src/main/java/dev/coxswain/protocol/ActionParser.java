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
      case SET_KNOBS -> {
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
        yield new Action.SetKnobs(
            Collections.unmodifiableMap(values),
            Collections.unmodifiableMap(options),
            Collections.unmodifiableMap(switches));
      }
      case SCALE_KNOB -> {
        Args.onlyKnown(a, Set.of("knob", "factor"));
        String knob = Args.string(a, "knob", true);
        double factor = Args.number(a, "factor");
        if (!(factor > 0)) {
          throw new InvalidCommandException("args.factor", "factor must be > 0, got " + factor);
        }
        yield new Action.ScaleKnob(knob, factor);
      }
      case SAVE_CHECKPOINT -> {
        Args.onlyKnown(a, Set.of("tag"));
        yield new Action.SaveCheckpoint(Args.name(a, "tag", false));
      }
      case LOAD_CHECKPOINT -> {
        Args.onlyKnown(a, Set.of("checkpoint", "branch"));
        String ckpt = Args.string(a, "checkpoint", true);
        if (ckpt.contains("..") || ckpt.startsWith("/") || ckpt.contains("\\")) {
          throw new InvalidCommandException(
              "args.checkpoint",
              "checkpoint must be an id like main/200 or a tag, got '" + ckpt + "'");
        }
        yield new Action.LoadCheckpoint(ckpt, Args.name(a, "branch", false));
      }
      case PAUSE -> {
        Args.onlyKnown(a, Set.of());
        yield new Action.Pause();
      }
      case RESUME -> {
        Args.onlyKnown(a, Set.of());
        yield new Action.Resume();
      }
      case STOP -> {
        Args.onlyKnown(a, Set.of());
        yield new Action.Stop();
      }
      case EVALUATE -> {
        Args.onlyKnown(a, Set.of());
        yield new Action.Evaluate();
      }
      case LOCK_KNOB -> {
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
        yield new Action.LockKnob(knob, steps);
      }
      case UNLOCK_KNOB -> {
        Args.onlyKnown(a, Set.of("knob"));
        yield new Action.UnlockKnob(Args.string(a, "knob", true));
      }
      case AGENT -> {
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
        yield new Action.Agent(enabled, every, policy);
      }
      case TELL_AGENT -> {
        Args.onlyKnown(a, Set.of("text", "withdraw"));
        if (Boolean.TRUE.equals(a.get("withdraw"))) {
          if (a.get("text") != null) {
            throw new InvalidCommandException(
                "args", "tell_agent takes either text or withdraw: true, not both");
          }
          yield new Action.TellAgent(null);
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
        yield new Action.TellAgent(text);
      }
      case SET_GOAL -> {
        if (Boolean.TRUE.equals(a.get("clear"))) {
          Args.onlyKnown(a, Set.of("clear"));
          yield new Action.SetGoal(null);
        }
        Args.onlyKnown(
            a, Set.of("metric", "direction", "target", "deadline", "patience", "stop_early"));
        yield new Action.SetGoal(Goal.fromMap(a));
      }
      case SET_DATA_MIXTURE -> {
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
        yield new Action.SetDataMixture(Collections.unmodifiableMap(weights));
      }
      case RELOAD_DATA -> {
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
        yield new Action.ReloadData(java.util.List.copyOf(sources), now);
      }
      case RESET_MODULE -> {
        Args.onlyKnown(a, Set.of("module"));
        yield new Action.ResetModule(Args.module(a));
      }
      case SET_MODULE_PARAM -> {
        Args.onlyKnown(a, Set.of("module", "param", "value"));
        String module = Args.module(a);
        String param = Args.string(a, "param", true);
        yield new Action.SetModuleParam(module, param, Args.number(a, "value"));
      }
      case RUN_ACTION -> {
        String action = Args.string(a, "action", true);
        if (!ActionSpec.NAME.matcher(action).matches()) {
          throw new InvalidCommandException(
              "args.action", "'action' must name a registered action, got '" + action + "'");
        }
        Map<String, Object> rest = new LinkedHashMap<>(a);
        rest.remove("action");
        yield new Action.Invoke(action, Collections.unmodifiableMap(rest));
      }
      case NOTE -> {
        Args.onlyKnown(a, Set.of("text"));
        String text = Args.string(a, "text", true);
        if (text.length() > Action.MAX_NOTE) {
          throw new InvalidCommandException(
              "args.text", "note is " + text.length() + " characters; at most " + Action.MAX_NOTE);
        }
        yield new Action.Note(text);
      }
    };
  }
}
