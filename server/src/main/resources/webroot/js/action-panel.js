// The actions panel: a form per action the run registered, made from its fields (a number field
// with the field's bounds, a whole-number field, a checkbox, a list of options, a text), required
// fields marked. A submit sends run_action; a refused argument shows the server's reason under
// its field, and the result comes in the command history like any command's.
import { $, fmt, h } from "./format.js";

/**
 * @param ctx.actions () => the action specs the run announced
 * @param ctx.send posts one command: send(body, button, errorElement, input, route), where
 *     route(field) names the error element and input of a refused argument
 * @param ctx.renderControlsEnabled enables or disables every control for the run's state
 */
export function makeActionPanel({ actions: announced, send, renderControlsEnabled }) {
  let sig = null;

  function render() {
    const actions = announced() || [];
    const now = JSON.stringify(actions);
    if (now === sig) return;
    sig = now;
    $("action-panel").hidden = !actions.length;
    const box = $("actions");
    box.textContent = "";
    for (const a of actions) box.append(actionForm(a));
    renderControlsEnabled();
  }

  function actionForm(a) {
    const formErr = h("p", { class: "err", role: "alert" });
    const fields = a.fields.map(fieldRow);
    const btn = h("button", { type: "submit", "data-role": "run" }, "Run " + a.name);
    const form = h("form", { class: "action", "data-action": a.name, novalidate: true },
      h("div", { class: "head" }, h("span", { class: "name" }, a.name),
        a.agent ? h("span", { class: "who", title: "the agent may call it too" }, "agent may call") : null),
      a.description ? h("p", { class: "what" }, a.description) : null,
      ...fields.map((f) => f.row), h("div", { class: "row" }, btn), formErr);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      formErr.textContent = "";
      const args = { action: a.name };
      let bad = false;
      for (const f of fields) {
        f.err.textContent = "";
        f.input.classList.remove("invalid");
        const v = f.read();
        if (v === BAD) { bad = true; continue; }
        if (v !== undefined) args[f.spec.name] = v;
      }
      if (bad) return; // the field says why; nothing sent
      const route = (field) => {
        const f = fields.find((x) => "args." + x.spec.name === field);
        return f ? { err: f.err, input: f.input } : null;
      };
      send({ type: "run_action", args }, btn, formErr, null, route);
    });
    return form;
  }

  const BAD = Symbol("bad");

  /** One argument: its label, its input and the element its refusal shows in. */
  function fieldRow(f) {
    const err = h("p", { class: "err", role: "alert", "data-field": f.name });
    const label = "argument " + f.name;
    let input, read;
    if (f.type === "boolean" && f.required) {
      input = h("input", { type: "checkbox", "aria-label": label });
      read = () => input.checked;
    } else if (f.type === "boolean" || f.type === "choice") {
      const options = f.type === "boolean" ? ["true", "false"] : f.choices || [];
      input = h("select", { "aria-label": label },
        f.required ? null : h("option", { value: "" }, "(leave out)"),
        ...options.map((c) => h("option", { value: c }, c)));
      read = () => (input.value === "" ? undefined : f.type === "boolean" ? input.value === "true" : input.value);
    } else if (f.type === "integer") {
      input = h("input", { type: "number", step: 1, min: f.min, max: f.max, "aria-label": label });
      read = () => {
        if (input.validity.badInput) { err.textContent = "a whole number, please"; return BAD; }
        return input.value.trim() === "" ? undefined : Number(input.value);
      };
    } else if (f.type === "real") {
      input = h("input", { type: "text", inputmode: "decimal", "data-min": f.min, "data-max": f.max, "aria-label": label });
      read = () => {
        // a word goes to the server as typed: it says what is wrong with it
        const raw = input.value.trim(), n = Number(raw);
        return raw === "" ? undefined : Number.isFinite(n) ? n : raw;
      };
    } else {
      input = h("input", { type: "text", maxlength: f.max, "aria-label": label });
      read = () => (input.value === "" ? undefined : input.value);
    }
    const row = h("div", { class: "field", "data-field": f.name, title: f.description || "" },
      h("span", { class: "fname" }, f.name, f.required ? h("span", { class: "req", title: "required" }, "*") : null),
      input, h("span", { class: "bounds" }, fieldBounds(f)), err);
    return { spec: f, row, input, err, read };
  }

  function fieldBounds(f) {
    if (f.type === "text") return f.max != null ? "≤ " + f.max + " characters" : "";
    if (f.type !== "real" && f.type !== "integer") return "";
    if (f.min == null && f.max == null) return "";
    return "[" + (f.min == null ? "–" : fmt(f.min)) + ", " + (f.max == null ? "–" : fmt(f.max)) + "]";
  }

  return { render };
}
