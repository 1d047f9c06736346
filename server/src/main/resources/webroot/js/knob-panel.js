// The knob panel, drawn from the knob table the run registered: per knob its value (in its unit),
// its bounds, a control that fits its type (a field for a real, a whole-number field for an
// integer, a toggle for a boolean, a list for a choice), ×2 and ×½ where its scale is log, and the
// lock. A refused value shows the server's reason under its field; nothing else changes.
import { $, fmt, h, text } from "./format.js";

/** A knob's value as a person reads it: on/off, the option's name, or the number in its unit. */
export function knobValueText(k, v) {
  if (v === undefined || v === null) return "–";
  if (k.type === "bool") return v ? "on" : "off";
  if (k.type === "choice") return (k.choices || [])[v] ?? String(v);
  return fmt(v) + (k.unit ? " " + k.unit : "");
}

/** What a knob may hold: its bounds (and scale), its options, or on/off. */
export function knobBoundsText(k) {
  if (k.type === "bool") return "on / off";
  if (k.type === "choice") return (k.choices || []).join(" | ");
  return "[" + fmt(k.min) + ", " + fmt(k.max) + "]" + (k.type === "int" ? " whole" : "") + (k.scale === "log" ? " · log" : "");
}

/**
 * @param ctx.knobs () => the knobs now: {specs: the knob table, values: name -> value, locks: names}
 * @param ctx.send posts one command: send(body, button, errorElement, input)
 */
export function makeKnobPanel({ knobs, send }) {
  let builtFor = null; // the knob table the rows were made from: a new one (a knobs event) rebuilds them

  /** The rows (made again when the knob table changes) and their values. */
  function render() {
    const specs = knobs().specs;
    if (specs !== builtFor) { builtFor = specs; build(specs); }
    update();
  }

  function build(specs) {
    const box = $("knobs");
    box.textContent = "";
    if (!specs.length) { box.append(h("p", { class: "muted" }, "waiting for the run's knobs…")); return; }
    for (const k of specs) box.append(row(k));
  }

  function row(k) {
    const err = h("p", { class: "err", role: "alert" });
    const form = h("form", { class: "edit", novalidate: true });
    const set = (value, btn, input) => send({ type: "set_knobs", args: { [k.name]: value } }, btn, err, input);
    if (k.type === "bool") {
      const toggle = h("button", { type: "button", "data-role": "toggle", "aria-pressed": "false", title: "turn " + k.name + " on or off" }, "Turn on");
      toggle.addEventListener("click", () => set(!knobs().values[k.name], toggle));
      form.append(toggle);
    } else if (k.type === "choice") {
      const select = h("select", { "aria-label": "new value for " + k.name },
        ...(k.choices || []).map((c) => h("option", { value: c }, c)));
      const btn = h("button", { type: "submit", "data-role": "set" }, "Set");
      form.addEventListener("submit", (ev) => { ev.preventDefault(); set(select.value, btn); });
      form.append(select, btn);
    } else {
      numberField(k, form, set, err);
    }
    const lock = h("button", { type: "button", "data-role": "lock", title: "lock against the agent" }, "Lock");
    lock.addEventListener("click", () => {
      const locked = knobs().locks.includes(k.name);
      send({ type: locked ? "unlock_knob" : "lock_knob", args: { knob: k.name } }, lock, err);
    });
    form.append(lock);
    return h("div", { class: "knob", "data-knob": k.name, "data-type": k.type, "data-scale": k.scale || "linear" },
      h("span", { class: "name", title: k.description || "" }, k.name, h("span", { class: "lock", hidden: true }, "locked")),
      h("span", { class: "val" }, "–"),
      h("span", { class: "bounds" }, knobBoundsText(k)),
      h("span", { class: "role", title: k.role ? "its role: policies that know it act on it" : "" }, k.role || ""),
      form, err);
  }

  // A real knob takes what was typed (a word goes to the server, which says what is wrong with it);
  // an integer knob a whole-number field. The bounds are the field's own; the server still checks.
  function numberField(k, form, set, err) {
    const integer = k.type === "int";
    const input = integer
      ? h("input", { type: "number", step: 1, min: k.min, max: k.max, "aria-label": "new value for " + k.name, placeholder: "whole number" })
      : h("input", { type: "text", inputmode: "decimal", "data-min": k.min, "data-max": k.max, "aria-label": "new value for " + k.name, placeholder: "new value" });
    const btn = h("button", { type: "submit", "data-role": "set" }, "Set");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const raw = input.value.trim();
      if (raw === "") { err.textContent = integer && input.validity.badInput ? "a whole number, please" : "type a value first"; return; }
      const n = Number(raw);
      set(Number.isFinite(n) ? n : raw, btn, input);
    });
    form.append(input, btn);
    if (k.scale === "log") { // multiplying only makes sense on a log scale
      const dbl = h("button", { type: "button", "data-role": "double", title: "double " + k.name }, "×2");
      const half = h("button", { type: "button", "data-role": "halve", title: "halve " + k.name }, "×½");
      dbl.addEventListener("click", () => send({ type: "scale_knob", args: { knob: k.name, factor: 2 } }, dbl, err));
      half.addEventListener("click", () => send({ type: "scale_knob", args: { knob: k.name, factor: 0.5 } }, half, err));
      form.append(dbl, half);
    }
  }

  function update() {
    const { specs, values, locks } = knobs();
    for (const r of document.querySelectorAll("#knobs .knob")) {
      const name = r.dataset.knob;
      const k = specs.find((x) => x.name === name);
      if (!k) continue;
      text(r.querySelector(".val"), knobValueText(k, values[name]));
      const locked = locks.includes(name);
      r.querySelector(".lock").hidden = !locked;
      text(r.querySelector('[data-role="lock"]'), locked ? "Unlock" : "Lock");
      const toggle = r.querySelector('[data-role="toggle"]');
      if (toggle) {
        const on = !!values[name];
        toggle.setAttribute("aria-pressed", String(on));
        text(toggle, on ? "Turn off" : "Turn on");
      }
    }
  }

  return { render };
}
