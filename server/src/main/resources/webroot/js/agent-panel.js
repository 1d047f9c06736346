// The agent panel: its policy and state, cadence, spend and goal, its controls (on/off, every, a
// person's words), and its decisions with what followed each. Drawn from the state.
import { $, fmt, h, text } from "./format.js";
import { agentOf } from "./console-state.js";

// what followed a decision over the next window: did the goal's metric improve?
const VERDICT = { helped: "▲ improved", hurt: "▼ worsened", neutral: "= unchanged", unknown: "? no data" };

/**
 * @param ctx.current () => the console's state now
 * @param ctx.send posts one command: send(body, button, errorElement, input)
 */
export function makeAgentPanel({ current, send }) {

  function wire() {
    $("agent-toggle").addEventListener("click", (ev) =>
      send({ type: "agent", args: { enabled: !agentOf(current()).enabled } }, ev.currentTarget, $("agent-err")));
    $("agent-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const raw = $("agent-every").value.trim();
      const n = Number(raw);
      send({ type: "agent", args: { every: raw !== "" && Number.isFinite(n) ? n : raw } },
        ev.submitter || $("agent-form").querySelector('button[type="submit"]'), $("agent-err"), $("agent-every"));
    });
    $("words-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      send({ type: "tell_agent", args: { text: $("words-text").value } },
        ev.submitter || $("words-form").querySelector('button[type="submit"]'), $("words-err"), $("words-text"));
    });
    $("words-withdraw").addEventListener("click", (ev) =>
      send({ type: "tell_agent", args: { withdraw: true } }, ev.currentTarget, $("words-err")));
  }

  function render(s) {
    const a = agentOf(s);
    const configured = a.mode && a.mode !== "off";
    const policy = a.lastPolicy || a.policy || a.mode;
    text($("ag-policy"), configured ? policy + (a.fallback ? " (fell back to rule)" : "") + (a.model ? " · " + a.model : "") : "none (start with --agent)");
    const state = !configured ? "off" : !a.enabled ? "off (turned off)" : a.budgetOut ? "budget spent: rule" : a.fallback ? "fallback: LLM failing" : "on";
    const stEl = $("ag-state");
    text(stEl, state);
    stEl.className = a.fallback || a.budgetOut ? "warn" : "";
    text($("ag-every"), a.every ? "every " + a.every + " steps" : "–");
    const b = a.budget || {};
    text($("ag-tokens"), fmt(a.tokens) + (b.max_tokens ? " / " + fmt(b.max_tokens) : ""));
    text($("ag-cost"), "$" + a.cost.toFixed(4) + (b.max_usd ? " / $" + b.max_usd.toFixed(2) : ""));
    text($("agent-toggle"), a.enabled ? "Turn off" : "Turn on");
    text($("words-said"), a.words ? "the agent reads in every prompt: “" + a.words + "”" : "no words to the agent");
    $("words-withdraw").hidden = !a.words;
    text($("ag-goal"), goalText(s.run.goal));
    renderDecisions(s);
  }

  function renderDecisions(s) {
    const list = $("decisions");
    const shown = s.decisions.slice(-30).reverse();
    const sig = shown.length + ":" + s.outcomes.size + ":" + (shown[0] ? (shown[0].id || shown[0].step + shown[0].health) : "");
    if (list.dataset.sig === sig) return;
    list.dataset.sig = sig;
    list.textContent = "";
    for (const d of shown) list.append(d.health ? healthItem(d) : decisionItem(d, s.outcomes.get(d.id)));
  }
  function healthItem(d) {
    return h("li", {}, h("span", { class: "act rollback" }, d.health), " at step " + d.step, h("span", { class: "why" }, d.message || ""));
  }
  function decisionItem(d, outcome) {
    const dec = d.decision || {};
    const tokens = d.usage ? (d.usage.input_tokens || 0) + (d.usage.output_tokens || 0) : 0;
    return h("li", { "data-decision": d.id || "" },
      "step " + d.step + " · ", h("span", { class: "act " + (dec.action || "") }, dec.action || "?"),
      " · " + (d.policy || "") + (tokens ? " · " + fmt(tokens) + " tok" : "") + (d.latency_ms !== undefined ? " · " + fmt(d.latency_ms) + " ms" : ""),
      outcomeSpan(outcome),
      h("span", { class: "why" }, dec.rationale || ""),
      // what the guardrails changed, and why (a floor, a band, a lock): the person reads it here
      Array.isArray(d.guardrail_edits) && d.guardrail_edits.length
        ? h("span", { class: "why guard", "data-guard": "" }, "guardrails: " + d.guardrail_edits.join("; ")) : null);
  }
  function outcomeSpan(o) {
    if (!o) return h("span", { class: "outcome pending", title: "judged when the next window ends" }, " · next window pending");
    const what = o.basis + " " + fmt(o.before) + " → " + fmt(o.after);
    return h("span", { class: "outcome " + o.verdict, "data-verdict": o.verdict, title: "over steps " + o.decision_step + "–" + o.step }, " · " + (VERDICT[o.verdict] || o.verdict) + " (" + what + ")");
  }

  return { wire, render };
}

/** The goal as a person reads it: what, how far, by when, and how it stands. */
export function goalText(g) {
  if (!g) return "none (set_goal, or goal: in the run's YAML)";
  let t = g.direction + " " + g.metric;
  if (g.target != null) t += (g.direction === "maximize" ? " ≥ " : " ≤ ") + fmt(g.target);
  if (g.deadline != null) t += " by step " + g.deadline;
  if (typeof g.best === "number") t += " · best " + fmt(g.best) + " at " + g.best_step;
  if (g.target_met) t += " · met";
  if (g.stalled) t += " · stalled";
  if (g.stop_early) t += " · may stop early";
  return t;
}
