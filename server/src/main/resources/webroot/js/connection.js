// The connection to the run: its state from the API, its history in one bulk read, then its events
// live over a WebSocket from the seq the history ends at; a lost connection is retried with a
// growing wait, the banner saying so.
import { $, text } from "./format.js";
import { FINAL } from "./console-state.js";

const HISTORY_METRICS = "loss,lr,grad_norm,tokens_per_s,values"; // values: a loop's own, as values.<name>
const historyPath = (id) => "api/runs/" + encodeURIComponent(id) + "/history?metrics=" + HISTORY_METRICS;

/**
 * The history of the run the address names, asked for at once, while the page builds itself: on a
 * long run it is the longest wait. Refused (a --private server without the token yet), it is asked
 * for again the usual way.
 */
export function askHistoryEarly(token) {
  const id = new URLSearchParams(location.search).get("run");
  if (!id) return null;
  const t = new URLSearchParams(location.hash.slice(1)).get("token") || token;
  return { id, r: fetch(historyPath(id), { headers: t ? { Authorization: "Bearer " + t } : {} }).catch(() => null) };
}

/**
 * @param ctx.auth the token (auth.js)
 * @param ctx.early what askHistoryEarly started, or null
 * @param ctx.page the page: runId(), lastSeq(), status(), step(), apply(event, fromHistory),
 *     server(answer, beforeReplay), history(read), redraw(), renderControlsEnabled()
 * @param ctx.stats the page's figures (streamed)
 */
export function makeConnection({ auth, early, page, stats }) {
  let ws = null, attempt = 0, connected = false, wasConnected = false, replayTo = undefined;
  let stateTimer = null;

  function setConn(state, label) {
    const c = $("st-conn"); c.dataset.state = state; text(c, label);
  }
  function lostBanner(message) {
    const b = $("banner");
    b.hidden = false; b.dataset.kind = "lost";
    text(b, message);
  }

  /** The run's state from the API; before the replay it also says up to which seq the history goes. */
  async function refreshState(beforeReplay) {
    const r = await auth.read("api/runs/" + encodeURIComponent(page.runId()));
    if (!r.ok) throw new Error("HTTP " + r.status);
    const st = await r.json();
    if (beforeReplay) replayTo = st.last_seq || 0;
    page.server(st);
  }
  // whether this server hosts the run can change with its status (a resume, an end): ask again
  function scheduleStateRefresh() {
    if (stateTimer) return;
    stateTimer = setTimeout(() => {
      stateTimer = null;
      refreshState().then(page.redraw, () => {}); // a failure shows up on the socket
    }, 300);
  }

  /**
   * The run's history in one read: each branch's metrics as columns, the other events whole, and
   * the seq they end at, from which the stream continues. A night of 300,000 steps opens in seconds
   * instead of replaying every event. If it fails, the stream replays whatever it did not bring.
   */
  async function loadHistory() {
    let r = early && early.id === page.runId() ? await early.r : null;
    if (!r || !r.ok) r = await auth.read(historyPath(page.runId()));
    if (!r.ok) throw new Error("HTTP " + r.status);
    page.history(await r.json());
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = proto + "//" + location.host + location.pathname.replace(/[^/]*$/, "") +
      "api/runs/" + encodeURIComponent(page.runId()) + "/stream?since=" + page.lastSeq();
    setConn("connecting", wasConnected ? "reconnecting…" : "connecting…");
    ws = new WebSocket(url);
    ws.onopen = () => {
      // a server with --private waits for the token as the first message (a browser cannot put it
      // in a header); an open server ignores it
      if (auth.token()) ws.send(JSON.stringify({ token: auth.token() }));
      attempt = 0; connected = true; wasConnected = true;
      setConn("live", FINAL.has(page.status()) ? "connected (" + page.status() + ")" : "live");
      const b = $("banner"); if (b.dataset.kind === "lost") { b.hidden = true; b.dataset.kind = ""; }
      page.redraw();
    };
    ws.onmessage = (m) => {
      let e;
      stats.streamed++;
      try { e = JSON.parse(m.data); } catch (err) { console.warn("unreadable event", err); return; }
      page.apply(e, false);
    };
    ws.onclose = closed;
  }
  function closed(ev) {
    ws = null;
    connected = false;
    if (ev.code === 1008) auth.set(null); // the token was refused: the next read asks again
    const wait = Math.min(5000, 500 * Math.pow(2, attempt++));
    setConn("lost", "connection lost");
    const status = page.status();
    const gone = FINAL.has(status) ? "The run " + status + " at step " + page.step() + " and its server has gone" : "";
    lostBanner((gone || "Connection to the server lost") + (ev.reason ? " (" + ev.reason + ")" : "") +
      ". Reconnecting in " + Math.round(wait / 100) / 10 + " s (attempt " + attempt + "); commands are disabled until it is back.");
    page.renderControlsEnabled();
    setTimeout(reconnect, wait);
  }
  async function reconnect() {
    try { await refreshState(true); } catch (e) { ws = null; connected = false; return connectLater(); }
    connect();
  }
  function connectLater() {
    const wait = Math.min(5000, 500 * Math.pow(2, attempt++));
    lostBanner("Connection to the server lost. Reconnecting in " + Math.round(wait / 100) / 10 + " s (attempt " + attempt + "); commands are disabled until it is back.");
    setConn("lost", "connection lost");
    setTimeout(reconnect, wait);
  }

  return {
    refreshState, scheduleStateRefresh, loadHistory, connect, connectLater, lostBanner,
    connected: () => connected, wasConnected: () => wasConnected, replayTo: () => replayTo,
  };
}
