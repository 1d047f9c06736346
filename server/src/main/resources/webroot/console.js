// Coxswain web console: one run, live. Plain JavaScript modules and the vendored uPlot; no build step.
// Everything on the page is derived from the run's event stream (its history in one read, then
// live), so a reload, a reconnect or a finished run all show the same thing. An event goes through
// the pure fold (js/console-state.js over js/run-state.js) and into the charts' columns
// (js/series.js); the page is drawn from the state at the next frame, however many events came.
import { $, fmt } from "./js/format.js";
import { FINAL, caughtUp, initialConsole, knobValues, marksOf, next, readOnly, statusOf, stepOf, withServer } from "./js/console-state.js";
import { makeSeries } from "./js/series.js";
import { makeCharts } from "./js/charts.js";
import { makeMarks } from "./js/marks.js";
import { renderStatusBar } from "./js/status-bar.js";
import { makeAgentPanel } from "./js/agent-panel.js";
import { makeHistoryPanel } from "./js/history-panel.js";
import { makeCheckpointPanel } from "./js/checkpoint-panel.js";
import { makeRunsPanel } from "./js/runs-panel.js";
import { makeActionPanel } from "./js/action-panel.js";
import { makeDataPanel } from "./js/data-panel.js";
import { makeKnobPanel } from "./js/knob-panel.js";
import { makeModelPanel } from "./js/model-panel.js";
import { makeAuth } from "./js/auth.js";
import { makeCommands } from "./js/commands.js";
import { makeControls } from "./js/controls.js";
import { askHistoryEarly, makeConnection } from "./js/connection.js";
import { makeFrames } from "./js/frames.js";

const stats = { events: 0, draws: 0, openMs: null, historySeq: null, streamed: 0, drawMs: [], updateMs: [], firstUndrawn: null, inflight: 0, sent: 0, suppressed: 0, lastSent: null };
const errors = []; // script errors on this page, for the browser tests
window.addEventListener("error", (ev) => errors.push(String(ev.message) + " at " + ev.lineno + ":" + ev.colno));
window.addEventListener("unhandledrejection", (ev) => errors.push("unhandled: " + String(ev.reason && ev.reason.stack || ev.reason)));

// ---------- the state: replaced by each event, never edited ----------

let cs = initialConsole();
let runId = null;
const current = () => cs;

// ---------- the parts ----------

const auth = makeAuth();
const early = askHistoryEarly(auth.token()); // before the page builds itself: the longest wait
const series = makeSeries({
  smoothing: () => Number($("smoothing").value),
  onBranch: (b) => charts.addBranch(b),
  onMetric: (name, better, title) => charts.metricChart(name, better, title),
  onValue: (name) => charts.valueChart(name),
});
const marks = makeMarks({ current, store: series.store });
const frames = makeFrames({ draw, replaying: () => cs.run.lastSeq < connection.replayTo(), stats });
const charts = makeCharts({ series, reports: () => cs.server.reports, placeMarks: marks.place, redraw: frames.schedule });
const page = {
  runId: () => runId, lastSeq: () => cs.run.lastSeq, status: () => statusOf(cs), step: () => stepOf(cs),
  apply, server: fromServer, history: fromHistory, redraw: frames.schedule, renderControlsEnabled: () => controls.renderEnabled(),
};
const connection = makeConnection({ auth, early, page, stats });
const { send, answered } = makeCommands({
  auth, runId: () => runId, readOnly: () => readOnly(cs), status: () => statusOf(cs), connected: connection.connected, stats,
});
const controls = makeControls({ current, send, auth, runId: () => runId, connection, smoothed: () => { series.recomputeEma(); frames.schedule(); } });
const enabled = () => controls.renderEnabled();
const knobPanel = makeKnobPanel({ knobs: () => ({ specs: cs.run.specs, values: knobValues(cs), locks: cs.run.locks }), send });
const actionPanel = makeActionPanel({ actions: () => cs.run.actions, send, renderControlsEnabled: enabled });
const dataPanel = makeDataPanel({ data: () => cs.data, send, renderControlsEnabled: enabled });
const modelPanel = makeModelPanel({ runId: () => runId, read: (p) => auth.read(p), send, renderControlsEnabled: enabled });
const agentPanel = makeAgentPanel({ current, send });
const historyPanel = makeHistoryPanel();
const checkpointPanel = makeCheckpointPanel({ runId: () => runId, read: (p) => auth.read(p), send, renderControlsEnabled: enabled });
const runsPanel = makeRunsPanel({ runId: () => runId, read: (p) => auth.read(p), needsToken: () => auth.privateReads() || !!auth.token(), stats });

// ---------- events ----------

/** One event: folded into the state and the charts' columns; what it sets off outside the page, started. */
function apply(e, fromHistory) {
  const before = cs;
  cs = next(cs, e);
  if (cs === before) return; // replayed after a reconnect: once only
  stats.events++;
  const p = e.payload || {};
  if (e.type === "metrics") series.addMetrics(e);
  else if (e.type === "eval") series.addEval(e);
  else if (e.type === "status") {
    if (FINAL.has(statusOf(cs))) runsPanel.showRunStatus(runId, statusOf(cs), false); // the server may go now
    // the history read has left out the steps a resume re-trains already
    if (p.status === "resuming" && typeof p.from_step === "number" && !fromHistory) series.forget(p.branch, p.from_step);
    if (cs.run.lastSeq >= connection.replayTo()) connection.scheduleStateRefresh();
  } else if (e.type === "command_result") {
    if (p.status === "applied" && p.detail && (p.type === "set_module_param" || p.type === "reset_module")) modelPanel.schedule();
    answered(p);
  } else if (e.type === "checkpoint") checkpointPanel.schedule();
  frames.schedule();
}

/** The API's answer about the run: whether it is hosted here, what it reports, its agent. */
function fromServer(st) {
  cs = withServer(cs, st);
  charts.retitle();
}

/** The history read: the metrics' columns into the charts, the other events through the fold. */
function fromHistory(hist) {
  for (const br of hist.branches) series.addColumns(br);
  series.recomputeEma();
  frames.schedule();
  // the events that are not metrics, and the last metrics whole: marks, panels, step and pace
  for (const e of hist.events) apply(e, true);
  cs = caughtUp(cs, hist.last_seq);
  stats.events += hist.folded; // the metrics events the columns stand for: each counted once
  stats.historySeq = hist.last_seq;
}

// ---------- drawing: from the state, once per frame ----------

function draw() {
  charts.draw();
  renderStatusBar(cs, series.store.lastSmoothed);
  knobPanel.render();
  actionPanel.render();
  agentPanel.render(cs);
  dataPanel.render();
  historyPanel.render(cs);
  controls.renderEnabled();
  // what is on screen, for the benchmark and the browser tests: the last event drawn, and when
  // the run's history (everything up to the seq it had when the page opened) was first drawn
  document.body.dataset.drawnSeq = cs.run.lastSeq;
  const replayTo = connection.replayTo();
  if (stats.openMs === null && replayTo !== undefined && cs.run.lastSeq >= replayTo) stats.openMs = performance.now();
}

// ---------- start ----------

async function start() {
  auth.takeFromAddress();
  charts.build();
  controls.wire();
  agentPanel.wire();
  let runs = [];
  try {
    const r = await auth.read("api/runs");
    runs = (await r.json()).runs || [];
  } catch (e) {
    if (auth.privateReads()) {
      connection.lostBanner("This server shows its runs only with its token (" + e.message + "). Use \u201cset token\u201d above.");
      return;
    }
    connection.connectLater();
    return;
  }
  const wanted = new URLSearchParams(location.search).get("run");
  const pick = runs.find((r) => r.id === wanted) || runs.find((r) => r.live) || runs[runs.length - 1];
  runsPanel.fillSelect(runs, pick);
  if (!pick) { $("banner").textContent = "This server has no runs."; $("banner").hidden = false; return; }
  runId = pick.id;
  runsPanel.wireReport();
  runsPanel.render(runs);
  setInterval(runsPanel.refresh, 2000);
  document.title = "Coxswain · " + runId;
  try { await connection.refreshState(true); } catch (e) { return connection.connectLater(); }
  try {
    await connection.loadHistory();
  } catch (e) {
    console.warn("history not read; the stream replays what it did not bring", e);
  }
  frames.now(); // the history now, not at the next tick of a replay's slow redraw
  connection.connect();
  checkpointPanel.load();
  modelPanel.load();
}

// read by the browser tests and the benchmark
window.coxswain = {
  stats, fmt,
  snapshot,
  apply: (e) => apply(e, false),
  drawNow: frames.now,
};
function snapshot() {
  const sent = stats.lastSent === null ? null : cs.run.commands[stats.lastSent];
  return {
    runId, lastSeq: cs.run.lastSeq, connected: connection.connected(), status: statusOf(cs), step: stepOf(cs), live: cs.server.live,
    readOnly: readOnly(cs), draws: stats.draws, drawPending: frames.pending(), sinceDrawMs: frames.sinceDrawMs(),
    inflight: stats.inflight, sent: stats.sent, suppressed: stats.suppressed,
    lastSentStatus: stats.lastSent === null ? null : sent ? (sent.result || { status: "pending" }).status : "unrecorded",
    banner: { kind: $("banner").dataset.kind, hidden: $("banner").hidden },
    branches: [...series.store.branches.values()].map((b) => ({ name: b.name, points: b.loss.filter((v) => v !== null).length,
      evals: b.ev.filter((v) => v !== null).length,
      metrics: Object.fromEntries(Object.entries(b.m).map(([k, a]) => [k, a.filter((v) => v !== null)])) })),
    metricCharts: [...charts.metricCharts.entries()].map(([name, c]) => ({ name, title: c.title,
      drawn: c.u.data.length > 1 && c.u.data.slice(1).some((a) => a.some((v) => v !== null)) })),
    valueCharts: [...charts.valueCharts.entries()].map(([name, c]) => ({ name, title: c.title,
      points: c.u.data.length > 1 ? c.u.data.slice(1).reduce((n, a) => n + a.filter((v) => v !== null).length, 0) : 0 })),
    marks: marksOf(cs.run).map((m) => Object.assign({}, m)),
    drawnMarks: document.querySelectorAll("#chart-loss .mark").length,
    heap: performance.memory ? performance.memory.usedJSHeapSize : null,
    errors: errors.slice(),
  };
}

document.addEventListener("DOMContentLoaded", start);
