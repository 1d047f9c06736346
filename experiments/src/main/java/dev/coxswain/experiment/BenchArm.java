package dev.coxswain.experiment;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The arms of the scenario benchmark: what steers a run's lr after the trouble. */
public enum BenchArm {
  /** Nothing: the run keeps the lr it was given, trouble and all. */
  NONE("no intervention"),
  /** The best constant lr of the sweep on the tuning seed. */
  CONSTANT("constant lr, tuned"),
  /** Cosine from the best constant lr to zero over the arm's part of the run. */
  COSINE("cosine to 0 from the tuned lr"),
  /** Linear decay from the tuned lr to zero over the arm's part of the run. */
  LINEAR("linear decay to 0 from the tuned lr"),
  /** Reduce on plateau from the tuned lr (x0.5 after 2 evaluations without a new best). */
  PLATEAU("reduce on plateau from the tuned lr"),
  /** From the tuned lr: x1.2 after an evaluation that improved, x0.5 after one that did not. */
  GREEDY("online greedy from the tuned lr"),
  /**
   * Population-based training: 4 members from the tuned lr x0.5, x1, x1.5, x2; at each evaluation
   * the worst takes the best one's checkpoint and its lr x0.8 or x1.25 ({@link PopulationRunner}).
   */
  PBT("population-based training, 4 members from the tuned lr"),
  /** The supervising agent with the rule policy, from the lr the run was given. */
  RULE("agent, rule policy"),
  /**
   * The supervising agent with an LLM policy at an OpenAI-compatible endpoint (o4-mini unless
   * {@code COXSWAIN_AGENT_MODEL} names another), from the lr the run was given; only with {@code
   * OPENAI_API_KEY} set.
   */
  OPENAI("agent, LLM policy (OpenAI-compatible)"),
  /**
   * The {@code openai} arm's decisions of the same seed replayed from its journal at the same
   * steps, no LLM: whether the decisions, not the model's luck, made the run.
   */
  REPLAY("the openai arm's decisions replayed, no LLM"),
  /** One point of the baselines' sweep, on the tuning seed; never reported as an arm. */
  TUNE("tuning sweep point"),
  /**
   * The reference of "back within 2 %": {@code none} without the trouble, one run per reported
   * seed; never reported as an arm and its steps are charged to none.
   */
  UNTROUBLED("none without the trouble");

  private final String label;

  BenchArm(String label) {
    this.label = label;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String label() {
    return label;
  }

  /** Whether the arm's lr comes from the sweep rather than from the scenario's person. */
  public boolean tuned() {
    return this != NONE && !policy() && this != UNTROUBLED;
  }

  /** Whether the arm is a policy (an agent) the benchmark scores against the baselines. */
  public boolean policy() {
    return this == RULE || this == OPENAI || this == REPLAY;
  }

  /** Whether the arm needs an LLM endpoint ({@code OPENAI_API_KEY}): openai, and its replay. */
  public boolean needsLlm() {
    return this == OPENAI || this == REPLAY;
  }

  /**
   * Whether the arm's lr is planned before the run as a function of the step alone (cosine,
   * linear): its moves react to nothing, so none of them counts as a correction.
   */
  public boolean preplanned() {
    return this == COSINE || this == LINEAR;
  }

  /** The arms a person can ask for, in table order. */
  public static List<BenchArm> reported() {
    return List.of(NONE, CONSTANT, COSINE, LINEAR, PLATEAU, GREEDY, PBT, RULE, OPENAI, REPLAY);
  }

  /** The arms run when none are named: all, the LLM's two only with a key. */
  public static List<BenchArm> byDefault(boolean llm) {
    return reported().stream().filter(a -> llm || !a.needsLlm()).toList();
  }

  /** An arm by name, or null. */
  public static BenchArm of(String wire) {
    return Arrays.stream(values())
        .filter(a -> a != TUNE && a != UNTROUBLED && a.wire().equals(wire))
        .findFirst()
        .orElse(null);
  }
}
