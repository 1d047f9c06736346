// The model panel: the module tree asked of the trainer, a reset per module with parameters and a
// field per settable parameter (the server's reason under a refused value).
import { $, fmt, h, text, valueForm } from "./format.js";

/**
 * @param ctx.runId () => the run the page shows
 * @param ctx.read a GET with the token when there is one
 * @param ctx.send posts one command: send(body, button, errorElement, input)
 * @param ctx.renderControlsEnabled enables or disables every control for the run's state
 */
export function makeModelPanel({ runId, read, send, renderControlsEnabled }) {

  let modelTimer = null;
  let modelBuilt = false;
  function scheduleModel() {
    if (modelTimer) return;
    modelTimer = setTimeout(() => { modelTimer = null; loadModel(); }, 300);
  }
  async function loadModel() {
    if (!runId()) return;
    let tree;
    try {
      const r = await read("api/runs/" + encodeURIComponent(runId()) + "/model");
      if (!r.ok) {
        let why = "HTTP " + r.status;
        try { why = (await r.json()).error || why; } catch (e) { /* not JSON */ }
        if (!modelBuilt) { $("model").textContent = ""; $("model").append(h("p", { class: "muted" }, why)); }
        return;
      }
      tree = await r.json();
    } catch (e) { return; }
    if (!modelBuilt) buildModel(tree.modules || []);
    // the tree's shape never changes during a run: only the settable values are updated
    for (const m of tree.modules || []) {
      for (const p of m.settable || []) {
        const val = document.querySelector('#model [data-module="' + CSS.escape(m.module) + '"] [data-param="' + CSS.escape(p.param) + '"] .val');
        if (val) text(val, fmt(p.value));
      }
    }
  }
  function buildModel(modules) {
    modelBuilt = true;
    const box = $("model");
    box.textContent = "";
    for (const m of modules) {
      const err = h("p", { class: "err", role: "alert" });
      const name = m.module === "" ? "model" : m.module.slice(m.module.lastIndexOf(".") + 1);
      const head = h("div", { class: "head" }, h("span", { class: "name", title: m.module || "the whole model" }, name),
        h("span", { class: "type" }, m.type), h("span", { class: "count" }, m.parameter_count ? fmt(m.parameter_count) + " params" : ""));
      if ((m.operations || []).includes("reset")) {
        const reset = h("button", { type: "button", "data-role": "reset", title: "re-initialize " + m.module + "'s parameters and forget their optimizer state" }, "Reset");
        reset.addEventListener("click", () => {
          if (!confirm("Reset " + m.module + "? Its parameters are re-initialized and their optimizer state forgotten.")) return;
          send({ type: "reset_module", args: { module: m.module } }, reset, err);
        });
        head.append(reset);
      }
      const row = h("div", { class: "module", "data-module": m.module, style: "--depth:" + (m.depth || 0) }, head);
      for (const p of m.settable || []) row.append(setting(m, p));
      row.append(err);
      box.append(row);
    }
    renderControlsEnabled();
  }
  function setting(m, p) {
    const { form, err } = valueForm("new value for " + m.module + " " + p.param, "new value", (value, button, errEl, input) =>
      send({ type: "set_module_param", args: { module: m.module, param: p.param, value } }, button, errEl, input));
    return h("div", { class: "setting", "data-param": p.param },
      h("span", { class: "name", title: p.description || "" }, p.param), h("span", { class: "val" }, fmt(p.value)),
      h("span", { class: "bounds" }, "[" + fmt(p.min) + ", " + fmt(p.max) + "]"), form, err);
  }
  return { schedule: scheduleModel, load: loadModel };
}
