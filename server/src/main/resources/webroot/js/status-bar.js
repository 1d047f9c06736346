// The status bar: the run's status, step, live branch, learning rate, smoothed loss, the live
// branch's last evaluation as the workload reads, and the eta. Drawn from the state.
import { $, fmt, fmtDuration, text } from "./format.js";
import { FINAL, knobValues, num, statusOf, stepOf } from "./console-state.js";

/**
 * @param s the console's state
 * @param smoothedLoss the smoothed train loss at the last step with a loss (the charts' own)
 */
export function renderStatusBar(s, smoothedLoss) {
  const status = statusOf(s), step = stepOf(s), max = s.server.maxSteps;
  const st = $("st-status");
  text(st, status); st.dataset.status = status;
  text($("st-step"), step === null ? "–" : step + (max ? " / " + max : ""));
  text($("st-branch"), s.run.branch || "–");
  text($("st-lr"), fmt(knobValues(s).lr));
  text($("st-loss"), fmt(smoothedLoss));
  const ev = s.run.lastEval[s.run.branch];
  text($("st-val"), evalText(s, ev ? ev.value : null));
  text($("st-eta"), eta(s, status, step));
}

function eta(s, status, step) {
  const max = s.server.maxSteps, times = s.stepTimes;
  if (status === "paused") return "paused";
  if (status === "finished") return "done";
  if (FINAL.has(status)) return status; // a stopped run is not done: it can be resumed
  if (max && times.length > 5) {
    const [s0, t0] = times[0], [s1, t1] = times[times.length - 1];
    if (s1 > s0) return fmtDuration(((max - step) * (t1 - t0)) / (s1 - s0) / 1000);
  }
  return "–";
}

/**
 * The live branch's last evaluation as the workload reads: the validation loss, its perplexity for
 * a language model, and the goal's metric (else the workload's first own metric) when it has one.
 */
function evalText(s, ev) {
  if (!ev) return "–";
  const reports = s.server.reports, goal = s.run.goal;
  const loss = num(ev.eval_loss);
  let t = fmt(loss) + (reports.perplexity && loss !== null ? " (ppl " + fmt(Math.exp(loss)) + ")" : "");
  const own = (reports.metrics || [])[0];
  const metric = goal && goal.metric && goal.metric !== "eval_loss" ? goal.metric : own;
  if (metric && !(metric === "perplexity" && reports.perplexity)) {
    const v = ev.metrics && metric in ev.metrics ? ev.metrics[metric] : ev[metric];
    if (typeof v === "number") t += " · " + metric + " " + fmt(v, 4);
  }
  return t;
}
