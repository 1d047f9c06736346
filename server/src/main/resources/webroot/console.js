// Coxswain web console: one run, live. Plain JavaScript modules and the vendored uPlot; no build step.
// Everything on the page is derived from the run's event stream (replayed from seq 0, then live),
// so a reload, a reconnect or a finished run all show the same thing.
import { $, describeArgs, fmt, fmtDuration, h, text } from "./js/format.js";
import { makeActionPanel } from "./js/action-panel.js";
import { makeDataPanel } from "./js/data-panel.js";
import { knobValueText, makeKnobPanel } from "./js/knob-panel.js";
import { makeModelPanel } from "./js/model-panel.js";
(function () {
  "use strict";

  const TOKEN_KEY = "coxswain.token";
  const DRAW_EVERY_MS = 250;
  const BRANCH_COLORS = ["#2456d6", "#e08a00", "#1f9d55", "#c2185b", "#00838f", "#6d4c41", "#5e35b1"];
  const SOURCES = ["human", "agent", "rule", "api"];
  const FINAL = new Set(["finished", "stopped", "failed"]);

  // ---------- state ----------

  const S = {
    runId: null, token: sessionStorage.getItem(TOKEN_KEY), live: false, connected: false,
    lastSeq: 0, status: "connecting", step: null, branch: "main", maxSteps: null,
    lastLoss: null, lastEval: {}, stepTimes: [], // lastEval: branch -> its last evaluation
    // what the workload reports and in which units (GET /api/runs/{id} says; a run from before did
    // not say: the language model it was)
    reports: { kind: "language_model", perplexity: true, throughput_unit: "tokens", metrics: [] },
    specs: [], values: {}, locks: new Set(), actions: [], // the run's registered knobs and actions
    commands: new Map(), // id -> {cmd, seq, step, result}
    errTargets: new Map(), // command id -> element that shows its rejection
    data: null, // {weights, sources, lastChange}: a run with named data sources
    decisions: [], outcomes: new Map(), goal: null, agent: { mode: "off", enabled: true, every: null, policy: null, fallback: false, budgetOut: false,
      tokens: 0, cost: 0, spent: 0, budget: null },
    checkpoints: [],
  };
  const stats = { events: 0, draws: 0, openMs: null, historySeq: null, streamed: 0, drawMs: [], updateMs: [], firstUndrawn: null, inflight: 0, sent: 0, suppressed: 0, lastSent: null };
  const errors = []; // script errors on this page, for the browser tests
  window.addEventListener("error", (ev) => errors.push(String(ev.message) + " at " + ev.lineno + ":" + ev.colno));
  window.addEventListener("unhandledrejection", (ev) => errors.push("unhandled: " + String(ev.reason && ev.reason.stack || ev.reason)));

  // ---------- series store: dense by step, one array per branch and metric ----------

  const store = { x: [], branches: new Map() }; // branch -> {idx, color, loss, ema, lr, gn, tps, ev, emaOf}
  function branchData(name) {
    let b = store.branches.get(name);
    if (!b) {
      const n = store.x.length;
      const col = BRANCH_COLORS[store.branches.size % BRANCH_COLORS.length];
      b = { name, color: col, loss: new Array(n).fill(null), ema: new Array(n).fill(null), lr: new Array(n).fill(null),
        gn: new Array(n).fill(null), tps: new Array(n).fill(null), ev: new Array(n).fill(null), m: {} };
      store.branches.set(name, b);
      charts.forEach((c) => c.addBranch(b));
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
  /** A resumed branch continues from its checkpoint: the steps after it are re-trained, not kept. */
  function forget(branch, fromStep) {
    const b = store.branches.get(branch);
    if (!b) return;
    for (const a of [b.loss, b.ema, b.lr, b.gn, b.tps, b.ev, ...Object.values(b.m)]) {
      for (let s = fromStep + 1; s < a.length; s++) a[s] = null;
    }
    store.dirtyFrom = Math.min(store.dirtyFrom, fromStep + 1);
  }
  function smoothing() { return Number($("smoothing").value); }
  function emaAt(b, step, loss) {
    let prev = null;
    for (let s = step - 1; s >= 0 && s >= step - 50; s--) { if (b.ema[s] !== null) { prev = b.ema[s]; break; } }
    if (loss === null) return prev;
    const a = smoothing();
    return prev === null ? loss : a * prev + (1 - a) * loss;
  }
  function recomputeEma() {
    store.dirtyFrom = 0;
    for (const b of store.branches.values()) {
      let prev = null;
      const a = smoothing();
      for (let s = 0; s < b.loss.length; s++) {
        const v = b.loss[s];
        if (v !== null) prev = prev === null ? v : a * prev + (1 - a) * v;
        b.ema[s] = v === null && prev !== null && b.lr[s] === null ? null : prev;
      }
    }
    scheduleDraw();
  }
  const pos = (v) => (typeof v === "number" && v > 0 ? v : null);
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

  // ---------- charts ----------

  const charts = [];
  function makeChart(id, title, opts) {
    const el = $(id);
    const c = { el, title, opts, zoomed: false, u: null, marks: new Map(), layer: null, series: [] };
    const yScale = opts.log ? { distr: 3 } : {};
    const axes = [
      { values: (u, vals) => vals.map((v) => fmt(v)), size: 28 },
      { values: (u, vals) => vals.map((v) => fmt(v, 3)), size: 58 },
    ];
    if (opts.rightAxis) axes.push(opts.rightAxis);
    c.u = new uPlot({
      title, width: Math.max(300, el.clientWidth - 12), height: opts.height || 190,
      scales: { x: { time: false }, y: yScale },
      series: [{ label: "step", value: (u, v) => (v === null ? "–" : String(v)) }],
      axes, legend: { show: true, live: true },
      cursor: { sync: { key: "coxswain" }, drag: { x: true, y: false } },
      hooks: {
        draw: [() => placeMarks(c)],
        setSelect: [(u) => { if (u.select.width > 0) { c.zoomed = true; scheduleDraw(); } }],
      },
    }, [store.x], el);
    c.layer = h("div", { class: "marks" });
    c.u.over.append(c.layer);
    c.addBranch = (b) => {
      for (const s of opts.series(b)) {
        c.series.push(s.data);
        // points: uPlot's default shows them only where they are sparse enough to see
        c.u.addSeries(Object.assign({ spanGaps: !!s.spanGaps }, s.points ? {} : { points: { show: false } }, s.opts), c.series.length);
      }
      c.u.setData(c.data(), !c.zoomed); // uPlot must never draw a series without its data
    };
    c.data = () => view(c);
    c.u.over.addEventListener("dblclick", () => { c.zoomed = false; scheduleDraw(); });
    charts.push(c);
    return c;
  }

  function buildCharts() {
    makeChart("chart-loss", "train loss (raw and smoothed)", {
      series: (b) => [
        { data: () => b.loss, opts: { label: b.name + " raw", stroke: b.color + "55", width: 1, value: (u, v) => fmt(v) } },
        { data: () => b.ema, opts: { label: b.name + " smoothed", stroke: b.color, width: 2, value: (u, v) => fmt(v) } },
      ],
    });
    makeChart("chart-eval", "validation loss (left) and perplexity (right)", {
      series: (b) => [
        { data: () => b.ev, spanGaps: true, points: true,
          opts: { label: b.name + " val loss", stroke: b.color, width: 2,
            value: (u, v) => (v === null ? "–" : fmt(v) + (S.reports.perplexity ? " (ppl " + fmt(Math.exp(v)) + ")" : "")) } },
      ],
      // perplexity on the right for a language model; nothing there for other workloads
      rightAxis: { side: 1, scale: "y", grid: { show: false }, size: 58,
        values: (u, vals) => vals.map((v) => (S.reports.perplexity ? fmt(Math.exp(v), 3) : "")) },
    });
    makeChart("chart-lr", "learning rate (log scale)", {
      log: true, height: 150,
      series: (b) => [{ data: () => b.lr, opts: { label: b.name + " lr", stroke: b.color, width: 2, value: (u, v) => fmt(v) } }],
    });
    makeChart("chart-grad", "gradient norm (log scale, before clipping)", {
      log: true, height: 150,
      series: (b) => [{ data: () => b.gn, opts: { label: b.name + " grad norm", stroke: b.color, width: 1, value: (u, v) => fmt(v) } }],
    });
    makeChart("chart-tps", "throughput (tokens/s)", {
      height: 130,
      series: (b) => [{ data: () => b.tps, opts: { label: b.name + " " + rateUnit(), stroke: b.color, width: 1, value: (u, v) => fmt(v) } }],
    });
    new ResizeObserver(resizeCharts).observe($("charts"));
  }
  function resizeCharts() {
    for (const c of charts) {
      const w = Math.max(300, c.el.clientWidth - 12);
      if (Math.abs(w - c.u.width) > 2) c.u.setSize({ width: w, height: c.u.height });
    }
  }

  // A workload's own evaluation metrics (accuracy, F1, ...): a chart each, made when the first
  // evaluation names it, placed after the validation loss.
  const metricCharts = new Map(); // name -> chart
  function metricArray(b, name) {
    if (!b.m[name]) b.m[name] = new Array(store.x.length).fill(null);
    return b.m[name];
  }
  function metricChart(name, better, title) {
    if (metricCharts.has(name)) return;
    const el = h("div", { class: "chart metric-chart", id: "chart-metric-" + name, "data-metric": name });
    const after = [...metricCharts.values()].pop();
    (after ? after.el : $("chart-eval")).after(el);
    const dir = better === "lower" ? "lower" : better === "higher" ? "higher" : null;
    const c = makeChart(el.id, (title || "validation " + name) + (dir ? " (" + dir + " is better)" : ""), {
      height: 150,
      series: (b) => [{ data: () => metricArray(b, name), spanGaps: true, points: true,
        opts: { label: b.name + " " + name, stroke: b.color, width: 2, value: (u, v) => (v === null ? "–" : fmt(v, 4)) } }],
    });
    for (const b of store.branches.values()) c.addBranch(b);
    metricCharts.set(name, c);
  }

  // A loop's own named figures per step (a GAN's two losses, say): a chart each, made when the
  // first metrics name it, placed after the train loss. Their arrays sit beside the metrics' own.
  const VALUE = "value:";
  const valueCharts = new Map(); // name -> chart
  function valueChart(name) {
    if (valueCharts.has(name)) return;
    const el = h("div", { class: "chart value-chart", id: "chart-value-" + name, "data-value": name });
    const after = [...valueCharts.values()].pop();
    (after ? after.el : $("chart-loss")).after(el);
    const c = makeChart(el.id, name + " (the run's own figure)", {
      height: 150,
      series: (b) => [{ data: () => metricArray(b, VALUE + name), opts: { label: b.name + " " + name, stroke: b.color, width: 1, value: (u, v) => fmt(v) } }],
    });
    for (const b of store.branches.values()) c.addBranch(b);
    valueCharts.set(name, c);
  }

  // What uPlot gets. Up to DECIMATE_ABOVE steps, the arrays themselves. Beyond, min and max of
  // each series over buckets of B steps (B a power of two, at most MAX_BUCKETS buckets), so a draw
  // costs the same at 300,000 steps as at 8,000; spikes survive as the bucket's max. Only buckets at
  // or after the first step written since the last draw are recomputed. A zoom on a narrow range
  // gets the full-resolution slice of that range.
  const DECIMATE_ABOVE = 8192;
  const MAX_BUCKETS = 2048;
  store.dirtyFrom = 0;
  function view(c) {
    const n = store.x.length;
    const series = c.series.map((f) => f());
    if (c.zoomed) {
      const lo = Math.max(0, Math.floor(c.u.scales.x.min) - 1), hi = Math.min(n, Math.ceil(c.u.scales.x.max) + 2);
      if (hi - lo <= DECIMATE_ABOVE) return [store.x.slice(lo, hi), ...series.map((a) => a.slice(lo, hi))];
    }
    if (n <= DECIMATE_ABOVE) { c.cache = null; return [store.x, ...series]; }
    let B = 1;
    while (Math.ceil(n / B) > MAX_BUCKETS) B *= 2;
    let k = c.cache;
    let from = 0;
    if (!k || k.B !== B || k.ns !== series.length) {
      k = c.cache = { B, ns: series.length, x: [], ys: series.map(() => []), n: 0 };
    } else {
      from = Math.floor(Math.min(store.dirtyFrom, k.n) / B);
    }
    const nb = Math.ceil(n / B);
    for (let i = from; i < nb; i++) {
      const lo = i * B, hi = Math.min(n, lo + B);
      k.x[2 * i] = lo;
      k.x[2 * i + 1] = hi - lo > 1 ? lo + (hi - lo) / 2 : lo + 0.5;
      for (let j = 0; j < series.length; j++) {
        const a = series[j];
        let mn = null, mx = null, imn = 0, imx = 0;
        for (let t = lo; t < hi; t++) {
          const v = a[t];
          if (v === null) continue;
          if (mn === null || v < mn) { mn = v; imn = t; }
          if (mx === null || v > mx) { mx = v; imx = t; }
        }
        const y = k.ys[j];
        // in the order they happened, so the line goes through the extremes as the run did
        if (imn <= imx) { y[2 * i] = mn; y[2 * i + 1] = mx; } else { y[2 * i] = mx; y[2 * i + 1] = mn; }
      }
    }
    k.x.length = 2 * nb;
    for (const y of k.ys) y.length = 2 * nb;
    k.n = n;
    return [k.x, ...k.ys];
  }

  let drawTimer = null;
  let lastDraw = 0;
  function scheduleDraw() {
    if (stats.firstUndrawn === null) stats.firstUndrawn = performance.now();
    if (drawTimer !== null) return;
    // while replaying a long history, draw once a second: the history is not news
    const every = S.lastSeq < S.replayTo ? 1000 : DRAW_EVERY_MS;
    const wait = Math.max(0, lastDraw + every - performance.now());
    drawTimer = setTimeout(() => requestAnimationFrame(draw), wait);
  }
  function draw() {
    drawTimer = null;
    const t0 = performance.now();
    for (const c of charts) {
      c.u.batch(() => c.u.setData(c.data(), !c.zoomed));
    }
    store.dirtyFrom = Infinity;
    renderPanels();
    const t1 = performance.now();
    lastDraw = t1;
    stats.draws++;
    pushStat(stats.drawMs, t1 - t0);
    if (stats.firstUndrawn !== null) { pushStat(stats.updateMs, t1 - stats.firstUndrawn); stats.firstUndrawn = null; }
    // what is on screen, for the benchmark and the browser tests: the last event drawn, and when
    // the run's history (everything up to the seq it had when the page opened) was first drawn
    document.body.dataset.drawnSeq = S.lastSeq;
    if (stats.openMs === null && S.replayTo !== undefined && S.lastSeq >= S.replayTo) stats.openMs = t1;
  }
  function pushStat(a, v) { a.push(v); if (a.length > 2000) a.shift(); }

  // ---------- intervention marks ----------

  const marks = new Map(); // command id -> mark
  function markFor(id) {
    const r = S.commands.get(id);
    if (!r) return null;
    let m = marks.get(id);
    if (!m) { m = { id }; marks.set(id, m); }
    const res = r.result;
    m.source = SOURCES.includes(r.cmd.source) ? r.cmd.source : "api";
    m.status = res ? res.status : "pending";
    m.step = res && res.step > 0 ? res.step : r.step;
    m.branch = r.branch;
    return m;
  }
  function markText(id) {
    const r = S.commands.get(id);
    if (!r) return "";
    const c = r.cmd, res = r.result;
    let s = "[" + c.source + "] " + c.type + " " + describeArgs(c.type, c.args) + "\n";
    if (!res) s += r.running || "pending (received at step " + r.step + ")";
    else if (res.status === "applied") s += "applied from step " + res.step + detailText(res.detail);
    else s += res.status + ": " + (res.reason || res.error || "");
    if (c.reason) s += "\nreason: " + c.reason;
    const d = S.decisions.find((x) => x.command_id === id);
    if (d && d.decision && d.decision.rationale && d.decision.rationale !== c.reason) s += "\nagent: " + d.decision.rationale;
    return s;
  }
  function detailText(d) {
    if (!d || typeof d !== "object") return "";
    const parts = [];
    for (const [k, v] of Object.entries(d)) {
      if (v && typeof v === "object" && "from" in v && "to" in v) {
        const spec = S.specs.find((x) => x.name === k); // a boolean as on/off, a choice by name
        const say = (x) => (spec && typeof x === "number" ? knobValueText(spec, x) : fmt(x));
        parts.push(k + " " + say(v.from) + " → " + say(v.to));
      }
      else if (k === "checkpoint" && typeof v === "string") parts.push("checkpoint " + v);
    }
    return parts.length ? " (" + parts.join(", ") + ")" : "";
  }
  // Writes to a mark's element only what changed: with hundreds of marks on five charts, untouched
  // elements cost no style work, and the width comes from uPlot (no forced layout).
  function placeMarks(c) {
    const u = c.u;
    const width = u.bbox.width / (window.devicePixelRatio || 1);
    const seen = new Set();
    const taken = new Map(); // pixel -> marks already there: several at one step sit side by side
    for (const m of marks.values()) {
      seen.add(m.id);
      let el = c.marks.get(m.id);
      if (!el) {
        el = h("div", { class: "mark", "data-command-id": m.id });
        el.addEventListener("mouseenter", (ev) => showTip(ev, markText(m.id)));
        el.addEventListener("mousemove", moveTip);
        el.addEventListener("mouseleave", hideTip);
        c.layer.append(el);
        c.marks.set(m.id, el);
      }
      const cls = "mark " + m.source;
      if (el._cls !== cls) { el.className = cls; el._cls = cls; }
      if (el._status !== m.status) { el.dataset.status = m.status; el._status = m.status; }
      if (el._step !== m.step) { el.dataset.step = m.step; el._step = m.step; }
      const x = store.x.length ? u.valToPos(m.step, "x") : -1;
      const shown = x >= 0 && x <= width;
      if (el._shown !== shown) { el.style.display = shown ? "" : "none"; el._shown = shown; }
      if (!shown) continue;
      const px = Math.round(x);
      const k = taken.get(px) || 0;
      taken.set(px, k + 1);
      const left = Math.round((x + 3 * k) * 2) / 2;
      if (el._left !== left) { el.style.transform = "translateX(" + left + "px)"; el._left = left; }
    }
    for (const [id, el] of c.marks) if (!seen.has(id)) { el.remove(); c.marks.delete(id); }
  }
  const tip = () => $("tip");
  function showTip(ev, s) { const t = tip(); t.textContent = s; t.hidden = false; moveTip(ev); }
  function moveTip(ev) {
    const t = tip();
    const x = Math.min(ev.clientX + 14, window.innerWidth - t.offsetWidth - 8);
    t.style.left = x + "px"; t.style.top = ev.clientY + 14 + "px";
  }
  function hideTip() { tip().hidden = true; }

  // ---------- events ----------

  function apply(e) {
    if (typeof e.seq !== "number" || e.seq <= S.lastSeq) return; // replays after a reconnect: once only
    S.lastSeq = e.seq;
    stats.events++;
    const p = e.payload || {};
    switch (e.type) {
      case "metrics": {
        const b = branchData(e.branch);
        ensureStep(e.step);
        const loss = num(p.loss);
        store.dirtyFrom = Math.min(store.dirtyFrom, e.step);
        b.loss[e.step] = loss; b.lr[e.step] = pos(p.lr); b.gn[e.step] = pos(p.grad_norm); b.tps[e.step] = num(p.tokens_per_s);
        b.ema[e.step] = emaAt(b, e.step, loss);
        S.step = e.step; S.branch = e.branch;
        if (loss !== null) S.lastLoss = b.ema[e.step];
        if (num(p.lr) !== null) S.values.lr = p.lr;
        if (p.values && typeof p.values === "object") {
          for (const [name, v] of Object.entries(p.values)) { valueChart(name); metricArray(b, VALUE + name)[e.step] = num(v); }
        }
        const t = Date.parse(e.time);
        if (Number.isFinite(t)) { S.stepTimes.push([e.step, t]); if (S.stepTimes.length > 101) S.stepTimes.shift(); }
        if (S.status !== "paused" && !FINAL.has(S.status)) S.status = "running";
        break;
      }
      case "eval": {
        const b = branchData(e.branch);
        ensureStep(e.step);
        store.dirtyFrom = Math.min(store.dirtyFrom, e.step);
        b.ev[e.step] = num(p.eval_loss);
        S.lastEval[e.branch] = p; // the status bar shows the live branch's own
        if (p.goal && typeof p.goal === "object") S.goal = p.goal;
        if (p.sources && typeof p.sources === "object") {
          // each data source's own validation loss, a chart per source
          for (const [name, v] of Object.entries(p.sources)) {
            metricChart("source-" + name, "lower", "validation loss on source " + name);
            metricArray(b, "source-" + name)[e.step] = num(v);
            if (S.data) S.data.valLoss = Object.assign(S.data.valLoss || {}, { [name]: num(v) });
          }
        }
        if (p.metrics && typeof p.metrics === "object") {
          for (const [name, v] of Object.entries(p.metrics)) {
            metricChart(name, p.better && p.better[name]);
            metricArray(b, name)[e.step] = num(v);
          }
        }
        break;
      }
      case "knobs":
        if (Array.isArray(p.specs)) { S.specs = p.specs; knobsDirty = true; }
        if (Array.isArray(p.actions)) S.actions = p.actions;
        if (p.knobs && typeof p.knobs === "object") Object.assign(S.values, p.knobs);
        if (Array.isArray(p.locks)) S.locks = new Set(p.locks);
        break;
      case "status":
        S.status = String(p.status);
        if (FINAL.has(S.status)) showRunStatus(S.runId, S.status, false); // the server may go now
        // the history read has left out the steps a resume re-trains already
        if (p.status === "resuming" && typeof p.from_step === "number" && !S.fromHistory) forget(p.branch, p.from_step);
        // whether this server hosts the run can change with its status (a resume, an end): ask
        if (S.lastSeq >= S.replayTo) scheduleStateRefresh();
        break;
      case "command":
        S.commands.set(p.id, { cmd: p, seq: e.seq, step: e.step, branch: e.branch, result: null });
        markFor(p.id);
        break;
      case "evaluating": {
        // an evaluation a command asked for has started: its row says so until the result comes
        const r = S.commands.get(p.command_id);
        if (r) { r.running = p.paused ? "evaluating… (while paused)" : "evaluating…"; historySig = ""; }
        break;
      }
      case "command_result": {
        const r = S.commands.get(p.command_id);
        if (r) { r.result = p; markFor(p.command_id); }
        if (p.status === "applied" && p.detail) {
          for (const [k, v] of Object.entries(p.detail)) if (v && typeof v === "object" && "to" in v) S.values[k] = v.to;
          if (p.type === "agent") {
            if (typeof p.detail.enabled === "boolean") S.agent.enabled = p.detail.enabled;
            if (typeof p.detail.every === "number") S.agent.every = p.detail.every;
            if (typeof p.detail.policy === "string") S.agent.policy = p.detail.policy;
          }
          if (p.type === "set_goal") S.goal = p.detail.goal || null;
          if (p.type === "tell_agent") S.agent.words = p.detail.withdrawn ? null : String(p.detail.text || "");
          if (p.type === "set_module_param" || p.type === "reset_module") modelPanel.schedule();
        }
        const target = S.errTargets.get(p.command_id);
        if (target) {
          if (p.status !== "applied") target.textContent = p.status + ": " + (p.reason || p.error || "");
          S.errTargets.delete(p.command_id);
        }
        break;
      }
      case "agent_decision":
        S.decisions.push(p);
        if (S.decisions.length > 500) S.decisions.shift();
        if (p.usage) S.agent.tokens += (p.usage.input_tokens || 0) + (p.usage.output_tokens || 0);
        if (typeof p.cost_usd === "number") S.agent.cost += p.cost_usd;
        if (typeof p.budget_spent_usd === "number") S.agent.spent = p.budget_spent_usd;
        if (p.policy) S.agent.lastPolicy = p.policy;
        break;
      case "data":
        S.data = Object.assign(S.data || {}, { weights: p.weights || (S.data && S.data.weights) || {},
          sources: p.sources || (S.data && S.data.sources) || [], lastChange: p });
        break;
      case "agent_outcome":
        S.outcomes.set(p.decision_id, p);
        if (S.outcomes.size > 1000) S.outcomes.delete(S.outcomes.keys().next().value);
        break;
      case "health":
        if (p.kind === "agent_fallback") S.agent.fallback = true;
        if (p.kind === "agent_recovered") S.agent.fallback = false;
        if (p.kind === "budget_exhausted") S.agent.budgetOut = true;
        if (["agent_fallback", "agent_recovered", "budget_exhausted", "rollback", "recovery_exhausted", "recovery_impossible"].includes(p.kind)) {
          S.decisions.push({ step: e.step, health: p.kind, message: p.message });
        }
        break;
      case "branch":
        S.branch = e.branch; S.step = e.step; // the run now is the new branch, at its checkpoint's step
        break;
      case "checkpoint":
        scheduleCheckpoints();
        break;
      default:
        break;
    }
    scheduleDraw();
  }

  // ---------- panels ----------

  let knobsDirty = true;
  function renderPanels() {
    renderStatus();
    if (knobsDirty) { knobsDirty = false; knobPanel.build(); }
    knobPanel.update();
    actionPanel.render();
    renderAgent();
    dataPanel.render();
    renderHistory();
    renderControlsEnabled();
  }
  function readOnly() { return !S.live || FINAL.has(S.status); }
  function renderStatus() {
    const st = $("st-status");
    text(st, S.status); st.dataset.status = S.status;
    text($("st-step"), S.step === null ? "–" : S.step + (S.maxSteps ? " / " + S.maxSteps : ""));
    text($("st-branch"), S.branch || "–");
    text($("st-lr"), fmt(S.values.lr));
    text($("st-loss"), fmt(S.lastLoss));
    text($("st-val"), evalText(S.lastEval[S.branch]));
    let eta = "–";
    if (S.status === "paused") eta = "paused";
    else if (S.status === "finished") eta = "done";
    else if (FINAL.has(S.status)) eta = S.status; // a stopped run is not done: it can be resumed
    else if (S.maxSteps && S.stepTimes.length > 5) {
      const [s0, t0] = S.stepTimes[0], [s1, t1] = S.stepTimes[S.stepTimes.length - 1];
      if (s1 > s0) eta = fmtDuration(((S.maxSteps - S.step) * (t1 - t0)) / (s1 - s0) / 1000);
    }
    text($("st-eta"), eta);
  }

  /**
   * The live branch's last evaluation as the workload reads: the validation loss, its perplexity for
   * a language model, and the goal's metric (else the workload's first own metric) when it has one.
   */
  function evalText(ev) {
    if (!ev) return "–";
    const loss = num(ev.eval_loss);
    let t = fmt(loss) + (S.reports.perplexity && loss !== null ? " (ppl " + fmt(Math.exp(loss)) + ")" : "");
    const own = (S.reports.metrics || [])[0];
    const metric = S.goal && S.goal.metric && S.goal.metric !== "eval_loss" ? S.goal.metric : own;
    if (metric && !(metric === "perplexity" && S.reports.perplexity)) {
      const v = ev.metrics && metric in ev.metrics ? ev.metrics[metric] : ev[metric];
      if (typeof v === "number") t += " · " + metric + " " + fmt(v, 4);
    }
    return t;
  }
  /** A throughput figure's unit: tokens/s for a language model, samples/s otherwise. */
  function rateUnit() { return (S.reports.throughput_unit || "tokens") + "/s"; }
  /** The charts' titles say what this workload reports. */
  function titleCharts() {
    for (const c of charts) {
      const el = c.u.root.querySelector(".u-title");
      if (!el) continue;
      if (c.el.id === "chart-eval") text(el, S.reports.perplexity ? "validation loss (left) and perplexity (right)" : "validation loss");
      if (c.el.id === "chart-tps") text(el, "throughput (" + rateUnit() + ")");
    }
  }

  function renderAgent() {
    const a = S.agent;
    const configured = a.mode && a.mode !== "off";
    const policy = a.lastPolicy || a.policy || a.mode;
    text($("ag-policy"), configured ? policy + (a.fallback ? " (fell back to rule)" : "") + (a.model ? " · " + a.model : "") : "none (start with --agent)");
    const state = !configured ? "off" : !a.enabled ? "off (turned off)" : a.budgetOut ? "budget spent: rule" : a.fallback ? "fallback: LLM failing" : "on";
    const stEl = $("ag-state");
    text(stEl, state);
    stEl.className = a.fallback || a.budgetOut ? "warn" : "";
    text($("ag-every"), a.every ? "every " + a.every + " steps" : "–");
    const b = a.budget || {};
    text($("ag-tokens"), fmt(a.tokens) + (b.max_tokens ? " / " + fmt(b.max_tokens) : ""));
    text($("ag-cost"), "$" + a.cost.toFixed(4) + (b.max_usd ? " / $" + b.max_usd.toFixed(2) : ""));
    text($("agent-toggle"), a.enabled ? "Turn off" : "Turn on");
    text($("words-said"), a.words ? "the agent reads in every prompt: “" + a.words + "”" : "no words to the agent");
    $("words-withdraw").hidden = !a.words;
    text($("ag-goal"), goalText(S.goal));
    const list = $("decisions");
    const shown = S.decisions.slice(-30).reverse();
    const sig = shown.length + ":" + S.outcomes.size + ":" + (shown[0] ? (shown[0].id || shown[0].step + shown[0].health) : "");
    if (list.dataset.sig === sig) return;
    list.dataset.sig = sig;
    list.textContent = "";
    for (const d of shown) {
      if (d.health) {
        list.append(h("li", {}, h("span", { class: "act rollback" }, d.health), " at step " + d.step, h("span", { class: "why" }, d.message || "")));
        continue;
      }
      const dec = d.decision || {};
      const tokens = d.usage ? (d.usage.input_tokens || 0) + (d.usage.output_tokens || 0) : 0;
      list.append(h("li", { "data-decision": d.id || "" },
        "step " + d.step + " · ", h("span", { class: "act " + (dec.action || "") }, dec.action || "?"),
        " · " + (d.policy || "") + (tokens ? " · " + fmt(tokens) + " tok" : "") + (d.latency_ms !== undefined ? " · " + fmt(d.latency_ms) + " ms" : ""),
        outcomeSpan(S.outcomes.get(d.id)),
        h("span", { class: "why" }, dec.rationale || ""),
        // what the guardrails changed, and why (a floor, a band, a lock): the person reads it here
        Array.isArray(d.guardrail_edits) && d.guardrail_edits.length
          ? h("span", { class: "why guard", "data-guard": "" }, "guardrails: " + d.guardrail_edits.join("; ")) : null));
    }
  }

  // what followed a decision over the next window: did the goal's metric improve?
  const VERDICT = { helped: "▲ improved", hurt: "▼ worsened", neutral: "= unchanged", unknown: "? no data" };
  function outcomeSpan(o) {
    if (!o) return h("span", { class: "outcome pending", title: "judged when the next window ends" }, " · next window pending");
    const what = o.basis + " " + fmt(o.before) + " → " + fmt(o.after);
    return h("span", { class: "outcome " + o.verdict, "data-verdict": o.verdict, title: "over steps " + o.decision_step + "–" + o.step }, " · " + (VERDICT[o.verdict] || o.verdict) + " (" + what + ")");
  }

  function goalText(g) {
    if (!g) return "none (set_goal, or goal: in the run's YAML)";
    let t = g.direction + " " + g.metric;
    if (g.target !== undefined) t += (g.direction === "maximize" ? " ≥ " : " ≤ ") + fmt(g.target);
    if (g.deadline !== undefined) t += " by step " + g.deadline;
    if (typeof g.best === "number") t += " · best " + fmt(g.best) + " at " + g.best_step;
    if (g.target_met) t += " · met";
    if (g.stalled) t += " · stalled";
    if (g.stop_early) t += " · may stop early";
    return t;
  }

  // rows are keyed by command id and updated in place: no flicker, and a row a person is reading stays put
  const historyRows = new Map();
  let historySig = "";
  function renderHistory() {
    const sig = S.commands.size + ":" + [...S.commands.values()].filter((r) => r.result).length;
    if (sig === historySig) return;
    historySig = sig;
    const body = $("history").tBodies[0];
    for (const r of [...S.commands.values()].slice(-500)) {
      const c = r.cmd, res = r.result;
      let status, cls;
      if (!res) { status = r.running || "pending"; cls = "pending"; }
      else if (res.status === "applied") { status = "applied at step " + res.step + detailText(res.detail); cls = "applied"; }
      else { status = res.status + ": " + (res.reason || res.error || ""); cls = res.status; }
      let tr = historyRows.get(c.id);
      if (!tr) {
        tr = h("tr", { "data-command-id": c.id },
          h("td", { class: "num" }, r.seq), h("td", {}, h("span", { class: "src " + c.source }, c.source)),
          h("td", {}, c.type + " " + describeArgs(c.type, c.args)), h("td", {}), h("td", {}, c.reason || ""));
        body.prepend(tr);
        historyRows.set(c.id, tr);
      }
      const state = res ? res.status : "pending";
      if (tr.dataset.status !== state || tr.cells[3].textContent !== status) {
        tr.dataset.status = state;
        tr.cells[3].className = "status-" + cls;
        tr.cells[3].textContent = status;
      }
    }
    while (body.rows.length > 500) { const last = body.rows[body.rows.length - 1]; historyRows.delete(last.dataset.commandId); last.remove(); }
  }

  function renderControlsEnabled() {
    const off = readOnly() || !S.connected;
    for (const el of document.querySelectorAll("#side button, #side input, #side select")) {
      if (el.classList.contains("busy")) continue;
      el.disabled = off;
    }
    const configured = S.agent.mode && S.agent.mode !== "off";
    if (!configured) for (const el of document.querySelectorAll("#agent-form button, #agent-form input, #words-form button, #words-form textarea")) el.disabled = true;
    const banner = $("banner");
    if (!S.connected && S.wasConnected) {
      return; // the connection banner is set by the socket code
    }
    if (readOnly() && S.runId) {
      banner.hidden = false; banner.dataset.kind = "readonly";
      text(banner, "Run " + S.runId + " is " + (S.live ? S.status : S.status + " and not hosted by this server") + ": read-only.");
    } else if (banner.dataset.kind !== "lost") {
      banner.hidden = true;
    }
  }

  // ---------- checkpoints ----------

  let ckptTimer = null;
  function scheduleCheckpoints() {
    if (ckptTimer) return;
    ckptTimer = setTimeout(() => { ckptTimer = null; loadCheckpoints(); }, 300);
  }
  async function loadCheckpoints() {
    if (!S.runId) return;
    try {
      const r = await read("api/runs/" + encodeURIComponent(S.runId) + "/checkpoints");
      if (!r.ok) return;
      S.checkpoints = (await r.json()).checkpoints || [];
    } catch (e) { return; }
    const body = $("ckpts");
    body.textContent = "";
    const newestFirst = S.checkpoints.slice().sort((a, b) => b.step - a.step || String(a.id).localeCompare(String(b.id)));
    for (const ck of newestFirst) {
      const branch = h("input", { type: "text", size: 7, placeholder: "branch", "aria-label": "new branch name for " + ck.id });
      const load = h("button", { type: "button", title: "load into a new branch" }, "Load");
      const err = $("ckpt-err");
      load.addEventListener("click", () => {
        const args = { checkpoint: ck.id };
        if (branch.value.trim()) args.branch = branch.value.trim();
        send({ type: "load_checkpoint", args }, load, err, branch);
      });
      body.append(h("tr", { "data-checkpoint": ck.id }, h("td", {}, ck.id), h("td", { class: "num" }, ck.step),
        h("td", {}, ck.tag || (ck.periodic ? "periodic" : "")), h("td", {}, branch, " ", load)));
    }
    renderControlsEnabled();
  }

  // ---------- the knob, action, data and model panels (js/*-panel.js) ----------

  const dataPanel = makeDataPanel({ S, send, renderControlsEnabled: () => renderControlsEnabled() });
  const knobPanel = makeKnobPanel({ S, send });
  const actionPanel = makeActionPanel({ S, send, renderControlsEnabled: () => renderControlsEnabled() });
  const modelPanel = makeModelPanel({ S, read: (p) => read(p), send, renderControlsEnabled: () => renderControlsEnabled() });

  // ---------- commands ----------

  let counter = 0;
  function newId() {
    const rnd = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
    return "h-" + Date.now().toString(36) + "-" + rnd + "-" + (++counter);
  }
  function askToken(message) {
    return new Promise((resolve) => {
      const d = $("token-dialog");
      $("token-input").value = "";
      const p = d.querySelector("p");
      if (message) p.dataset.msg = message;
      p.firstChild.textContent = message ? message + " " : "Commands need the server's token (printed by ";
      d.showModal();
      const done = (ok) => {
        d.close();
        $("token-ok").onclick = null; $("token-cancel").onclick = null;
        if (ok && $("token-input").value.trim()) setToken($("token-input").value.trim());
        resolve(S.token);
      };
      $("token-ok").onclick = (ev) => { ev.preventDefault(); done(true); };
      $("token-cancel").onclick = () => done(false);
    });
  }
  function setToken(t) {
    S.token = t;
    if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
    text($("token-btn"), t ? "forget token" : "set token");
  }

  /**
   * One gesture, one command. A control is busy until the server answers, and, whatever the speed
   * of that answer, the same command again within GESTURE_MS is the rest of the first gesture (the
   * second click of a double click, a bounced Enter), even from a control redrawn in between. A
   * different command (another value typed) is a new gesture.
   */
  const GESTURE_MS = 600;
  const lastByCommand = new Map();
  function sameGesture(body) {
    const now = performance.now(), key = JSON.stringify(body);
    const recent = (t) => t !== undefined && now - t < GESTURE_MS;
    if (recent(lastByCommand.get(key))) return true;
    lastByCommand.set(key, now);
    for (const [k, t] of lastByCommand) if (!recent(t)) lastByCommand.delete(k);
    return false;
  }

  /**
   * Posts one command; see sameGesture for why a double click or a double Enter sends one. A 400
   * names the field at fault: route(field), when given, says which error element and input show it.
   */
  async function send(body, btn, errEl, input, route) {
    if (btn && (btn.disabled || btn.classList.contains("busy"))) return;
    if (sameGesture(body)) { stats.suppressed++; return; }
    if (errEl) errEl.textContent = "";
    if (input) input.classList.remove("invalid");
    if (readOnly()) { if (errEl) errEl.textContent = "this run is " + S.status + ": read-only"; return; }
    if (!S.token && !(await askToken())) { if (errEl) errEl.textContent = "no token: command not sent"; return; }
    const cmd = Object.assign({ id: newId(), source: "human" }, body);
    if (btn) { btn.disabled = true; btn.classList.add("busy"); }
    stats.inflight++; stats.sent++; stats.lastSent = cmd.id;
    try {
      const r = await fetch("api/runs/" + encodeURIComponent(S.runId) + "/commands", {
        method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer " + S.token },
        body: JSON.stringify(cmd),
      });
      let answer = {};
      try { answer = await r.json(); } catch (e) { /* not JSON */ }
      if (r.status === 202) {
        if (errEl) S.errTargets.set(cmd.id, errEl);
        if (input) input.value = "";
        return;
      }
      if (r.status === 401) { setToken(null); }
      const at = r.status === 400 && route ? route(answer.field) : null;
      if (at) { errEl = at.err; input = at.input; }
      let msg = answer.error || "HTTP " + r.status;
      if (r.status === 429) msg += " (retry in " + (r.headers.get("Retry-After") || "1") + " s)";
      if (r.status === 401) msg += " — set the token and try again";
      if (errEl) errEl.textContent = msg;
      if (input && r.status === 400) input.classList.add("invalid");
    } catch (e) {
      if (errEl) errEl.textContent = "not sent: the connection to the server is lost";
    } finally {
      stats.inflight--;
      if (btn) { btn.classList.remove("busy"); btn.disabled = readOnly() || !S.connected; }
    }
  }

  function wireControls() {
    for (const b of document.querySelectorAll("#run-panel [data-cmd]")) {
      b.addEventListener("click", () => {
        const type = b.dataset.cmd;
        if (type === "stop" && !confirm("Stop the run? It saves a final checkpoint and ends.")) return;
        send({ type, args: {} }, b, $("run-err"));
      });
    }
    $("save-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const tag = $("save-tag").value.trim();
      send({ type: "save_checkpoint", args: tag ? { tag } : {} }, ev.submitter || $("save-form").querySelector("button"), $("run-err"), $("save-tag"));
    });
    $("reload-btn").addEventListener("click", (ev) =>
      send({ type: "reload_data", args: {} }, ev.currentTarget, $("data-err")));
    $("agent-toggle").addEventListener("click", (ev) =>
      send({ type: "agent", args: { enabled: !S.agent.enabled } }, ev.currentTarget, $("agent-err")));
    $("agent-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const raw = $("agent-every").value.trim();
      const n = Number(raw);
      send({ type: "agent", args: { every: raw !== "" && Number.isFinite(n) ? n : raw } },
        ev.submitter || $("agent-form").querySelector('button[type="submit"]'), $("agent-err"), $("agent-every"));
    });
    $("words-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      send({ type: "tell_agent", args: { text: $("words-text").value } },
        ev.submitter || $("words-form").querySelector('button[type="submit"]'), $("words-err"), $("words-text"));
    });
    $("words-withdraw").addEventListener("click", (ev) =>
      send({ type: "tell_agent", args: { withdraw: true } }, ev.currentTarget, $("words-err")));
    $("smoothing").addEventListener("input", () => { text($("smoothing-val"), $("smoothing").value); recomputeEma(); });
    $("token-btn").addEventListener("click", async () => {
      if (S.token) { setToken(null); return; }
      if ((await askToken()) && S.privateReads && !S.runId) location.reload();
    });
    $("run-select").addEventListener("change", (ev) => {
      const u = new URL(location.href); u.searchParams.set("run", ev.target.value); location.href = u.toString();
    });
  }

  // ---------- connection ----------

  /**
   * A GET. Reads are open unless the server runs with --private; then a 401 asks for the token
   * (once) and the read is tried again with it.
   */
  async function read(path) {
    const get = () => fetch(path, { headers: S.token ? { Authorization: "Bearer " + S.token } : {} });
    let r = await get();
    if (r.status === 401) {
      S.privateReads = true;
      if (S.token) setToken(null);
      if (!(await askToken("This server shows its runs only to holders of its token."))) throw new Error("no token");
      r = await get();
      if (r.status === 401) { setToken(null); throw new Error("the server refused the token"); }
    }
    return r;
  }

  let ws = null, attempt = 0;
  function setConn(state, label) {
    const c = $("st-conn"); c.dataset.state = state; text(c, label);
  }
  async function refreshState(beforeReplay) {
    const r = await read("api/runs/" + encodeURIComponent(S.runId));
    if (!r.ok) throw new Error("HTTP " + r.status);
    const st = await r.json();
    S.live = !!st.live;
    if (beforeReplay) S.replayTo = st.last_seq || 0;
    S.maxSteps = st.max_steps || S.maxSteps;
    if (st.reports && typeof st.reports === "object") S.reports = st.reports;
    titleCharts();
    if (S.lastSeq === 0) {
      S.status = st.status;
      if (Array.isArray(st.knobs) && st.knobs.length && !S.specs.length) {
        S.specs = st.knobs; knobsDirty = true;
        for (const k of st.knobs) S.values[k.name] = k.value;
      }
      if (Array.isArray(st.actions) && !S.actions.length) S.actions = st.actions;
    }
    const ag = st.agent || {};
    S.agent.mode = ag.mode || "off";
    S.agent.model = ag.model;
    S.agent.budget = ag.budget || null;
    // the API folds the agent commands of the whole log (a resumed run's too): what it says is the
    // agent now, unless this page has already seen later events than the answer
    const current = (st.last_seq || 0) >= S.lastSeq;
    if (ag.every && (current || S.agent.every === null)) S.agent.every = ag.every;
    if (typeof ag.enabled === "boolean" && current) S.agent.enabled = ag.enabled;
    const policy = ag.policy || (ag.mode !== "off" ? ag.mode : null);
    if (policy && (current || !S.agent.policy)) S.agent.policy = policy;
  }
  let stateTimer = null;
  function scheduleStateRefresh() {
    if (stateTimer) return;
    stateTimer = setTimeout(() => {
      stateTimer = null;
      refreshState().then(scheduleDraw, () => {}); // a failure shows up on the socket
    }, 300);
  }
  /**
   * The run's history in one read: each branch's metrics as columns, the other events whole, and
   * the seq they end at, from which the stream continues. A night of 300,000 steps opens in seconds
   * instead of replaying every event. If it fails, the stream replays whatever it did not bring.
   */
  const HISTORY_METRICS = "loss,lr,grad_norm,tokens_per_s,values"; // values: a loop's own, as values.<name>
  const historyPath = (id) => "api/runs/" + encodeURIComponent(id) + "/history?metrics=" + HISTORY_METRICS;
  // The history of the run the address names is asked for at once, while the page builds itself:
  // on a long run it is the longest wait. Refused (a --private server without the token yet), it
  // is asked for again below the usual way.
  const early = (() => {
    const id = new URLSearchParams(location.search).get("run");
    if (!id) return null;
    const t = new URLSearchParams(location.hash.slice(1)).get("token") || S.token;
    return { id, r: fetch(historyPath(id), { headers: t ? { Authorization: "Bearer " + t } : {} }).catch(() => null) };
  })();
  async function loadHistory() {
    let r = early && early.id === S.runId ? await early.r : null;
    if (!r || !r.ok) r = await read(historyPath(S.runId));
    if (!r.ok) throw new Error("HTTP " + r.status);
    const hist = await r.json();
    for (const br of hist.branches) {
      const b = branchData(br.name), st = br.steps, m = br.metrics;
      if (!st.length) continue;
      ensureStep(st[st.length - 1]);
      const col = (name) => m[name] || [];
      const loss = col("loss"), lr = col("lr"), gn = col("grad_norm"), tps = col("tokens_per_s");
      for (let i = 0; i < st.length; i++) {
        const s = st[i];
        b.loss[s] = num(loss[i]); b.lr[s] = pos(lr[i]); b.gn[s] = pos(gn[i]); b.tps[s] = num(tps[i]);
      }
      for (const [col, vs] of Object.entries(m)) {
        if (!col.startsWith("values.")) continue;
        const name = col.slice("values.".length);
        valueChart(name);
        const a = metricArray(b, VALUE + name);
        for (let i = 0; i < st.length; i++) a[st[i]] = num(vs[i]);
      }
    }
    recomputeEma();
    // the events that are not metrics, and the last metrics whole: marks, panels, step and pace
    S.fromHistory = true;
    try { for (const e of hist.events) apply(e); } finally { S.fromHistory = false; }
    S.lastSeq = Math.max(S.lastSeq, hist.last_seq);
    stats.events += hist.folded; // the metrics events the columns stand for: each counted once
    stats.historySeq = hist.last_seq;
  }
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = proto + "//" + location.host + location.pathname.replace(/[^/]*$/, "") +
      "api/runs/" + encodeURIComponent(S.runId) + "/stream?since=" + S.lastSeq;
    setConn("connecting", S.wasConnected ? "reconnecting…" : "connecting…");
    ws = new WebSocket(url);
    ws.onopen = () => {
      // a server with --private waits for the token as the first message (a browser cannot put it
      // in a header); an open server ignores it
      if (S.token) ws.send(JSON.stringify({ token: S.token }));
      attempt = 0; S.connected = true; S.wasConnected = true;
      setConn("live", FINAL.has(S.status) ? "connected (" + S.status + ")" : "live");
      const b = $("banner"); if (b.dataset.kind === "lost") { b.hidden = true; b.dataset.kind = ""; }
      scheduleDraw();
    };
    ws.onmessage = (m) => {
      let e;
      stats.streamed++;
      try { e = JSON.parse(m.data); } catch (err) { console.warn("unreadable event", err); return; }
      apply(e);
    };
    ws.onclose = (ev) => {
      ws = null;
      S.connected = false;
      if (ev.code === 1008) setToken(null); // the token was refused: the next read asks again
      const wait = Math.min(5000, 500 * Math.pow(2, attempt++));
      setConn("lost", "connection lost");
      const b = $("banner");
      b.hidden = false; b.dataset.kind = "lost";
      const gone = FINAL.has(S.status) ? "The run " + S.status + " at step " + S.step + " and its server has gone" : "";
      text(b, (gone || "Connection to the server lost") + (ev.reason ? " (" + ev.reason + ")" : "") +
        ". Reconnecting in " + Math.round(wait / 100) / 10 + " s (attempt " + attempt + "); commands are disabled until it is back.");
      renderControlsEnabled();
      setTimeout(reconnect, wait);
    };
  }
  async function reconnect() {
    try { await refreshState(true); } catch (e) { ws = null; S.connected = false; return connectLater(); }
    connect();
  }
  function connectLater() {
    const wait = Math.min(5000, 500 * Math.pow(2, attempt++));
    const b = $("banner");
    b.hidden = false; b.dataset.kind = "lost";
    text(b, "Connection to the server lost. Reconnecting in " + Math.round(wait / 100) / 10 + " s (attempt " + attempt + "); commands are disabled until it is back.");
    setConn("lost", "connection lost");
    setTimeout(reconnect, wait);
  }

  // ---------- the runs overview: every run this control plane knows ----------

  /** A loss sparkline as an inline SVG polyline (higher loss drawn higher). */
  function sparkline(values) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("viewBox", "0 0 120 22");
    const v = (values || []).filter((x) => typeof x === "number" && Number.isFinite(x));
    if (v.length < 2) return svg;
    const lo = Math.min(...v), hi = Math.max(...v), span = hi - lo || 1;
    const pts = v.map((x, i) => (i * 120 / (v.length - 1)).toFixed(1) + "," + (21 - (x - lo) / span * 20).toFixed(1));
    const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    line.setAttribute("points", pts.join(" "));
    svg.append(line);
    return svg;
  }

  /** A run's status in the runs table and the run selector, so the two never disagree. */
  function showRunStatus(id, status, live) {
    const label = status + (live ? "" : " (read-only)");
    const tr = $("runs").tBodies[0].querySelector("tr[data-run='" + CSS.escape(id) + "']");
    if (tr) { tr.cells[1].className = "status-" + status; text(tr.cells[1], label); }
    for (const o of $("run-select").options) if (o.value === id) text(o, id + " · " + label);
  }

  /** Rows are updated in place (keyed by run id), so a row under the pointer stays the same element. */
  function renderRuns(runs) {
    const body = $("runs").tBodies[0];
    const seen = new Set();
    for (const r of runs) {
      seen.add(r.id);
      let tr = body.querySelector("tr[data-run='" + CSS.escape(r.id) + "']");
      if (!tr) {
        tr = h("tr", { "data-run": r.id, title: "open run " + r.id,
          onclick: () => { if (r.id !== S.runId) location.search = "?run=" + encodeURIComponent(r.id); } },
          h("td", {}, r.id), h("td"), h("td"), h("td"), h("td"), h("td"));
        body.append(tr);
      }
      tr.classList.toggle("current", r.id === S.runId);
      const hl = r.last_health && r.last_health.kind ? r.last_health.kind + " at step " + r.last_health.step : "–";
      const last = (r.loss || []).length ? r.loss[r.loss.length - 1] : null;
      const c = tr.cells;
      showRunStatus(r.id, r.status, r.live);
      text(c[2], String(r.step));
      c[3].replaceChildren(sparkline(r.loss), " " + fmt(last));
      text(c[4], r.agent || "off");
      text(c[5], hl);
    }
    for (const tr of [...body.rows]) if (!seen.has(tr.dataset.run)) tr.remove();
    stats.runsShown = runs.length;
  }

  /**
   * The run's morning report opens in a new tab. A server with --private wants the token on reads,
   * which a link cannot send: a page that holds a token (it may be such a server's: a reload that
   * finds the token in the tab's storage never sees a 401) fetches the report with it and opens it
   * from memory.
   */
  function wireReport() {
    const a = $("report-link");
    a.href = "api/runs/" + encodeURIComponent(S.runId) + "/report";
    a.hidden = false;
    a.addEventListener("click", async (ev) => {
      if (!S.privateReads && !S.token) return; // an open server serves it to a plain link
      ev.preventDefault();
      const tab = window.open("about:blank", "_blank");
      try {
        const r = await read(a.getAttribute("href"));
        if (!r.ok) throw new Error("HTTP " + r.status);
        const url = URL.createObjectURL(new Blob([await r.text()], { type: "text/html" }));
        if (tab) tab.location = url; else location.href = url;
      } catch (e) {
        if (tab) tab.close();
        text($("run-err"), "The report could not be read: " + e.message);
      }
    });
  }

  async function refreshRuns() {
    try {
      const r = await read("api/runs");
      renderRuns((await r.json()).runs || []);
    } catch (e) {
      // the connection banner says what is wrong; the overview keeps what it had
    }
  }

  async function start() {
    // the token may come in the URL fragment printed at start: keep it in this tab, clear the address bar
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("token")) {
      setToken(hash.get("token"));
      history.replaceState(null, "", location.pathname + location.search);
    } else {
      setToken(S.token);
    }
    buildCharts();
    wireControls();
    let runs = [];
    try {
      const r = await read("api/runs");
      runs = (await r.json()).runs || [];
    } catch (e) {
      if (S.privateReads) {
        const b = $("banner");
        b.hidden = false; b.dataset.kind = "lost";
        text(b, "This server shows its runs only with its token (" + e.message + "). Use \u201cset token\u201d above.");
        return;
      }
      connectLater();
      return;
    }
    const wanted = new URLSearchParams(location.search).get("run");
    const live = runs.find((r) => r.live);
    const pick = runs.find((r) => r.id === wanted) || live || runs[runs.length - 1];
    const sel = $("run-select");
    for (const r of runs) sel.append(h("option", { value: r.id, selected: pick && r.id === pick.id }, r.id + " · " + r.status + (r.live ? "" : " (read-only)")));
    if (!pick) { text($("banner"), "This server has no runs."); $("banner").hidden = false; return; }
    S.runId = pick.id;
    wireReport();
    renderRuns(runs);
    setInterval(refreshRuns, 2000);
    document.title = "Coxswain · " + S.runId;
    try { await refreshState(true); } catch (e) { return connectLater(); }
    try {
      await loadHistory();
    } catch (e) {
      console.warn("history not read; the stream replays what it did not bring", e);
    }
    if (drawTimer !== null) { clearTimeout(drawTimer); drawTimer = null; }
    draw(); // the history now, not at the next tick of a replay's slow redraw
    connect();
    loadCheckpoints();
    modelPanel.load();
  }

  // read by the browser tests and the benchmark
  window.coxswain = {
    stats, fmt,
    snapshot: () => ({
      runId: S.runId, lastSeq: S.lastSeq, connected: S.connected, status: S.status, step: S.step, live: S.live,
      readOnly: readOnly(), draws: stats.draws, drawPending: drawTimer !== null, sinceDrawMs: performance.now() - lastDraw,
      inflight: stats.inflight, sent: stats.sent, suppressed: stats.suppressed,
      lastSentStatus: stats.lastSent === null ? null
        : S.commands.get(stats.lastSent) ? (S.commands.get(stats.lastSent).result || { status: "pending" }).status : "unrecorded",
      banner: { kind: $("banner").dataset.kind, hidden: $("banner").hidden },
      branches: [...store.branches.values()].map((b) => ({ name: b.name, points: b.loss.filter((v) => v !== null).length,
        evals: b.ev.filter((v) => v !== null).length,
        metrics: Object.fromEntries(Object.entries(b.m).map(([k, a]) => [k, a.filter((v) => v !== null)])) })),
      metricCharts: [...metricCharts.entries()].map(([name, c]) => ({ name, title: c.title,
        drawn: c.u.data.length > 1 && c.u.data.slice(1).some((a) => a.some((v) => v !== null)) })),
      valueCharts: [...valueCharts.entries()].map(([name, c]) => ({ name, title: c.title,
        points: c.u.data.length > 1 ? c.u.data.slice(1).reduce((n, a) => n + a.filter((v) => v !== null).length, 0) : 0 })),
      marks: [...marks.values()].map((m) => Object.assign({}, m)),
      drawnMarks: document.querySelectorAll("#chart-loss .mark").length,
      heap: performance.memory ? performance.memory.usedJSHeapSize : null,
      errors: errors.slice(),
    }),
    apply,
    drawNow: () => { if (drawTimer !== null) { clearTimeout(drawTimer); drawTimer = null; } draw(); },
  };

  document.addEventListener("DOMContentLoaded", start);
})();
