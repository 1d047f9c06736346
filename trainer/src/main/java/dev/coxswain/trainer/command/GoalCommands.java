package dev.coxswain.trainer.command;

import dev.coxswain.protocol.Action;
import dev.coxswain.protocol.Command;
import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Goal;
import dev.coxswain.trainer.goal.GoalTracker;
import java.util.Map;
import java.util.Optional;

/**
 * {@code set_goal}: declares, replaces or clears what the run is for. A goal naming a metric the
 * workload does not report, chasing a metric the wrong way, or with a deadline that has passed or
 * lies beyond the last step is rejected with the reason, and the goal in force stays.
 */
public final class GoalCommands {
  private final GoalTracker goals;

  public GoalCommands(GoalTracker goals) {
    this.goals = goals;
  }

  public void registerWith(CommandHandlers handlers) {
    handlers.register(Action.SetGoal.class, this::set);
  }

  private CommandResult set(Command c, Action.SetGoal a, long nextStep) {
    if (a.goal() == null) {
      if (goals.goal().isEmpty()) {
        return CommandResult.rejected(c, nextStep, "there is no goal to clear");
      }
      goals.set(null);
      return CommandResult.applied(c, nextStep, Map.of("cleared", true));
    }
    Optional<String> problem = goals.problem(a.goal(), nextStep - 1);
    if (problem.isPresent()) {
      return CommandResult.rejected(c, nextStep, problem.get());
    }
    Goal g = goals.normalize(a.goal());
    goals.set(g);
    return CommandResult.applied(c, nextStep, Map.of("goal", g.toMap()));
  }
}
