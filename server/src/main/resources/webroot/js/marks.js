// The intervention marks: a mark per command on every chart, coloured by who sent it, at the step
// it applied from (or came in at, while pending), with its story in a tooltip. Drawn from the
// state's commands (console-state.js marksOf) each time uPlot draws a chart.
import { $, describeArgs, fmt, h } from "./format.js";
import { knobValueText } from "./knob-panel.js";
import { marksOf } from "./console-state.js";

/**
 * @param ctx.current () => the console's state now
 * @param ctx.store the series' store (its x: the steps)
 */
export function makeMarks({ current, store }) {

  // Writes to a mark's element only what changed: with hundreds of marks on five charts, untouched
  // elements cost no style work, and the width comes from uPlot (no forced layout).
  function place(c) {
    const u = c.u;
    const width = u.bbox.width / (window.devicePixelRatio || 1);
    const seen = new Set();
    const taken = new Map(); // pixel -> marks already there: several at one step sit side by side
    for (const m of marksOf(current().run)) {
      seen.add(m.id);
      const el = element(c, m.id);
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
  function element(c, id) {
    let el = c.marks.get(id);
    if (!el) {
      el = h("div", { class: "mark", "data-command-id": id });
      el.addEventListener("mouseenter", (ev) => showTip(ev, markText(current(), id)));
      el.addEventListener("mousemove", moveTip);
      el.addEventListener("mouseleave", hideTip);
      c.layer.append(el);
      c.marks.set(id, el);
    }
    return el;
  }

  function showTip(ev, s) { const t = $("tip"); t.textContent = s; t.hidden = false; moveTip(ev); }
  function moveTip(ev) {
    const t = $("tip");
    const x = Math.min(ev.clientX + 14, window.innerWidth - t.offsetWidth - 8);
    t.style.left = x + "px"; t.style.top = ev.clientY + 14 + "px";
  }
  function hideTip() { $("tip").hidden = true; }

  return { place };
}

/** A command's story: who sent what, how it ended, why, and what the agent said of it. */
export function markText(s, id) {
  const r = s.run.commands[id];
  if (!r) return "";
  const c = r.command, res = r.result;
  let t = "[" + c.source + "] " + c.type + " " + describeArgs(c.type, c.args) + "\n";
  if (!res) t += s.evaluating[id] || "pending (received at step " + r.step + ")";
  else if (res.status === "applied") t += "applied from step " + res.step + detailText(s, res.detail);
  else t += res.status + ": " + (res.reason || res.error || "");
  if (c.reason) t += "\nreason: " + c.reason;
  const d = s.decisions.find((x) => x.command_id === id);
  if (d && d.decision && d.decision.rationale && d.decision.rationale !== c.reason) t += "\nagent: " + d.decision.rationale;
  return t;
}

/** What an applied command changed: each knob from and to (in its unit), the checkpoint it made. */
export function detailText(s, d) {
  if (!d || typeof d !== "object") return "";
  const parts = [];
  for (const [k, v] of Object.entries(d)) {
    if (v && typeof v === "object" && "from" in v && "to" in v) {
      const spec = s.run.specs.find((x) => x.name === k); // a boolean as on/off, a choice by name
      const say = (x) => (spec && typeof x === "number" ? knobValueText(spec, x) : fmt(x));
      parts.push(k + " " + say(v.from) + " → " + say(v.to));
    }
    else if (k === "checkpoint" && typeof v === "string") parts.push("checkpoint " + v);
  }
  return parts.length ? " (" + parts.join(", ") + ")" : "";
}
