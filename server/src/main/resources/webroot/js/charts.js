// The charts (uPlot, vendored): train loss, validation loss, lr, gradient norm and throughput, a
// chart per evaluation metric and per loop's own figure as they are first named. They read the
// series' arrays (series.js) through a decimated view, so a draw costs the same at 300,000 steps
// as at 8,000.
import { $, fmt, h, text } from "./format.js";
import { VALUE } from "./series.js";
import { decimated } from "./decimate.js";

/**
 * @param ctx.series the series (series.js): its store and metricArray
 * @param ctx.reports () => what the workload reports (perplexity, throughput unit)
 * @param ctx.placeMarks (chart) => puts the intervention marks on a chart after uPlot draws it
 * @param ctx.redraw () => asks for a draw at the next frame (a zoom, a reset)
 */
export function makeCharts({ series, reports, placeMarks, redraw }) {
  const store = series.store;
  const charts = [];
  const metricCharts = new Map(); // name -> chart
  const valueCharts = new Map(); // name -> chart
  const makeChart = (id, title, opts) => {
    const c = chart({ store, placeMarks, redraw }, id, title, opts);
    charts.push(c);
    return c;
  };

  function build() {
    const line = (b, data, label, width) => ({ data, opts: { label: b.name + " " + label, stroke: b.color, width, value: (u, v) => fmt(v) } });
    makeChart("chart-loss", "train loss (raw and smoothed)", {
      series: (b) => [
        { data: () => b.loss, opts: { label: b.name + " raw", stroke: b.color + "55", width: 1, value: (u, v) => fmt(v) } },
        line(b, () => b.ema, "smoothed", 2),
      ],
    });
    makeChart("chart-eval", "validation loss (left) and perplexity (right)", {
      series: (b) => [
        { data: () => b.ev, spanGaps: true, points: true,
          opts: { label: b.name + " val loss", stroke: b.color, width: 2,
            value: (u, v) => (v === null ? "–" : fmt(v) + (reports().perplexity ? " (ppl " + fmt(Math.exp(v)) + ")" : "")) } },
      ],
      // perplexity on the right for a language model; nothing there for other workloads
      rightAxis: { side: 1, scale: "y", grid: { show: false }, size: 58,
        values: (u, vals) => vals.map((v) => (reports().perplexity ? fmt(Math.exp(v), 3) : "")) },
    });
    makeChart("chart-lr", "learning rate (log scale)", { log: true, height: 150, series: (b) => [line(b, () => b.lr, "lr", 2)] });
    makeChart("chart-grad", "gradient norm (log scale, before clipping)", {
      log: true, height: 150, series: (b) => [line(b, () => b.gn, "grad norm", 1)],
    });
    makeChart("chart-tps", "throughput (tokens/s)", { height: 130, series: (b) => [line(b, () => b.tps, rateUnit(), 1)] });
    new ResizeObserver(resize).observe($("charts"));
  }
  function resize() {
    for (const c of charts) {
      const w = Math.max(300, c.el.clientWidth - 12);
      if (Math.abs(w - c.u.width) > 2) c.u.setSize({ width: w, height: c.u.height });
    }
  }

  // A workload's own evaluation metrics (accuracy, F1, ...): a chart each, made when the first
  // evaluation names it, placed after the validation loss.
  function metricChart(name, better, title) {
    if (metricCharts.has(name)) return;
    const el = h("div", { class: "chart metric-chart", id: "chart-metric-" + name, "data-metric": name });
    const after = [...metricCharts.values()].pop();
    (after ? after.el : $("chart-eval")).after(el);
    const dir = better === "lower" ? "lower" : better === "higher" ? "higher" : null;
    const c = makeChart(el.id, (title || "validation " + name) + (dir ? " (" + dir + " is better)" : ""), {
      height: 150,
      series: (b) => [{ data: () => series.metricArray(b, name), spanGaps: true, points: true,
        opts: { label: b.name + " " + name, stroke: b.color, width: 2, value: (u, v) => (v === null ? "–" : fmt(v, 4)) } }],
    });
    for (const b of store.branches.values()) c.addBranch(b);
    metricCharts.set(name, c);
  }

  // A loop's own named figures per step (a GAN's two losses, say): a chart each, made when the
  // first metrics name it, placed after the train loss.
  function valueChart(name) {
    if (valueCharts.has(name)) return;
    const el = h("div", { class: "chart value-chart", id: "chart-value-" + name, "data-value": name });
    const after = [...valueCharts.values()].pop();
    (after ? after.el : $("chart-loss")).after(el);
    const c = makeChart(el.id, name + " (the run's own figure)", {
      height: 150,
      series: (b) => [{ data: () => series.metricArray(b, VALUE + name), opts: { label: b.name + " " + name, stroke: b.color, width: 1, value: (u, v) => fmt(v) } }],
    });
    for (const b of store.branches.values()) c.addBranch(b);
    valueCharts.set(name, c);
  }

  /** A throughput figure's unit: tokens/s for a language model, samples/s otherwise. */
  function rateUnit() { return (reports().throughput_unit || "tokens") + "/s"; }
  /** The charts' titles say what this workload reports. */
  function retitle() {
    for (const c of charts) {
      const el = c.u.root.querySelector(".u-title");
      if (!el) continue;
      if (c.el.id === "chart-eval") text(el, reports().perplexity ? "validation loss (left) and perplexity (right)" : "validation loss");
      if (c.el.id === "chart-tps") text(el, "throughput (" + rateUnit() + ")");
    }
  }

  /** Every chart from the series as they are now; only what was written since the last draw is re-bucketed. */
  function draw() {
    for (const c of charts) c.u.batch(() => c.u.setData(decimated(c, store), !c.zoomed));
    store.dirtyFrom = Infinity;
  }

  /** A branch's arrays exist: each chart adds its series. */
  function addBranch(b) { charts.forEach((c) => c.addBranch(b)); }

  return { charts, metricCharts, valueCharts, build, addBranch, metricChart, valueChart, retitle, draw };
}

/**
 * One uPlot chart in the element with that id, its intervention-mark layer over it; its series
 * are added per branch (addBranch), each reading its array through the decimated view.
 */
export function chart({ store, placeMarks, redraw }, id, title, opts) {
  const el = $(id);
  const c = { el, title, opts, zoomed: false, u: null, marks: new Map(), layer: null, series: [] };
  const axes = [
    { values: (u, vals) => vals.map((v) => fmt(v)), size: 28 },
    { values: (u, vals) => vals.map((v) => fmt(v, 3)), size: 58 },
  ];
  if (opts.rightAxis) axes.push(opts.rightAxis);
  c.u = new uPlot({
    title, width: Math.max(300, el.clientWidth - 12), height: opts.height || 190,
    scales: { x: { time: false }, y: opts.log ? { distr: 3 } : {} },
    series: [{ label: "step", value: (u, v) => (v === null ? "–" : String(v)) }],
    axes, legend: { show: true, live: true },
    cursor: { sync: { key: "coxswain" }, drag: { x: true, y: false } },
    hooks: {
      draw: [() => placeMarks(c)],
      setSelect: [(u) => { if (u.select.width > 0) { c.zoomed = true; redraw(); } }],
    },
  }, [store.x], el);
  c.layer = h("div", { class: "marks" });
  c.u.over.append(c.layer);
  c.addBranch = (b) => {
    for (const s of opts.series(b)) {
      c.series.push(s.data);
      // points: uPlot's default shows them only where they are sparse enough to see
      c.u.addSeries(Object.assign({ spanGaps: !!s.spanGaps }, s.points ? {} : { points: { show: false } }, s.opts), c.series.length);
    }
    c.u.setData(decimated(c, store), !c.zoomed); // uPlot must never draw a series without its data
  };
  c.u.over.addEventListener("dblclick", () => { c.zoomed = false; redraw(); });
  return c;
}
