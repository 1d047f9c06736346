// The run's own controls (pause, resume, evaluate, stop, save, reload the data, the smoothing, the
// token button) and what enables every control: a live, hosted run and a connection; else the
// read-only banner says why.
import { $, text } from "./format.js";
import { agentOf, readOnly, statusOf } from "./console-state.js";

/**
 * @param ctx.current () => the console's state now
 * @param ctx.send posts one command: send(body, button, errorElement, input)
 * @param ctx.auth the token (auth.js)
 * @param ctx.runId () => the run the page shows
 * @param ctx.connection connected() and wasConnected() (connection.js)
 * @param ctx.smoothed () => the smoothing changed: the smoothed loss is recomputed and drawn
 */
export function makeControls({ current, send, auth, runId, connection, smoothed }) {

  function wire() {
    for (const b of document.querySelectorAll("#run-panel [data-cmd]")) {
      b.addEventListener("click", () => {
        const type = b.dataset.cmd;
        if (type === "stop" && !confirm("Stop the run? It saves a final checkpoint and ends.")) return;
        send({ type, args: {} }, b, $("run-err"));
      });
    }
    $("save-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const tag = $("save-tag").value.trim();
      send({ type: "save_checkpoint", args: tag ? { tag } : {} }, ev.submitter || $("save-form").querySelector("button"), $("run-err"), $("save-tag"));
    });
    $("reload-btn").addEventListener("click", (ev) =>
      send({ type: "reload_data", args: {} }, ev.currentTarget, $("data-err")));
    $("smoothing").addEventListener("input", () => { text($("smoothing-val"), $("smoothing").value); smoothed(); });
    $("token-btn").addEventListener("click", async () => {
      if (auth.token()) { auth.set(null); return; }
      if ((await auth.ask()) && auth.privateReads() && !runId()) location.reload();
    });
  }

  function renderEnabled() {
    const s = current();
    const off = readOnly(s) || !connection.connected();
    for (const el of document.querySelectorAll("#side button, #side input, #side select")) {
      if (el.classList.contains("busy")) continue;
      el.disabled = off;
    }
    const mode = agentOf(s).mode;
    if (!mode || mode === "off") {
      for (const el of document.querySelectorAll("#agent-form button, #agent-form input, #words-form button, #words-form textarea")) el.disabled = true;
    }
    const banner = $("banner");
    if (!connection.connected() && connection.wasConnected()) return; // the connection banner is set by the socket code
    if (readOnly(s) && runId()) {
      const status = statusOf(s);
      banner.hidden = false; banner.dataset.kind = "readonly";
      text(banner, "Run " + runId() + " is " + (s.server.live ? status : status + " and not hosted by this server") + ": read-only.");
    } else if (banner.dataset.kind !== "lost") {
      banner.hidden = true;
    }
  }

  return { wire, renderEnabled };
}
