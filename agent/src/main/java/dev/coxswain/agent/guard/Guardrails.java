package dev.coxswain.agent.guard;

import dev.coxswain.agent.policy.Decision;
import dev.coxswain.agent.summary.Summary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks every decision before it becomes a command, and says what it changed: permissions of the
 * prompt, a per-decision factor band (on log knobs), absolute bounds, a knob's type ({@link
 * KnobValues}), a floor under the agent ({@link KnobFloor}), a cooldown between knob changes, knobs
 * a person has locked, and a registered action's permission and fields. Every knob the run
 * registered is checked by its own spec; double and halve act on every learning-rate knob.
 */
public final class Guardrails {

  /**
   * @param minFactor smallest multiplier of a knob in one decision (default 0.5)
   * @param maxFactor largest multiplier (default 2)
   * @param cooldownSteps steps that must pass after a knob change before the next one (0: none)
   * @param permitted actions the prompt allows
   */
  public record Config(
      double minFactor, double maxFactor, long cooldownSteps, Set<String> permitted) {
    public Config {
      if (!(minFactor > 0 && minFactor <= 1 && maxFactor >= 1)) {
        throw new IllegalArgumentException("factor band must satisfy 0 < min <= 1 <= max");
      }
    }

    public static Config lrRecovery() {
      return new Config(0.5, 2.0, 0, Set.of("double", "halve", "keep"));
    }

    public static Config supervisor() {
      return new Config(
          0.5,
          2.0,
          0,
          Set.of(
              "set_knobs",
              "scale_knob",
              "save_checkpoint",
              "load_checkpoint",
              "evaluate",
              "note",
              "set_data_mixture",
              "run_action",
              "keep"));
    }
  }

  /**
   * What to send.
   *
   * @param type command type to send, empty for none (keep)
   * @param args its arguments
   * @param edits what the guardrails changed, in words (empty when nothing)
   */
  public record Outcome(Optional<String> type, Map<String, Object> args, List<String> edits) {}

  /** How far one decision may move any data source's share of the batches (0.25: 25 points). */
  public static final double MAX_SHARE_CHANGE = 0.25;

  private final Config config;
  private final KnobFloor floor;

  /** With the default floor (lr only). */
  public Guardrails(Config config) {
    this(config, KnobFloor.defaults());
  }

  public Guardrails(Config config, KnobFloor floor) {
    this.config = config;
    this.floor = floor;
  }

  public Config config() {
    return config;
  }

  /**
   * @param lastKnobChangeStep step of the agent's last knob change, or -1
   */
  public Outcome apply(Decision d, Summary s, long lastKnobChangeStep) {
    floor.observe(s);
    List<String> edits = new ArrayList<>();
    String action = d.action();
    if (!config.permitted().contains(action)) {
      edits.add("action '" + action + "' is not permitted by this prompt; kept instead");
      return kept(edits);
    }
    switch (action) {
      case "keep" -> {
        return kept(edits);
      }
      case "double", "halve", "scale_knob", "set_knobs" -> {
        Map<String, Double> targets = new LinkedHashMap<>();
        if (!knobTargets(d, s, targets, edits)) {
          return kept(edits);
        }
        return knobChange(targets, s, lastKnobChangeStep, edits);
      }
      case "run_action" -> {
        return KnobValues.action(d, s, edits);
      }
      case "set_data_mixture" -> {
        return mixture(d, s, edits);
      }
      default -> {
        return new Outcome(Optional.of(action), d.args(), edits); // checkpoints, evaluate, note
      }
    }
  }

  private static Outcome kept(List<String> edits) {
    return new Outcome(Optional.empty(), Map.of(), edits);
  }

  /**
   * The values a knob decision asks for, before locks, cooldown and bands.
   *
   * @return false when the decision is kept instead (the reason is in {@code edits})
   */
  private boolean knobTargets(
      Decision d, Summary s, Map<String, Double> targets, List<String> edits) {
    String action = d.action();
    if (action.equals("double") || action.equals("halve")) {
      return learningRates(d, s, action.equals("double") ? 2 : 0.5, targets, edits);
    }
    if (action.equals("scale_knob")) {
      Object k = d.args().get("knob");
      Object f = d.args().get("factor");
      if (!(k instanceof String knob) || !(f instanceof Number factor)) {
        edits.add("scale_knob without a knob name and a numeric factor; kept instead");
        return false;
      }
      Optional<Summary.KnobView> kv = s.knob(knob);
      if (kv.isEmpty()) {
        edits.add("unknown knob '" + knob + "'; kept instead");
        return false;
      }
      if (!kv.get().knob().isLog()) {
        edits.add("knob '" + knob + "' is not on a log scale: it is set, not scaled; kept instead");
        return false;
      }
      targets.put(knob, kv.get().value() * factor.doubleValue());
      return true;
    }
    for (Map.Entry<String, Object> e : d.args().entrySet()) { // set_knobs
      Optional<Summary.KnobView> k = s.knob(e.getKey());
      if (k.isEmpty()) {
        edits.add("dropped unknown knob '" + e.getKey() + "'");
      } else {
        KnobValues.read(k.get().knob(), e.getValue(), edits)
            .ifPresent(v -> targets.put(e.getKey(), v));
      }
    }
    return true;
  }

  /** Knob changes through locks, the cooldown, the factor band, the bounds and the floor. */
  private Outcome knobChange(
      Map<String, Double> targets, Summary s, long lastKnobChangeStep, List<String> edits) {
    if (lastKnobChangeStep >= 0
        && config.cooldownSteps() > 0
        && s.toStep() - lastKnobChangeStep < config.cooldownSteps()) {
      edits.add(
          "cooldown: the last change was at step "
              + lastKnobChangeStep
              + ", fewer than "
              + config.cooldownSteps()
              + " steps ago; kept instead");
      return kept(edits);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : targets.entrySet()) {
      Summary.KnobView k = s.knob(e.getKey()).orElseThrow();
      if (k.locked()) {
        edits.add("knob '" + k.name() + "' is locked by a person; not changed");
        continue;
      }
      double v = banded(k, e.getValue(), edits);
      v = floor.hold(k.name(), k.value(), v, edits);
      if (v != k.value()) {
        floor.changed(k.name(), k.value(), v);
        out.put(k.name(), KnobValues.wire(k.knob(), v));
      }
    }
    if (out.isEmpty()) {
      if (edits.isEmpty()) {
        edits.add("no change left to make");
      }
      return kept(edits);
    }
    return new Outcome(Optional.of("set_knobs"), out, edits);
  }

  /** The factor band (log knobs only), then the knob's bounds; each clamp said in {@code edits}. */
  private double banded(Summary.KnobView k, double want, List<String> edits) {
    double v = want;
    if (k.knob().isLog()) {
      // the factor band: multiplying means something only on a log knob
      double lo = k.value() * config.minFactor();
      double hi = k.value() * config.maxFactor();
      if (v < lo || v > hi) {
        double clamped = Math.max(lo, Math.min(hi, v));
        edits.add(
            String.format(
                Locale.ROOT,
                "%s: %.4g is a factor of %.3g; clamped to %.4g (band %.3g-%.3gx)",
                k.name(),
                v,
                v / k.value(),
                clamped,
                config.minFactor(),
                config.maxFactor()));
        v = clamped;
      }
    }
    if (v < k.min() || v > k.max()) {
      double clamped = Math.max(k.min(), Math.min(k.max(), v));
      edits.add(
          String.format(
              Locale.ROOT,
              "%s: %.4g is outside [%.4g, %.4g]; clamped to %.4g",
              k.name(),
              v,
              k.min(),
              k.max(),
              clamped));
      v = clamped;
    }
    return v;
  }

  /**
   * A mixture change: known sources, finite weights >= 0, not all zero, and no source's share of
   * the batches moved by more than {@link #MAX_SHARE_CHANGE} in one decision (a bigger move is cut
   * back along the same direction, and said).
   */
  private static Outcome mixture(Decision d, Summary s, List<String> edits) {
    Map<String, Double> now = s.mixture();
    if (now.isEmpty()) {
      edits.add("this run has no named data sources; kept instead");
      return kept(edits);
    }
    Object w = d.args().get("weights");
    Map<?, ?> asked = w instanceof Map<?, ?> m ? m : d.args();
    Map<String, Double> next = new LinkedHashMap<>(now);
    for (Map.Entry<?, ?> e : asked.entrySet()) {
      String name = String.valueOf(e.getKey());
      if (!now.containsKey(name)) {
        edits.add("dropped unknown data source '" + name + "'");
      } else if (!(e.getValue() instanceof Number n)
          || !Double.isFinite(n.doubleValue())
          || n.doubleValue() < 0) {
        edits.add("dropped " + name + ": a weight must be a finite number >= 0");
      } else {
        next.put(name, n.doubleValue());
      }
    }
    double before = now.values().stream().mapToDouble(Double::doubleValue).sum();
    double after = next.values().stream().mapToDouble(Double::doubleValue).sum();
    if (!(after > 0) || next.equals(now)) {
      edits.add(after > 0 ? "no change left to make" : "every weight would be zero; kept instead");
      return kept(edits);
    }
    double move = 0;
    for (String k : now.keySet()) {
      move = Math.max(move, Math.abs(next.get(k) / after - now.get(k) / before));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    if (move > MAX_SHARE_CHANGE) {
      double t = MAX_SHARE_CHANGE / move;
      for (String k : now.keySet()) {
        double share = now.get(k) / before;
        out.put(k, share + t * (next.get(k) / after - share));
      }
      edits.add(
          String.format(
              Locale.ROOT,
              "mixture: a source's share would move by %.0f points; cut back to %.0f (as shares)",
              100 * move,
              100 * MAX_SHARE_CHANGE));
    } else {
      out.putAll(next);
    }
    return new Outcome(Optional.of("set_data_mixture"), Map.of("weights", out), edits);
  }

  /**
   * The learning-rate knobs a double or halve acts on (those named in {@code knobs}, else every
   * one), each multiplied by {@code factor}; false (and said) when there is none to act on.
   */
  private static boolean learningRates(
      Decision d, Summary s, double factor, Map<String, Double> targets, List<String> edits) {
    List<Summary.KnobView> lrs = s.learningRates();
    Object named = d.args().get("knobs");
    for (Summary.KnobView k : lrs) {
      if (!(named instanceof List<?> l) || l.contains(k.name())) {
        targets.put(k.name(), k.value() * factor);
      }
    }
    if (named instanceof List<?> l) {
      l.stream()
          .filter(n -> lrs.stream().noneMatch(k -> k.name().equals(n)))
          .forEach(n -> edits.add("'" + n + "' is not a learning-rate knob; left out"));
    }
    if (targets.isEmpty()) {
      edits.add(
          lrs.isEmpty()
              ? "the run has no knob with the learning_rate role; kept instead"
              : "no learning-rate knob named; kept instead");
      return false;
    }
    return true;
  }
}
