// Drawing paced to frames: any number of events between two frames make one draw, from the state
// as it is at that frame (requestAnimationFrame). Live, at most one draw every DRAW_EVERY_MS; while
// a long history streams in, one a second: the history is not news.

const DRAW_EVERY_MS = 250;
const REPLAY_EVERY_MS = 1000;
const STATS_KEPT = 2000;

/**
 * @param ctx.draw () => draws the page from the state
 * @param ctx.replaying () => whether the stream is still bringing the history
 * @param ctx.stats the page's figures: draws, drawMs, updateMs (first undrawn event to drawn), firstUndrawn
 */
export function makeFrames({ draw, replaying, stats }) {
  let timer = null; // a frame asked for
  let lastDraw = 0;

  function schedule() {
    if (stats.firstUndrawn === null) stats.firstUndrawn = performance.now();
    if (timer !== null) return;
    const wait = Math.max(0, lastDraw + (replaying() ? REPLAY_EVERY_MS : DRAW_EVERY_MS) - performance.now());
    timer = setTimeout(() => requestAnimationFrame(frame), wait);
  }
  function frame() {
    timer = null;
    const t0 = performance.now();
    draw();
    const t1 = performance.now();
    lastDraw = t1;
    stats.draws++;
    push(stats.drawMs, t1 - t0);
    if (stats.firstUndrawn !== null) { push(stats.updateMs, t1 - stats.firstUndrawn); stats.firstUndrawn = null; }
  }
  /** Draws at once (the history has just been read), whatever frame was asked for. */
  function now() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    frame();
  }

  return { schedule, now, pending: () => timer !== null, sinceDrawMs: () => performance.now() - lastDraw };
}

function push(a, v) { a.push(v); if (a.length > STATS_KEPT) a.shift(); }
