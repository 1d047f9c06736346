package dev.coxswain.protocol.event;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The canonical JSON form of a {@link RunState}: what the shared event fixtures hold, and what the
 * console's reducer (webroot/js/run-state.js) gives for the same events. Evaluations appear as
 * their step and eval_loss, commands as their status.
 */
final class RunStateView {
  private RunStateView() {}

  static Map<String, Object> of(RunState s) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("status", s.status());
    v.put("error", s.error());
    v.put("step", s.step());
    v.put("branch", s.branch());
    v.put("last_seq", s.lastSeq());
    Map<String, Object> bs = new LinkedHashMap<>();
    s.branchList()
        .forEach(
            b -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("parent", b.parent());
              m.put("checkpoint", b.checkpoint());
              m.put("left_at_step", b.leftAtStep());
              m.put("resumes_at_step", b.resumesAtStep());
              bs.put(b.name(), m);
            });
    v.put("branches", bs);
    v.put("knobs", s.knobValues());
    v.put("locks", s.locks());
    if (!s.actions().isEmpty()) {
      // only when the run registered some, so the views of runs from before stay as they were
      v.put("actions", s.actions().stream().map(a -> a.name()).toList());
    }
    v.put("last_loss", s.lastMetrics().map(m -> m.value().loss()).orElse(null));
    v.put("last_eval", evals(s, s::lastEval));
    v.put("best_eval", evals(s, s::bestEval));
    v.put("health", s.lastHealth().map(h -> h.value().kind()).orElse(null));
    v.put("checkpoints", s.checkpoints().stream().map(RunState.CheckpointInfo::id).toList());
    AgentState agent = s.agent();
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("enabled", agent.enabled());
    a.put("every", agent.every());
    a.put("policy", agent.policy());
    a.put("words", agent.words());
    a.put("spent_usd", agent.spentUsd());
    a.put("decisions", agent.decisions());
    v.put("agent", a);
    v.put("goal", s.goal().map(g -> g.metric()).orElse(null));
    Map<String, Object> cs = new LinkedHashMap<>();
    s.commands()
        .forEach(
            r ->
                cs.put(
                    r.command().id(), r.result() == null ? "pending" : r.result().status().wire()));
    v.put("commands", cs);
    return v;
  }

  private static Map<String, Object> evals(
      RunState s, Function<String, Optional<RunState.Stepped<Payload.Eval>>> of) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String b : s.branchNames()) {
      of.apply(b)
          .ifPresent(
              e -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("step", e.step());
                m.put("eval_loss", e.value().evalLoss());
                out.put(b, m);
              });
    }
    return out;
  }
}
