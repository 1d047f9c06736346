// The command history: a row per command (the last 500), who sent it, what it asked, how it ended.
// Rows are keyed by command id and updated in place: no flicker, and a row a person is reading
// stays put. Drawn from the state's commands.
import { $, describeArgs, h } from "./format.js";
import { detailText } from "./marks.js";

const SHOWN = 500;

export function makeHistoryPanel() {
  const rows = new Map();
  let drawn = { commands: null, evaluating: null };

  function render(s) {
    if (drawn.commands === s.run.commands && drawn.evaluating === s.evaluating) return;
    drawn = { commands: s.run.commands, evaluating: s.evaluating };
    const body = $("history").tBodies[0];
    for (const id of s.run.commandOrder.slice(-SHOWN)) {
      const r = s.run.commands[id], c = r.command, res = r.result;
      let status, cls;
      if (!res) { status = s.evaluating[id] || "pending"; cls = "pending"; }
      else if (res.status === "applied") { status = "applied at step " + res.step + detailText(s, res.detail); cls = "applied"; }
      else { status = res.status + ": " + (res.reason || res.error || ""); cls = res.status; }
      let tr = rows.get(c.id);
      if (!tr) {
        tr = h("tr", { "data-command-id": c.id },
          h("td", { class: "num" }, r.seq), h("td", {}, h("span", { class: "src " + c.source }, c.source)),
          h("td", {}, c.type + " " + describeArgs(c.type, c.args)), h("td", {}), h("td", {}, c.reason || ""));
        body.prepend(tr);
        rows.set(c.id, tr);
      }
      const state = res ? res.status : "pending";
      if (tr.dataset.status !== state || tr.cells[3].textContent !== status) {
        tr.dataset.status = state;
        tr.cells[3].className = "status-" + cls;
        tr.cells[3].textContent = status;
      }
    }
    while (body.rows.length > SHOWN) { const last = body.rows[body.rows.length - 1]; rows.delete(last.dataset.commandId); last.remove(); }
  }

  return { render };
}
