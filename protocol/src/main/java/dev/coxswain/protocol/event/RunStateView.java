package dev.coxswain.protocol.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The canonical JSON form of a {@link RunState}: what the shared event fixtures hold, and what the
 * console's reducer (webroot/js/run-state.js) gives for the same events. Evaluations appear as
 * their step and eval_loss, commands as their status. Every field is written, null included; {@code
 * actions} only when the run registered some, so the views of runs from before stay as they were.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record RunStateView(
    String status,
    String error,
    long step,
    String branch,
    long lastSeq,
    Map<String, BranchView> branches,
    Map<String, Double> knobs,
    List<String> locks,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<String> actions,
    Double lastLoss,
    Map<String, EvalView> lastEval,
    Map<String, EvalView> bestEval,
    String health,
    List<String> checkpoints,
    AgentView agent,
    String goal,
    Map<String, String> commands) {

  /** A branch: where it came from. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record BranchView(String parent, String checkpoint, Long leftAtStep, Long resumesAtStep) {}

  /** An evaluation: its step and eval_loss. */
  record EvalView(long step, double evalLoss) {}

  /** The agent as commands and decisions left it. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record AgentView(
      Boolean enabled,
      Integer every,
      String policy,
      String words,
      Double spentUsd,
      int decisions) {}

  static RunStateView of(RunState s) {
    Map<String, BranchView> branches = new LinkedHashMap<>();
    s.branchList()
        .forEach(
            b ->
                branches.put(
                    b.name(),
                    new BranchView(b.parent(), b.checkpoint(), b.leftAtStep(), b.resumesAtStep())));
    AgentState a = s.agent();
    Map<String, String> commands = new LinkedHashMap<>();
    s.commands()
        .forEach(
            r ->
                commands.put(
                    r.command().id(), r.result() == null ? "pending" : r.result().status().wire()));
    return new RunStateView(
        s.status(),
        s.error(),
        s.step(),
        s.branch(),
        s.lastSeq(),
        branches,
        s.knobValues(),
        s.locks(),
        s.actions().isEmpty() ? null : s.actions().stream().map(x -> x.name()).toList(),
        s.lastMetrics().map(m -> m.value().loss()).orElse(null),
        evals(s, s::lastEval),
        evals(s, s::bestEval),
        s.lastHealth().map(h -> h.value().kind()).orElse(null),
        s.checkpoints().stream().map(RunState.CheckpointInfo::id).toList(),
        new AgentView(a.enabled(), a.every(), a.policy(), a.words(), a.spentUsd(), a.decisions()),
        s.goal().map(g -> g.metric()).orElse(null),
        commands);
  }

  private static Map<String, EvalView> evals(
      RunState s, Function<String, Optional<RunState.Stepped<Payload.Eval>>> of) {
    Map<String, EvalView> out = new LinkedHashMap<>();
    for (String b : s.branchNames()) {
      of.apply(b).ifPresent(e -> out.put(b, new EvalView(e.step(), e.value().evalLoss())));
    }
    return out;
  }
}
