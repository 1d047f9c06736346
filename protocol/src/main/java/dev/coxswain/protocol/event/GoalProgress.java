package dev.coxswain.protocol.event;

import dev.coxswain.protocol.Goal;

/** A goal's progress, as an evaluation reports it: the goal's own fields and where it stands. */
public record GoalProgress(
    String metric,
    String direction,
    Double target,
    Long deadline,
    Integer patience,
    boolean stopEarly,
    Double value,
    Double best,
    Long bestStep,
    boolean improved,
    int evalsSinceBest,
    boolean targetMet,
    boolean stalled,
    Long stepsLeft) {
  /** The goal this progress is of. */
  public Goal goal() {
    return new Goal(metric, direction, target, deadline, patience, stopEarly);
  }
}
