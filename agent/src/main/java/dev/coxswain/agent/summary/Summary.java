package dev.coxswain.agent.summary;

import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import dev.coxswain.protocol.KnobType;
import java.util.List;
import java.util.Map;

/**
 * What the agent sees of one window of training: recent-biased samples of each series, their
 * statistics, trouble, the knobs with their bounds and locks, and every command since the last
 * decision; and, beside the window, what a person running the training said to the agent ({@code
 * personWords}, empty when nothing) and the agent's memory of its own earlier decisions in the run
 * ({@code memory}, empty when none). {@link #render} covers the window only; a prompt places the
 * other two itself.
 */
public record Summary(
    long fromStep,
    long toStep,
    String branch,
    String status,
    Map<String, Series> series,
    double bestEval,
    long bestEvalStep,
    int spikes,
    int skipped,
    List<KnobView> knobs,
    List<CommandView> commands,
    double previousWindowMeanLoss,
    double bestWindowMeanLoss,
    String personWords,
    String memory,
    GoalView goal,
    Map<String, Double> mixture,
    List<ActionSpec> actions) {

  public Summary {
    actions = actions == null ? List.of() : List.copyOf(actions);
    personWords = personWords == null ? "" : personWords;
    memory = memory == null ? "" : memory;
    mixture =
        mixture == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(mixture));
  }

  /** A window with a person's words and a memory but no goal. */
  public Summary(
      long fromStep,
      long toStep,
      String branch,
      String status,
      Map<String, Series> series,
      double bestEval,
      long bestEvalStep,
      int spikes,
      int skipped,
      List<KnobView> knobs,
      List<CommandView> commands,
      double previousWindowMeanLoss,
      double bestWindowMeanLoss,
      String personWords,
      String memory) {
    this(
        fromStep,
        toStep,
        branch,
        status,
        series,
        bestEval,
        bestEvalStep,
        spikes,
        skipped,
        knobs,
        commands,
        previousWindowMeanLoss,
        bestWindowMeanLoss,
        personWords,
        memory,
        null,
        null,
        null);
  }

  /** A window without a person's words or a memory. */
  public Summary(
      long fromStep,
      long toStep,
      String branch,
      String status,
      Map<String, Series> series,
      double bestEval,
      long bestEvalStep,
      int spikes,
      int skipped,
      List<KnobView> knobs,
      List<CommandView> commands,
      double previousWindowMeanLoss,
      double bestWindowMeanLoss) {
    this(
        fromStep,
        toStep,
        branch,
        status,
        series,
        bestEval,
        bestEvalStep,
        spikes,
        skipped,
        knobs,
        commands,
        previousWindowMeanLoss,
        bestWindowMeanLoss,
        "",
        "");
  }

  /** This window with a person's words and the agent's memory beside it. */
  public Summary withBriefing(String words, String memoryText) {
    return new Summary(
        fromStep,
        toStep,
        branch,
        status,
        series,
        bestEval,
        bestEvalStep,
        spikes,
        skipped,
        knobs,
        commands,
        previousWindowMeanLoss,
        bestWindowMeanLoss,
        words,
        memoryText,
        goal,
        mixture,
        actions);
  }

  /** This window with the run's goal and its progress beside it (null: no goal). */
  public Summary withGoal(GoalView g) {
    return new Summary(
        fromStep,
        toStep,
        branch,
        status,
        series,
        bestEval,
        bestEvalStep,
        spikes,
        skipped,
        knobs,
        commands,
        previousWindowMeanLoss,
        bestWindowMeanLoss,
        personWords,
        memory,
        g,
        mixture,
        actions);
  }

  /** This window with the run's data sources and their weights (empty: no named sources). */
  public Summary withMixture(Map<String, Double> weights) {
    return new Summary(
        fromStep,
        toStep,
        branch,
        status,
        series,
        bestEval,
        bestEvalStep,
        spikes,
        skipped,
        knobs,
        commands,
        previousWindowMeanLoss,
        bestWindowMeanLoss,
        personWords,
        memory,
        goal,
        weights,
        actions);
  }

  /** This window with the actions the run registered (empty: none). */
  public Summary withActions(List<ActionSpec> registered) {
    return new Summary(
        fromStep,
        toStep,
        branch,
        status,
        series,
        bestEval,
        bestEvalStep,
        spikes,
        skipped,
        knobs,
        commands,
        previousWindowMeanLoss,
        bestWindowMeanLoss,
        personWords,
        memory,
        goal,
        mixture,
        registered);
  }

  /**
   * The run's goal as the agent sees it, with its progress at the last evaluation.
   *
   * @param value the metric at the last evaluation, NaN before one
   * @param best the best value so far, NaN before one
   * @param stepsLeft steps until the deadline at the window's end, or null without one
   */
  public record GoalView(
      String metric,
      boolean maximize,
      Double target,
      Long deadline,
      Long stepsLeft,
      double value,
      double best,
      long bestStep,
      int evalsSinceBest,
      boolean targetMet,
      boolean stalled) {

    /** One paragraph for a prompt ({@link WindowText#goal}). */
    public String render() {
      return WindowText.goal(this);
    }
  }

  /** One metric over the window. */
  public record Series(
      List<Point> samples,
      double mean,
      double trendPer100,
      double volatility,
      double last,
      int count) {}

  /** One sampled value. */
  public record Point(long step, double value) {}

  /**
   * A knob as the agent sees it: as the run registered it (type, bounds, scale, unit, role,
   * description), with its value now, and whether a person has locked it.
   */
  public record KnobView(Knob knob, boolean locked) {
    /** A real, linear knob without role (the shape of a knob before knobs had types). */
    public KnobView(String name, double value, double min, double max, boolean locked) {
      this(new Knob(name, KnobType.DOUBLE, value, min, max, ""), locked);
    }

    public String name() {
      return knob.name();
    }

    public double value() {
      return knob.value();
    }

    public double min() {
      return knob.min();
    }

    public double max() {
      return knob.max();
    }

    /**
     * Whether policies may treat it as a learning rate: its role says so, or (a run announced
     * before knobs had roles) it is the real knob named {@code lr} without a role.
     */
    public boolean learningRate() {
      return knob.hasRole(Knob.LEARNING_RATE)
          || (knob.role() == null && knob.name().equals("lr") && knob.type() == KnobType.DOUBLE);
    }
  }

  /** A command since the last decision; human ones are marked. */
  public record CommandView(
      long step,
      String source,
      String type,
      Map<String, Object> args,
      String status,
      String reason) {}

  /** The knobs policies may treat as learning rates ({@link KnobView#learningRate}), in order. */
  public List<KnobView> learningRates() {
    return knobs.stream().filter(KnobView::learningRate).toList();
  }

  /** The knob of that name, if the run has it. */
  public java.util.Optional<KnobView> knob(String name) {
    return knobs.stream().filter(k -> k.name().equals(name)).findFirst();
  }

  /** The first learning-rate knob's value, or NaN when the run has none. */
  public double currentLr() {
    return learningRates().stream().mapToDouble(KnobView::value).findFirst().orElse(Double.NaN);
  }

  /** A compact text form for a prompt ({@link WindowText}). */
  public String render() {
    return WindowText.of(this);
  }
}
