// Formatting and DOM helpers shared by the console's modules.

export const $ = (id) => document.getElementById(id);


/**
 * The notation people who train models read: plain decimals from 0.01 to 10,000 (0.01, 1, 312.5),
 * otherwise scientific with a one-digit mantissa (2.5e-4, 1e-8, 1.2e5); at most 4 significant digits.
 */
export function fmt(x, digits = 4) {
  if (x === null || x === undefined || x === "") return "–";
  if (typeof x !== "number") return String(x);
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-2 && a < 1e4) return Number(x.toPrecision(digits)).toString();
  const [m, e] = x.toExponential(digits - 1).split("e");
  return trim(m) + "e" + Number(e);
}
export function trim(s) {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
export function fmtDuration(s) {
  if (!Number.isFinite(s) || s < 0) return "–";
  if (s < 60) return Math.round(s) + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + Math.round(s % 60) + "s";
  return Math.floor(s / 3600) + "h " + Math.round((s % 3600) / 60) + "m";
}
export function text(el, s) { if (el.textContent !== s) el.textContent = s; }
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids) if (k !== null && k !== undefined) el.append(k instanceof Node ? k : String(k));
  return el;
}
export function describeArgs(type, args) {
  const a = args || {};
  switch (type) {
    case "set_knobs": return Object.entries(a).map(([k, v]) => k + " = " + fmt(v)).join(", ");
    case "scale_knob": return a.knob + " × " + fmt(a.factor);
    case "load_checkpoint": return a.checkpoint + (a.branch ? " → " + a.branch : "");
    case "save_checkpoint": return a.tag || "";
    case "lock_knob": return a.knob + (a.steps ? " for " + a.steps + " steps" : "");
    case "unlock_knob": return a.knob;
    case "agent": return Object.entries(a).map(([k, v]) => k + " = " + v).join(", ");
    case "note": return a.text || "";
    case "tell_agent": return a.withdraw ? "(withdrawn)" : "“" + (a.text || "") + "”";
    case "set_data_mixture": return Object.entries(a.weights || {}).map(([k, v]) => k + " = " + fmt(v)).join(", ");
    case "reload_data": return (a.sources || []).map((x) => (typeof x === "string" ? x : x.name + " ← " + x.path)).join(", ") || "all sources";
    case "set_goal": return a.clear ? "(cleared)" : (a.direction || "") + " " + a.metric + (a.target !== undefined ? " → " + fmt(a.target) : "");
    case "reset_module": return a.module;
    case "set_module_param": return a.module + " " + a.param + " = " + fmt(a.value);
    case "run_action": return (a.action || "") + " " + Object.entries(a).filter(([k]) => k !== "action").map(([k, v]) => k + " = " + fmt(v)).join(", ");
    default: return Object.keys(a).length ? JSON.stringify(a) : "";
  }
}

/**
 * A number field and its Set button, as for knobs: a value that is not a number is sent as typed,
 * so the server says what is wrong with it (under the field, in {@code err}).
 *
 * @param label the field's accessible name
 * @param placeholder what the empty field shows
 * @param onValue (value, button, err, input) => send the command
 */
export function valueForm(label, placeholder, onValue) {
  const input = h("input", { type: "text", inputmode: "decimal", size: 6, placeholder, "aria-label": label });
  const button = h("button", { type: "submit", "data-role": "set" }, "Set");
  const err = h("p", { class: "err", role: "alert" });
  const form = h("form", { class: "edit" }, input, button);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const raw = input.value.trim();
    if (raw === "") { err.textContent = "type a value first"; return; } // an Enter on an empty field sends nothing
    const n = Number(raw);
    onValue(Number.isFinite(n) ? n : raw, button, err, input);
  });
  return { form, err };
}
