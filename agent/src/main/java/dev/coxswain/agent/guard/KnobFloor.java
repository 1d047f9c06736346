package dev.coxswain.agent.guard;

import dev.coxswain.agent.policy.RulePolicy;
import dev.coxswain.agent.summary.Summary;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A floor under the agent: a value below which the agent may not take a knob. A decision that would
 * go below it is clamped to the floor; one that finds the knob at or below the floor already is
 * refused. It applies to the agent's (and the rule's) decisions only: a person's commands never
 * pass the guardrails, so a person can still set a knob lower.
 *
 * <p>A floor comes from the run's configuration ({@code knobs: {lr: {agent_floor: 1e-6}}}, any
 * knob), else, for each knob with the learning_rate role (each on its own), a default: 1/{@link
 * #DEFAULT_LR_DIVISOR} of the lowest value the run has trained well at. A window trained well when
 * the rule policy judges it so ({@link RulePolicy#trainedWell}: no trouble, and a loss below the
 * previous window's). An lr the agent itself lowered the knob to does not count: otherwise every
 * halving that the run survives would carry the floor down with it, and a loop of halvings would
 * never meet it. Until the run has trained well at some lr, the lr of the first window seen stands
 * in for it.
 *
 * <p>Not thread-safe: the agent's own thread judges windows and decisions.
 */
public final class KnobFloor {
  /** The default floor of lr is the lowest lr the run trained well at divided by this. */
  public static final double DEFAULT_LR_DIVISOR = 1000;

  private final Map<String, Double> configured;
  private final Map<String, Lr> lrs = new HashMap<>();

  /** What the default floor of one learning-rate knob rests on. */
  private static final class Lr {
    double lowestGood = Double.NaN;
    double first = Double.NaN;
    double agentLowered = Double.NaN;
  }

  /**
   * @param configured floors from the run's configuration, by knob name (each finite and > 0)
   * @throws IllegalArgumentException naming a floor that is not a finite number > 0
   */
  public KnobFloor(Map<String, Double> configured) {
    for (Map.Entry<String, Double> e : configured.entrySet()) {
      Double v = e.getValue();
      if (v == null || !Double.isFinite(v) || v <= 0) {
        throw new IllegalArgumentException(
            "knobs." + e.getKey() + ".agent_floor must be a number > 0, got " + v);
      }
    }
    this.configured = Map.copyOf(configured);
  }

  /** Only the default floor of lr. */
  public static KnobFloor defaults() {
    return new KnobFloor(Map.of());
  }

  /**
   * Judges a window (before the decision on it): did it train well, and at which value of each
   * learning-rate knob.
   */
  public void observe(Summary window) {
    boolean good = RulePolicy.trainedWell(window);
    for (Summary.KnobView k : window.learningRates()) {
      double lr = k.value();
      if (!(Double.isFinite(lr) && lr > 0)) {
        continue;
      }
      Lr st = lrs.computeIfAbsent(k.name(), n -> new Lr());
      if (Double.isNaN(st.first)) {
        st.first = lr;
      }
      if (lr != st.agentLowered && good) {
        st.lowestGood = Double.isNaN(st.lowestGood) ? lr : Math.min(st.lowestGood, lr);
      }
    }
  }

  /** The knob's floor now, if it has one. */
  public OptionalDouble floor(String knob) {
    Double c = configured.get(knob);
    if (c != null) {
      return OptionalDouble.of(c);
    }
    Lr st = lrs.get(knob);
    if (st == null) {
      return OptionalDouble.empty();
    }
    double base = Double.isFinite(st.lowestGood) ? st.lowestGood : st.first;
    return Double.isFinite(base)
        ? OptionalDouble.of(base / DEFAULT_LR_DIVISOR)
        : OptionalDouble.empty();
  }

  /**
   * Holds the agent's wish for a knob to its floor, saying so in {@code edits}.
   *
   * @param current the knob's value now
   * @param want the value the decision asks for (after the other guardrails)
   * @return the value to set: {@code want}, the floor, or {@code current} (no change)
   */
  double hold(String knob, double current, double want, List<String> edits) {
    OptionalDouble f = floor(knob);
    if (want >= current || f.isEmpty() || want >= f.getAsDouble()) {
      return want;
    }
    double floor = f.getAsDouble();
    String head =
        knob + " floor " + num(floor) + " (" + basis(knob) + "): " + num(want) + " is below it";
    if (current > floor) {
      edits.add(head + "; clamped to the floor");
      return floor;
    }
    edits.add(head + "; " + knob + " is " + num(current) + ", at the floor already; kept instead");
    return current;
  }

  /** Remembers a change the agent is about to send, so its own lowering never counts as good. */
  void changed(String knob, double from, double to) {
    Lr st = lrs.get(knob);
    if (st != null && to < from) {
      st.agentLowered = to;
    }
  }

  private String basis(String knob) {
    if (configured.containsKey(knob)) {
      return "knobs." + knob + ".agent_floor of the run";
    }
    Lr st = lrs.get(knob);
    if (Double.isFinite(st.lowestGood)) {
      return "1/1000 of "
          + num(st.lowestGood)
          + ", the lowest "
          + knob
          + " the run trained well at";
    }
    return "1/1000 of "
        + num(st.first)
        + ", its first "
        + knob
        + ": it has not trained well at any yet";
  }

  /** Three significant digits, no trailing zeros: 0.001, 5e-5, 0.000123 (for people). */
  static String num(double v) {
    return new BigDecimal(v)
        .round(new MathContext(3))
        .stripTrailingZeros()
        .toString()
        .toLowerCase(Locale.ROOT);
  }
}
