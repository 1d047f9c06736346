// Sending commands: one gesture, one command (a double click or a bounced Enter sends one), the
// control busy until the server answers, a refusal under the control that sent it.

/**
 * One gesture, one command. A control is busy until the server answers, and, whatever the speed
 * of that answer, the same command again within GESTURE_MS is the rest of the first gesture (the
 * second click of a double click, a bounced Enter), even from a control redrawn in between. A
 * different command (another value typed) is a new gesture.
 */
const GESTURE_MS = 600;

/**
 * @param ctx.auth the token (auth.js)
 * @param ctx.runId () => the run the page shows
 * @param ctx.readOnly () => whether the run takes no commands (not hosted here, or over)
 * @param ctx.status () => the run's status, to say why it is read-only
 * @param ctx.connected () => whether the stream is up
 * @param ctx.stats the page's figures (inflight, sent, suppressed, lastSent)
 */
export function makeCommands({ auth, runId, readOnly, status, connected, stats }) {
  const lastByCommand = new Map();
  const errTargets = new Map(); // command id -> element that shows its rejection
  let counter = 0;

  function newId() {
    const rnd = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
    return "h-" + Date.now().toString(36) + "-" + rnd + "-" + (++counter);
  }
  function sameGesture(body) {
    const now = performance.now(), key = JSON.stringify(body);
    const recent = (t) => t !== undefined && now - t < GESTURE_MS;
    if (recent(lastByCommand.get(key))) return true;
    lastByCommand.set(key, now);
    for (const [k, t] of lastByCommand) if (!recent(t)) lastByCommand.delete(k);
    return false;
  }

  /**
   * Posts one command; see sameGesture for why a double click or a double Enter sends one. A 400
   * names the field at fault: route(field), when given, says which error element and input show it.
   */
  async function send(body, btn, errEl, input, route) {
    if (btn && (btn.disabled || btn.classList.contains("busy"))) return;
    if (sameGesture(body)) { stats.suppressed++; return; }
    if (errEl) errEl.textContent = "";
    if (input) input.classList.remove("invalid");
    if (readOnly()) { if (errEl) errEl.textContent = "this run is " + status() + ": read-only"; return; }
    if (!auth.token() && !(await auth.ask())) { if (errEl) errEl.textContent = "no token: command not sent"; return; }
    const cmd = Object.assign({ id: newId(), source: "human" }, body);
    if (btn) { btn.disabled = true; btn.classList.add("busy"); }
    stats.inflight++; stats.sent++; stats.lastSent = cmd.id;
    try {
      const r = await fetch("api/runs/" + encodeURIComponent(runId()) + "/commands", {
        method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer " + auth.token() },
        body: JSON.stringify(cmd),
      });
      if (r.status === 202) {
        if (errEl) errTargets.set(cmd.id, errEl);
        if (input) input.value = "";
        return;
      }
      await refused(r, errEl, input, route);
    } catch (e) {
      if (errEl) errEl.textContent = "not sent: the connection to the server is lost";
    } finally {
      stats.inflight--;
      if (btn) { btn.classList.remove("busy"); btn.disabled = readOnly() || !connected(); }
    }
  }
  async function refused(r, errEl, input, route) {
    let answer = {};
    try { answer = await r.json(); } catch (e) { /* not JSON */ }
    if (r.status === 401) auth.set(null);
    const at = r.status === 400 && route ? route(answer.field) : null;
    if (at) { errEl = at.err; input = at.input; }
    let msg = answer.error || "HTTP " + r.status;
    if (r.status === 429) msg += " (retry in " + (r.headers.get("Retry-After") || "1") + " s)";
    if (r.status === 401) msg += " — set the token and try again";
    if (errEl) errEl.textContent = msg;
    if (input && r.status === 400) input.classList.add("invalid");
  }

  /** A command's result came: a refusal shows under the control that sent it. */
  function answered(result) {
    const target = errTargets.get(result.command_id);
    if (!target) return;
    if (result.status !== "applied") target.textContent = result.status + ": " + (result.reason || result.error || "");
    errTargets.delete(result.command_id);
  }

  return { send, answered };
}
