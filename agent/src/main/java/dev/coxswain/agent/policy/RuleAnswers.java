package dev.coxswain.agent.policy;

import dev.coxswain.agent.summary.Summary;
import java.util.List;
import java.util.Map;

/** The rule policy's answers: double, halve or keep, on some or all of the learning rates. */
final class RuleAnswers {
  private RuleAnswers() {}

  /** An answer on {@code chosen}; it names them only when they are not every learning rate. */
  static Answer answer(
      String action, String why, List<Summary.KnobView> chosen, List<Summary.KnobView> all) {
    Map<String, Object> args =
        action.equals("keep") || chosen.size() == all.size()
            ? Map.of()
            : Map.of("knobs", chosen.stream().map(Summary.KnobView::name).toList());
    Decision d = action.equals("keep") ? Decision.keep(why) : new Decision(action, args, why);
    return new Answer(d, Usage.NONE, "", "", 1, null);
  }
}
