// The charts' data: dense by step, one array per branch and figure (train loss raw and smoothed, lr,
// gradient norm, throughput, validation loss, a workload's own metrics and a loop's own figures).
// Columns, not state: a night's 300,000 steps stay arrays the charts read in place. Written from
// metrics and eval events and from the history read's columns; nothing here touches the DOM.
import { num } from "./console-state.js";

const BRANCH_COLORS = ["#2456d6", "#e08a00", "#1f9d55", "#c2185b", "#00838f", "#6d4c41", "#5e35b1"];
export const VALUE = "value:"; // a loop's own figure's array sits beside the metrics' as value:<name>
const pos = (v) => (typeof v === "number" && v > 0 ? v : null);

/**
 * @param hooks.smoothing () => the smoothing factor in [0, 1)
 * @param hooks.onBranch (b) => a branch's arrays exist: the charts add its series
 * @param hooks.onMetric (name, better, title) => an evaluation metric is named for the first time
 * @param hooks.onValue (name) => a loop's own figure is named for the first time
 */
export function makeSeries(hooks) {
  const store = { x: [], branches: new Map(), dirtyFrom: 0, lastSmoothed: null };

  function branchData(name) {
    let b = store.branches.get(name);
    if (!b) {
      const n = store.x.length;
      const col = BRANCH_COLORS[store.branches.size % BRANCH_COLORS.length];
      const empty = () => new Array(n).fill(null);
      b = { name, color: col, loss: empty(), ema: empty(), lr: empty(), gn: empty(), tps: empty(), ev: empty(), m: {} };
      store.branches.set(name, b);
      hooks.onBranch(b);
    }
    return b;
  }
  function ensureStep(step) {
    const x = store.x;
    while (x.length <= step) {
      x.push(x.length);
      for (const b of store.branches.values()) {
        b.loss.push(null); b.ema.push(null); b.lr.push(null); b.gn.push(null); b.tps.push(null); b.ev.push(null);
        for (const a of Object.values(b.m)) a.push(null);
      }
    }
  }
  function metricArray(b, name) {
    if (!b.m[name]) b.m[name] = new Array(store.x.length).fill(null);
    return b.m[name];
  }
  /** A resumed branch continues from its checkpoint: the steps after it are re-trained, not kept. */
  function forget(branch, fromStep) {
    const b = store.branches.get(branch);
    if (!b) return;
    clearAfter(b, fromStep);
    store.dirtyFrom = Math.min(store.dirtyFrom, fromStep + 1);
  }
  /** The smoothing changed: every branch's smoothed loss again, from its start. */
  function recomputeEma() {
    store.dirtyFrom = 0;
    const a = hooks.smoothing();
    for (const b of store.branches.values()) smoothAll(b, a);
  }

  function addMetrics(e) {
    const p = e.payload || {};
    const b = branchData(e.branch);
    ensureStep(e.step);
    const loss = num(p.loss);
    store.dirtyFrom = Math.min(store.dirtyFrom, e.step);
    b.loss[e.step] = loss; b.lr[e.step] = pos(p.lr); b.gn[e.step] = pos(p.grad_norm); b.tps[e.step] = num(p.tokens_per_s);
    b.ema[e.step] = emaAt(b, e.step, loss, hooks.smoothing());
    if (loss !== null) store.lastSmoothed = b.ema[e.step];
    if (p.values && typeof p.values === "object") {
      for (const [name, v] of Object.entries(p.values)) { hooks.onValue(name); metricArray(b, VALUE + name)[e.step] = num(v); }
    }
  }
  function addEval(e) {
    const p = e.payload || {};
    const b = branchData(e.branch);
    ensureStep(e.step);
    store.dirtyFrom = Math.min(store.dirtyFrom, e.step);
    b.ev[e.step] = num(p.eval_loss);
    if (p.sources && typeof p.sources === "object") {
      // each data source's own validation loss, a chart per source
      for (const [name, v] of Object.entries(p.sources)) {
        hooks.onMetric("source-" + name, "lower", "validation loss on source " + name);
        metricArray(b, "source-" + name)[e.step] = num(v);
      }
    }
    if (p.metrics && typeof p.metrics === "object") {
      for (const [name, v] of Object.entries(p.metrics)) {
        hooks.onMetric(name, p.better && p.better[name]);
        metricArray(b, name)[e.step] = num(v);
      }
    }
  }

  /** One branch's metrics as the history read gives them: its steps and a column per figure. */
  function addColumns(br) {
    const b = branchData(br.name), st = br.steps, m = br.metrics;
    if (!st.length) return;
    ensureStep(st[st.length - 1]);
    const col = (name) => m[name] || [];
    const loss = col("loss"), lr = col("lr"), gn = col("grad_norm"), tps = col("tokens_per_s");
    for (let i = 0; i < st.length; i++) {
      const s = st[i];
      b.loss[s] = num(loss[i]); b.lr[s] = pos(lr[i]); b.gn[s] = pos(gn[i]); b.tps[s] = num(tps[i]);
    }
    for (const [name, vs] of Object.entries(m)) {
      if (!name.startsWith("values.")) continue;
      const own = name.slice("values.".length);
      hooks.onValue(own);
      const a = metricArray(b, VALUE + own);
      for (let i = 0; i < st.length; i++) a[st[i]] = num(vs[i]);
    }
  }

  return { store, metricArray, forget, recomputeEma, addMetrics, addEval, addColumns };
}

function clearAfter(b, fromStep) {
  for (const a of [b.loss, b.ema, b.lr, b.gn, b.tps, b.ev, ...Object.values(b.m)]) {
    for (let s = fromStep + 1; s < a.length; s++) a[s] = null;
  }
}

/** The smoothed loss at a step: from the last smoothed value within 50 steps before it. */
function emaAt(b, step, loss, a) {
  let prev = null;
  for (let s = step - 1; s >= 0 && s >= step - 50; s--) { if (b.ema[s] !== null) { prev = b.ema[s]; break; } }
  if (loss === null) return prev;
  return prev === null ? loss : a * prev + (1 - a) * loss;
}

function smoothAll(b, a) {
  let prev = null;
  for (let s = 0; s < b.loss.length; s++) {
    const v = b.loss[s];
    if (v !== null) prev = prev === null ? v : a * prev + (1 - a) * v;
    b.ema[s] = v === null && prev !== null && b.lr[s] === null ? null : prev;
  }
}
