// The checkpoints panel: every checkpoint of the run, newest first, each loadable into a new
// branch. Read from the API (GET .../checkpoints) when the run announces a checkpoint.
import { $, h } from "./format.js";

/**
 * @param ctx.runId () => the run the page shows
 * @param ctx.read a GET with the token when there is one
 * @param ctx.send posts one command: send(body, button, errorElement, input)
 * @param ctx.renderControlsEnabled enables or disables every control for the run's state
 */
export function makeCheckpointPanel({ runId, read, send, renderControlsEnabled }) {
  let timer = null;

  function schedule() {
    if (timer) return;
    timer = setTimeout(() => { timer = null; load(); }, 300);
  }
  async function load() {
    if (!runId()) return;
    let checkpoints;
    try {
      const r = await read("api/runs/" + encodeURIComponent(runId()) + "/checkpoints");
      if (!r.ok) return;
      checkpoints = (await r.json()).checkpoints || [];
    } catch (e) { return; }
    const body = $("ckpts");
    body.textContent = "";
    const newestFirst = checkpoints.slice().sort((a, b) => b.step - a.step || String(a.id).localeCompare(String(b.id)));
    for (const ck of newestFirst) body.append(row(ck));
    renderControlsEnabled();
  }
  function row(ck) {
    const branch = h("input", { type: "text", size: 7, placeholder: "branch", "aria-label": "new branch name for " + ck.id });
    const load = h("button", { type: "button", title: "load into a new branch" }, "Load");
    load.addEventListener("click", () => {
      const args = { checkpoint: ck.id };
      if (branch.value.trim()) args.branch = branch.value.trim();
      send({ type: "load_checkpoint", args }, load, $("ckpt-err"), branch);
    });
    return h("tr", { "data-checkpoint": ck.id }, h("td", {}, ck.id), h("td", { class: "num" }, ck.step),
      h("td", {}, ck.tag || (ck.periodic ? "periodic" : "")), h("td", {}, branch, " ", load));
  }

  return { schedule, load };
}
