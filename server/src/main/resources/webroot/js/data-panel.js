// The data panel: a run's named data sources, their weights and validation losses, a field per
// weight (the server's reason under a refused one) and a reload button's target.
import { $, fmt, h, text, valueForm } from "./format.js";

/**
 * @param ctx.data () => the run's data sources: {weights, sources, valLoss, lastChange}, or null
 * @param ctx.send posts one command: send(body, button, errorElement, input)
 * @param ctx.renderControlsEnabled enables or disables every control for the run's state
 */
export function makeDataPanel({ data, send, renderControlsEnabled }) {

  let dataSig = "";
  function renderData() {
    const d = data();
    $("data-panel").hidden = !d;
    if (!d) return;
    const names = Object.keys(d.weights || {});
    const sig = names.join("|");
    const box = $("data-sources");
    if (sig !== dataSig) {
      dataSig = sig;
      box.textContent = "";
      for (const name of names) box.append(sourceRow(name));
      renderControlsEnabled();
    }
    for (const name of names) {
      const row = box.querySelector('[data-source="' + CSS.escape(name) + '"]');
      if (!row) continue;
      text(row.querySelector(".weight"), fmt(d.weights[name]));
      const src = (d.sources || []).find((s) => s.name === name);
      text(row.querySelector(".files"), src ? (src.files || []).length + " files · " + src.path : "");
      const v = d.valLoss && d.valLoss[name];
      text(row.querySelector(".val-loss"), typeof v === "number" ? "val loss " + fmt(v, 4) : "");
    }
    const c = d.lastChange || {};
    text($("data-said"), c.change === "reload" ? "reloaded " + (c.reloaded || []).join(", ") + " from step " + c.from_step
      : c.change === "mixture" ? "weights changed from step " + c.from_step : "");
  }
  function sourceRow(name) {
    const { form, err } = valueForm("new weight for source " + name, "weight", (value, button, errEl, input) =>
      send({ type: "set_data_mixture", args: { weights: { [name]: value } } }, button, errEl, input));
    return h("div", { class: "source", "data-source": name },
      h("span", { class: "name" }, name), h("span", { class: "weight" }, ""), h("span", { class: "files" }, ""),
      h("span", { class: "val-loss" }, ""), form, err);
  }
  return { render: renderData };
}
