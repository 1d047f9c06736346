// What the console shows, as a pure fold: the run's state (run-state.js, the Java fold's twin) and
// beside it what only the page shows (the agent's decisions and their outcomes, the data sources,
// the pace for the eta, the server's answer about the run). next(prev, event) returns a new state
// and never touches the DOM; the page draws from it once per frame.
import { initial, state } from "./run-state.js";

export const FINAL = new Set(["finished", "stopped", "failed"]);
const DECISIONS = 500;
const OUTCOMES = 1000;
const STEP_TIMES = 101;
const SHOWN_HEALTH = new Set(["agent_fallback", "agent_recovered", "budget_exhausted", "rollback", "recovery_exhausted", "recovery_impossible"]);

/** Before the server has said anything about the run. */
export function initialConsole() {
  return {
    run: { ...initial(), status: "connecting" },
    stepping: false, // metrics since the last status event: the run is running (unless paused or over)
    lr: null, // the learning rate the run last stepped at or was set to
    server: {
      live: false, maxSteps: null, seq: 0,
      // what the workload reports and in which units (a run from before did not say: the language model it was)
      reports: { kind: "language_model", perplexity: true, throughput_unit: "tokens", metrics: [] },
      agent: { mode: "off", model: undefined, budget: null },
    },
    usage: { tokens: 0, cost: 0, fallback: false, budgetOut: false, lastPolicy: null },
    decisions: [], // agent decisions and the health events the agent panel lists
    outcomes: new Map(), // decision id -> what followed it
    data: null, // {weights, sources, valLoss, lastChange}: a run with named data sources
    stepTimes: [], // [step, ms] of the last metrics, for the eta
    evaluating: {}, // command id -> what its history row says while its evaluation runs
  };
}

/** The state after one event; an event already folded (a replay after a reconnect) changes nothing. */
export function next(prev, e) {
  if (typeof e.seq !== "number" || e.seq <= prev.run.lastSeq) return prev;
  const s = { ...prev, run: state(prev.run, e) };
  const p = e.payload || {};
  switch (e.type) {
    case "metrics": return metrics(s, e, p);
    case "eval": return evaluation(s, p);
    case "status": s.stepping = false; break;
    case "knobs": if (p.knobs && typeof p.knobs === "object" && "lr" in p.knobs) s.lr = p.knobs.lr; break;
    case "evaluating":
      // an evaluation a command asked for has started: its row says so until the result comes
      if (Object.hasOwn(s.run.commands, p.command_id)) s.evaluating = { ...s.evaluating, [p.command_id]: p.paused ? "evaluating… (while paused)" : "evaluating…" };
      break;
    case "command_result": return result(s, p);
    case "agent_decision": return decision(s, p);
    case "agent_outcome": {
      const outcomes = new Map(s.outcomes).set(p.decision_id, p);
      if (outcomes.size > OUTCOMES) outcomes.delete(outcomes.keys().next().value);
      s.outcomes = outcomes;
      break;
    }
    case "data": {
      const d = s.data;
      s.data = { ...(d || {}), weights: p.weights || (d && d.weights) || {}, sources: p.sources || (d && d.sources) || [], lastChange: p };
      break;
    }
    case "health": return health(s, e, p);
    default: break;
  }
  return s;
}

function metrics(s, e, p) {
  s.stepping = true;
  if (num(p.lr) !== null) s.lr = p.lr;
  const t = Date.parse(e.time);
  if (Number.isFinite(t)) s.stepTimes = [...s.stepTimes.slice(s.stepTimes.length >= STEP_TIMES ? 1 : 0), [e.step, t]];
  return s;
}

function evaluation(s, p) {
  if (p.sources && typeof p.sources === "object" && s.data) {
    // each data source's own validation loss
    const valLoss = { ...(s.data.valLoss || {}) };
    for (const [name, v] of Object.entries(p.sources)) valLoss[name] = num(v);
    s.data = { ...s.data, valLoss };
  }
  return s;
}

function result(s, p) {
  if (Object.hasOwn(s.evaluating, p.command_id)) {
    const { [p.command_id]: done, ...rest } = s.evaluating;
    s.evaluating = rest;
  }
  if (p.status === "applied" && p.detail && p.detail.lr && typeof p.detail.lr === "object" && "to" in p.detail.lr) s.lr = p.detail.lr.to;
  return s;
}

function decision(s, p) {
  s.decisions = [...s.decisions.slice(s.decisions.length >= DECISIONS ? 1 : 0), p];
  const u = s.usage;
  s.usage = {
    ...u,
    tokens: u.tokens + (p.usage ? (p.usage.input_tokens || 0) + (p.usage.output_tokens || 0) : 0),
    cost: u.cost + (typeof p.cost_usd === "number" ? p.cost_usd : 0),
    lastPolicy: p.policy || u.lastPolicy,
  };
  return s;
}

function health(s, e, p) {
  const u = s.usage;
  if (p.kind === "agent_fallback") s.usage = { ...u, fallback: true };
  if (p.kind === "agent_recovered") s.usage = { ...u, fallback: false };
  if (p.kind === "budget_exhausted") s.usage = { ...u, budgetOut: true };
  if (SHOWN_HEALTH.has(p.kind)) s.decisions = [...s.decisions, { step: e.step, health: p.kind, message: p.message }];
  return s;
}

/**
 * The server's answer about the run (GET /api/runs/{id}): whether this server hosts it, its length,
 * what it reports, its agent. Before any event it also gives the status, knobs and actions. The
 * server folds the agent commands of the whole log: what it says is the agent now, unless the page
 * has already folded later events than the answer.
 */
export function withServer(prev, st) {
  const ag = st.agent || {};
  const server = {
    live: !!st.live, seq: st.last_seq || 0,
    maxSteps: st.max_steps || prev.server.maxSteps,
    reports: st.reports && typeof st.reports === "object" ? st.reports : prev.server.reports,
    agent: { mode: ag.mode || "off", model: ag.model, budget: ag.budget || null },
  };
  let run = prev.run;
  if (run.lastSeq === 0) {
    run = { ...run, status: st.status };
    if (Array.isArray(st.knobs) && st.knobs.length && !run.specs.length) {
      run.specs = st.knobs;
      run.knobs = { ...run.knobs, ...Object.fromEntries(st.knobs.map((k) => [k.name, k.value])) };
    }
    if (Array.isArray(st.actions) && !run.actions.length) run.actions = st.actions;
  }
  const current = server.seq >= run.lastSeq;
  const a = run.agent;
  const policy = ag.policy || (ag.mode && ag.mode !== "off" ? ag.mode : null);
  run = {
    ...run,
    agent: {
      ...a,
      every: ag.every && (current || a.every === null) ? ag.every : a.every,
      enabled: typeof ag.enabled === "boolean" && current ? ag.enabled : a.enabled,
      policy: policy && (current || !a.policy) ? policy : a.policy,
    },
  };
  return { ...prev, run, server };
}

/** The history read has brought everything up to seq: the stream continues from there. */
export function caughtUp(prev, seq) {
  if (!(seq > prev.run.lastSeq)) return prev;
  return { ...prev, run: { ...prev.run, lastSeq: seq } };
}

// ---------- what the page reads of the state ----------

/** The run's status as the page says it: running once it steps, unless paused or over. */
export function statusOf(s) {
  const st = s.run.status;
  return s.stepping && st !== "paused" && !FINAL.has(st) ? "running" : st;
}

/** Commands are refused by a run this server does not host or that is over. */
export function readOnly(s) {
  return !s.server.live || FINAL.has(statusOf(s));
}

/** The step, or null before the first event. */
export function stepOf(s) {
  return s.run.lastSeq === 0 ? null : s.run.step;
}

/** Knob values as the panel shows them: lr is the rate the run steps at (a schedule moves it). */
export function knobValues(s) {
  return s.lr === null ? s.run.knobs : { ...s.run.knobs, lr: s.lr };
}

/** The agent as the agent panel says it: configured, on or off, its cadence, its spend. */
export function agentOf(s) {
  const a = s.run.agent, conf = s.server.agent, u = s.usage;
  return {
    mode: conf.mode, model: conf.model, budget: conf.budget,
    enabled: a.enabled === null ? true : a.enabled, every: a.every, policy: a.policy, words: a.words,
    tokens: u.tokens, cost: u.cost, fallback: u.fallback, budgetOut: u.budgetOut, lastPolicy: u.lastPolicy,
  };
}

const SOURCES = ["human", "agent", "rule", "api"];
const marksMemo = new WeakMap(); // the commands (never edited, only replaced) -> their marks
/** A mark per command: who sent it, where it applied (else where it came in), and how it ended. */
export function marksOf(run) {
  const known = marksMemo.get(run.commands);
  if (known) return known;
  const marks = run.commandOrder.map((id) => {
    const r = run.commands[id], res = r.result;
    return {
      id, source: SOURCES.includes(r.command.source) ? r.command.source : "api",
      status: res ? res.status : "pending", step: res && res.step > 0 ? res.step : r.step, branch: r.branch,
    };
  });
  marksMemo.set(run.commands, marks);
  return marks;
}

export function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
