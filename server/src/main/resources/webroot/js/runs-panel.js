// The runs overview (every run this control plane knows, a loss sparkline each), the run selector
// and the link to the run's morning report.
import { $, fmt, h, text } from "./format.js";

/**
 * @param ctx.runId () => the run the page shows
 * @param ctx.read a GET with the token when there is one
 * @param ctx.needsToken () => whether reads want the token (a --private server, or a page holding one)
 * @param ctx.stats the page's figures (runsShown: rows in the overview)
 */
export function makeRunsPanel({ runId, read, needsToken, stats }) {

  /** A run's status in the runs table and the run selector, so the two never disagree. */
  function showRunStatus(id, status, live) {
    const label = status + (live ? "" : " (read-only)");
    const tr = $("runs").tBodies[0].querySelector("tr[data-run='" + CSS.escape(id) + "']");
    if (tr) { tr.cells[1].className = "status-" + status; text(tr.cells[1], label); }
    for (const o of $("run-select").options) if (o.value === id) text(o, id + " · " + label);
  }

  /** Rows are updated in place (keyed by run id), so a row under the pointer stays the same element. */
  function render(runs) {
    const body = $("runs").tBodies[0];
    const seen = new Set();
    for (const r of runs) {
      seen.add(r.id);
      let tr = body.querySelector("tr[data-run='" + CSS.escape(r.id) + "']");
      if (!tr) {
        tr = h("tr", { "data-run": r.id, title: "open run " + r.id,
          onclick: () => { if (r.id !== runId()) location.search = "?run=" + encodeURIComponent(r.id); } },
          h("td", {}, r.id), h("td"), h("td"), h("td"), h("td"), h("td"));
        body.append(tr);
      }
      tr.classList.toggle("current", r.id === runId());
      const hl = r.last_health && r.last_health.kind ? r.last_health.kind + " at step " + r.last_health.step : "–";
      const last = (r.loss || []).length ? r.loss[r.loss.length - 1] : null;
      const c = tr.cells;
      showRunStatus(r.id, r.status, r.live);
      text(c[2], String(r.step));
      c[3].replaceChildren(sparkline(r.loss), " " + fmt(last));
      text(c[4], r.agent || "off");
      text(c[5], hl);
    }
    for (const tr of [...body.rows]) if (!seen.has(tr.dataset.run)) tr.remove();
    stats.runsShown = runs.length;
  }

  async function refresh() {
    try {
      const r = await read("api/runs");
      render((await r.json()).runs || []);
    } catch (e) {
      // the connection banner says what is wrong; the overview keeps what it had
    }
  }

  /** The selector lists every run, the one shown picked; choosing another opens it. */
  function fillSelect(runs, pick) {
    const sel = $("run-select");
    for (const r of runs) sel.append(h("option", { value: r.id, selected: pick && r.id === pick.id }, r.id + " · " + r.status + (r.live ? "" : " (read-only)")));
    sel.addEventListener("change", (ev) => {
      const u = new URL(location.href); u.searchParams.set("run", ev.target.value); location.href = u.toString();
    });
  }

  /**
   * The run's morning report opens in a new tab. A server with --private wants the token on reads,
   * which a link cannot send: a page that holds a token (it may be such a server's: a reload that
   * finds the token in the tab's storage never sees a 401) fetches the report with it and opens it
   * from memory.
   */
  function wireReport() {
    const a = $("report-link");
    a.href = "api/runs/" + encodeURIComponent(runId()) + "/report";
    a.hidden = false;
    a.addEventListener("click", async (ev) => {
      if (!needsToken()) return; // an open server serves it to a plain link
      ev.preventDefault();
      const tab = window.open("about:blank", "_blank");
      try {
        const r = await read(a.getAttribute("href"));
        if (!r.ok) throw new Error("HTTP " + r.status);
        const url = URL.createObjectURL(new Blob([await r.text()], { type: "text/html" }));
        if (tab) tab.location = url; else location.href = url;
      } catch (e) {
        if (tab) tab.close();
        text($("run-err"), "The report could not be read: " + e.message);
      }
    });
  }

  return { render, refresh, showRunStatus, fillSelect, wireReport };
}

/** A loss sparkline as an inline SVG polyline (higher loss drawn higher). */
function sparkline(values) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 120 22");
  const v = (values || []).filter((x) => typeof x === "number" && Number.isFinite(x));
  if (v.length < 2) return svg;
  const lo = Math.min(...v), hi = Math.max(...v), span = hi - lo || 1;
  const pts = v.map((x, i) => (i * 120 / (v.length - 1)).toFixed(1) + "," + (21 - (x - lo) / span * 20).toFixed(1));
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", pts.join(" "));
  svg.append(line);
  return svg;
}
