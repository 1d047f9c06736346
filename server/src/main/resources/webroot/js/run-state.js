// The run's state as a pure fold of its events: state(prev, event) returns the next state and never
// touches the DOM. It is the console's twin of the Java fold (dev.coxswain.protocol.event.RunState):
// both are checked against the same fixtures (protocol/src/test/resources/fixtures/events), through
// view(), their common canonical form.

const HISTORY = 10000;
const LOSS_TAIL = 200;

/** The state before any event. */
export function initial() {
  return {
    status: "created", error: null, step: 0, branch: "main", lastSeq: 0, lastEventTime: null,
    branches: { main: { parent: null, checkpoint: null, left_at_step: null, resumes_at_step: null } },
    knobs: {}, specs: [], actions: [], locks: [],
    lastMetrics: null, lossTail: [],
    lastEval: {}, bestEval: {},
    lastHealth: null,
    checkpoints: {},
    commands: {}, commandOrder: [],
    agent: { enabled: null, every: null, policy: null, words: null, spent_usd: null, decisions: 0, last_decision_step: null },
    goal: null,
  };
}

/** The state after one event (events in sequence order). The previous state is left as it was. */
export function state(prev, e) {
  const p = e.payload || {};
  const s = { ...prev, lastSeq: Math.max(prev.lastSeq, e.seq), lastEventTime: e.time, step: e.step };
  if (e.branch != null) {
    s.branch = e.branch;
    if (!(e.branch in s.branches)) {
      s.branches = { ...s.branches, [e.branch]: { parent: null, checkpoint: null, left_at_step: null, resumes_at_step: null } };
    }
  }
  switch (e.type) {
    case "status":
      s.status = p.status;
      s.error = p.status === "failed" ? (p.error ?? null) : null;
      break;
    case "metrics":
      s.lastMetrics = { step: e.step, branch: e.branch, value: p };
      if (typeof p.loss === "number" && Number.isFinite(p.loss)) {
        s.lossTail = prev.lossTail.length >= LOSS_TAIL
          ? [...prev.lossTail.slice(prev.lossTail.length - LOSS_TAIL + 1), p.loss]
          : [...prev.lossTail, p.loss];
      }
      break;
    case "eval": return evaluation(s, e, p);
    case "health": s.lastHealth = { step: e.step, value: p }; break;
    case "knobs":
      if (p.specs) s.specs = p.specs;
      if (p.actions) s.actions = p.actions; // the actions the run registered, announced with its knobs
      if (p.knobs) s.knobs = { ...p.knobs };
      if (p.locks) s.locks = [...p.locks];
      break;
    // where the command came in: a mark on the charts sits there until its result says where it applied
    case "command": return remember(s, { command: p, seq: e.seq, step: e.step, branch: e.branch, result: null });
    case "command_result": return result(s, p);
    case "checkpoint": {
      const cps = { ...s.checkpoints, [p.id]: { id: p.id, branch: e.branch, step: e.step, tag: p.tag ?? null, periodic: !!p.periodic } };
      for (const id of p.pruned || []) delete cps[id];
      s.checkpoints = cps;
      break;
    }
    case "branch":
      s.branches = { ...s.branches, [p.branch]: { parent: p.parent_branch ?? null, checkpoint: p.checkpoint ?? null, left_at_step: p.left_at_step ?? null, resumes_at_step: p.resumes_at_step ?? null } };
      break;
    case "agent_decision":
      s.agent = { ...s.agent, spent_usd: p.budget_spent_usd ?? s.agent.spent_usd, decisions: s.agent.decisions + 1, last_decision_step: p.step };
      break;
    default: break; // notes, data, outcomes, evaluating, heartbeats: history, not state
  }
  return s;
}

function evaluation(s, e, p) {
  const at = { step: e.step, branch: e.branch, value: p };
  s.lastEval = { ...s.lastEval, [e.branch]: at };
  if (p.goal) s.goal = goalOf(p.goal);
  const best = s.bestEval[e.branch];
  if (!best || better(s.goal, p, best.value)) s.bestEval = { ...s.bestEval, [e.branch]: at };
  return s;
}

// the whole goal as the run says it (its best, whether it is met or stalled: the console shows them)
function goalOf(g) {
  return { ...g, metric: g.metric, direction: g.direction ?? null, target: g.target ?? null };
}

function valueOf(ev, name) {
  if (name === "eval_loss") return ev.eval_loss;
  if (name === "perplexity") return ev.perplexity;
  return ev.metrics ? ev.metrics[name] : undefined;
}

// by the goal's metric and direction when there is a goal, else by the lower eval_loss
function better(goal, a, b) {
  const metric = goal ? goal.metric : "eval_loss";
  const va = valueOf(a, metric), vb = valueOf(b, metric);
  if (typeof va !== "number" || !Number.isFinite(va)) return false;
  if (typeof vb !== "number" || !Number.isFinite(vb)) return true;
  return goal && goal.direction === "maximize" ? va > vb : va < vb;
}

function remember(s, record) {
  const id = record.command.id;
  const known = Object.hasOwn(s.commands, id);
  s.commands = { ...s.commands, [id]: record };
  s.commandOrder = known ? s.commandOrder : [...s.commandOrder, id];
  if (s.commandOrder.length > HISTORY) {
    const [oldest, ...rest] = s.commandOrder;
    s.commandOrder = rest;
    const { [oldest]: gone, ...kept } = s.commands;
    s.commands = kept;
  }
  return s;
}

function result(s, r) {
  if (r.status === "applied" && (r.type === "set_knobs" || r.type === "scale_knob") && r.detail) {
    // an applied knob change says {knob: {from, to}}: the values follow it
    const knobs = { ...s.knobs };
    for (const [k, c] of Object.entries(r.detail)) {
      if (k in knobs && c && typeof c.to === "number") knobs[k] = c.to;
    }
    s.knobs = knobs;
  }
  const old = s.commands[r.command_id];
  if (!old) return s; // its command has left the history
  s.commands = { ...s.commands, [r.command_id]: { ...old, result: r } };
  if (r.status !== "applied") return s;
  const c = old.command, a = c.args || {};
  if (c.type === "agent") {
    s.agent = {
      ...s.agent,
      enabled: typeof a.enabled === "boolean" ? a.enabled : s.agent.enabled,
      every: typeof a.every === "number" ? Math.max(1, Math.trunc(a.every)) : s.agent.every,
      policy: typeof a.policy === "string" ? a.policy : s.agent.policy,
    };
  } else if (c.type === "tell_agent") {
    s.agent = { ...s.agent, words: typeof a.text === "string" ? a.text : "" };
  } else if (c.type === "set_goal") {
    // the goal as the run took it (its defaults filled in), else as it was asked for
    const d = r.detail;
    if (d && typeof d === "object" && "goal" in d) s.goal = d.goal && d.goal.metric ? goalOf(d.goal) : null;
    else s.goal = a.metric ? goalOf(a) : null;
  }
  return s;
}

/** Folds a list of events from the initial state. */
export function foldAll(events) {
  return events.reduce(state, initial());
}

/** The canonical form the Java fold's view() also gives: what the shared fixtures hold. */
export function view(s) {
  const evals = (by) => Object.fromEntries(
    Object.entries(by).map(([b, e]) => [b, { step: e.step, eval_loss: e.value.eval_loss }]));
  return {
    status: s.status, error: s.error, step: s.step, branch: s.branch, last_seq: s.lastSeq,
    branches: s.branches,
    knobs: s.knobs, locks: s.locks,
    // only when the run registered some, as the Java view does
    ...(s.actions.length ? { actions: s.actions.map((a) => a.name) } : {}),
    last_loss: s.lastMetrics ? (s.lastMetrics.value.loss ?? null) : null,
    last_eval: evals(s.lastEval), best_eval: evals(s.bestEval),
    health: s.lastHealth ? s.lastHealth.value.kind : null,
    checkpoints: Object.keys(s.checkpoints),
    agent: { enabled: s.agent.enabled, every: s.agent.every, policy: s.agent.policy, words: s.agent.words, spent_usd: s.agent.spent_usd, decisions: s.agent.decisions },
    goal: s.goal ? s.goal.metric : null,
    commands: Object.fromEntries(s.commandOrder.map((id) => [id, s.commands[id].result ? s.commands[id].result.status : "pending"])),
  };
}
