// What a chart gives uPlot: up to DECIMATE_ABOVE steps, the series' arrays themselves; beyond, the
// min and max of each series over buckets, so a draw costs the same at 300,000 steps as at 8,000.
// No DOM: it reads the chart's scales and keeps its buckets in the chart's cache.

const DECIMATE_ABOVE = 8192;
const MAX_BUCKETS = 2048;

// What uPlot gets. Up to DECIMATE_ABOVE steps, the arrays themselves. Beyond, min and max of
// each series over buckets of B steps (B a power of two, at most MAX_BUCKETS buckets); spikes
// survive as the bucket's max. Only buckets at or after the first step written since the last
// draw are recomputed. A zoom on a narrow range gets the full-resolution slice of that range.
export function decimated(c, store) {
  const n = store.x.length;
  const ys = c.series.map((f) => f());
  if (c.zoomed) {
    const lo = Math.max(0, Math.floor(c.u.scales.x.min) - 1), hi = Math.min(n, Math.ceil(c.u.scales.x.max) + 2);
    if (hi - lo <= DECIMATE_ABOVE) return [store.x.slice(lo, hi), ...ys.map((a) => a.slice(lo, hi))];
  }
  if (n <= DECIMATE_ABOVE) { c.cache = null; return [store.x, ...ys]; }
  let B = 1;
  while (Math.ceil(n / B) > MAX_BUCKETS) B *= 2;
  let k = c.cache, from = 0;
  if (!k || k.B !== B || k.ns !== ys.length) k = c.cache = { B, ns: ys.length, x: [], ys: ys.map(() => []), n: 0 };
  else from = Math.floor(Math.min(store.dirtyFrom, k.n) / B);
  const nb = Math.ceil(n / B);
  for (let i = from; i < nb; i++) bucket(k, ys, i, Math.min(n, i * B + B));
  k.x.length = 2 * nb;
  for (const y of k.ys) y.length = 2 * nb;
  k.n = n;
  return [k.x, ...k.ys];
}
function bucket(k, ys, i, hi) {
  const lo = i * k.B;
  k.x[2 * i] = lo;
  k.x[2 * i + 1] = hi - lo > 1 ? lo + (hi - lo) / 2 : lo + 0.5;
  for (let j = 0; j < ys.length; j++) {
    const a = ys[j];
    let mn = null, mx = null, imn = 0, imx = 0;
    for (let t = lo; t < hi; t++) {
      const v = a[t];
      if (v === null) continue;
      if (mn === null || v < mn) { mn = v; imn = t; }
      if (mx === null || v > mx) { mx = v; imx = t; }
    }
    const y = k.ys[j];
    // in the order they happened, so the line goes through the extremes as the run did
    if (imn <= imx) { y[2 * i] = mn; y[2 * i + 1] = mx; } else { y[2 * i] = mx; y[2 * i + 1] = mn; }
  }
}
