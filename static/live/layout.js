// The charts' shared layout and labels: sizes, a chart's base layout, the plot area in px, the
// one label layout (spread) used by the loss chart's notes and the parameters' names, the notes
// for values off the scale, axis ranges that only grow. Every function that depends on the chart
// instance takes its state (static/live/state.js) first.

// "{name}" placeholders filled from o (a translation may put them in any order)
export function fmt(text, o) {
  return String(text).replace(/\{(\w+)\}/g, (match, key) => (key in o ? String(o[key]) : match));
}

export function el(tag, cls, parent, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// a number for a note: 3 significant digits, or 1.3e+15
export function num(v) {
  const a = Math.abs(v);
  return a >= 1e4 || (a < 1e-3 && a > 0) ? v.toExponential(1) : String(+v.toPrecision(3));
}

// sizes for a laptop, and for a projector (presenter view: bigger text, thicker lines)
const SIZES = {
  normal: { font: 14, title: 17, legend: 13, line: 1, margin: { l: 62, r: 15, t: 12, b: 56 } },
  present: { font: 18, title: 22, legend: 16, line: 1.8, margin: { l: 78, r: 18, t: 10, b: 60 } },
};
export function sizes(state) { return state.present ? SIZES.present : SIZES.normal; }

// The legend (one or two rows, each entry as wide as its text) sits above the plot and
// pushes the top margin; the x-axis title is alone under the ticks; the chart's title is
// page text above (setTitle): nothing overlaps whatever the chart's size or language. The
// path chart's two stacked plots must keep the same plot area, so their margins are fixed,
// with room for two legend rows.
export function fixedMargin(state) {
  const z = sizes(state);
  return Object.assign({}, z.margin, { autoexpand: false, t: Math.round(z.legend * 3.4) });
}

function setTitle(state, name, text) {
  const t = state.titles[name];
  if (t && t.textContent !== text) t.textContent = text;
}

// a chart's layout: fonts, height, the legend above the plot, axis titles; `extra` overrides
export function base(state, name, title, xTitle, yTitle, extra) {
  const z = sizes(state);
  if (title) setTitle(state, name, title);
  return Object.assign({
    font: { size: z.font }, height: state.cellH, margin: z.margin, showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, xanchor: "left", yanchor: "bottom", font: { size: z.legend },
              entrywidth: 0, entrywidthmode: "pixels" },
    xaxis: { title: { text: xTitle } }, yaxis: { title: { text: yTitle } },
    uirevision: state.run, paper_bgcolor: state.meta.colors.clear, plot_bgcolor: state.meta.colors.plot_bg,
  }, extra || {});
}

// the step axis of the loss and parameter charts: the whole run, fixed
export function stepAxis(meta) {
  return { title: { text: meta.words.step }, range: [0, meta.total], autorange: false };
}

// the plot area in px (Plotly's, once drawn: the legend's rows take more of the height in
// Chinese or on a phone), or an estimate from the cell before the first drawing
export function plotSize(state, div, right) {
  const z = sizes(state), drawn = div && div._fullLayout && div._fullLayout._size;
  if (drawn) return { w: drawn.w, h: drawn.h };
  return { w: Math.max(40, (div ? div.clientWidth : 400) - z.margin.l - (right || z.margin.r)),
           h: Math.max(40, state.cellH - z.margin.b - z.legend * 2.2 - z.margin.t) };
}

// a y value on the axis' own scale (log10 on a log axis) to px from the plot's top, and back
export const toPx = (y, range, h) => ((range[1] - y) / (range[1] - range[0])) * h;
export const fromPx = (c, range, h) => range[1] - (c / h) * (range[1] - range[0]);

// a text's width in px at a font size (measured once per text and size)
const measured = new Map();
let measure = null;
export function textWidth(text, size) {
  const key = size + "|" + text;
  if (!measured.has(key)) {
    measure = measure || document.createElement("canvas").getContext("2d");
    measure.font = size + 'px "Open Sans", verdana, arial, sans-serif';
    measured.set(key, measure.measureText(String(text)).width);
  }
  return measured.get(key);
}

// The charts' one label layout: labels that each want their centre at c (px from the plot's
// top) and are h px tall, pushed apart so that no two overlap (pad px between them) and kept
// inside [0, plotH] when they fit. Changes c in place; a handful of labels, once per paint.
export function spread(items, plotH, pad) {
  const up = items.slice().sort((a, b) => b.c - a.c);         // from the bottom up
  const apart = (a, b) => (a.h + b.h) / 2 + pad;
  for (let i = 1; i < up.length; i++) up[i].c = Math.min(up[i].c, up[i - 1].c - apart(up[i - 1], up[i]));
  const top = up.length ? up[up.length - 1] : null;
  if (top) top.c = Math.max(top.c, top.h / 2);                  // the top one back in, the rest follow
  for (let i = up.length - 2; i >= 0; i--) up[i].c = Math.max(up[i].c, up[i + 1].c + apart(up[i], up[i + 1]));
  return items;
}

// Names at line ends: a text trace, each name just right of its line's last point at x (in
// the plot's right margin once the line reaches the end), names that would overlap pushed
// apart (spread). The order of the names stays the order of `ends`, so a frame can move them
// without redrawing. ends: [{y (on the axis' own scale), text, color}]; range: the y range.
export function endLabels(state, ends, x, range, div) {
  const z = sizes(state), h = plotSize(state, div).h;
  const items = ends.filter(e => e.y != null && isFinite(e.y) && e.y >= range[0] && e.y <= range[1])
    .map(e => Object.assign({}, e, { c: toPx(e.y, range, h), h: z.font * 1.2 }));
  spread(items, h, 0);
  return { x: items.map(() => x), y: items.map(e => fromPx(e.c, range, h)), name: "",
           text: items.map(e => e.text), mode: "text", textposition: "middle right", cliponaxis: false,
           showlegend: false, hoverinfo: "skip",
           textfont: { size: z.font, color: items.map(e => e.color) } };
}

// the right margin the end labels need: the widest name at the charts' font size
export function labelMargin(state, texts) {
  const widest = Math.max(0, ...texts.map(t => String(t).length));
  return Math.round(sizes(state).margin.r + 6 + widest * sizes(state).font * 0.62);
}

// Does a box {x0, x1, y0, y1} (px in the plot) touch a drawn curve, within `margin` px? The
// curve: xs sorted, ys its values; px.x, px.y map them to px (px.y: null for a gap). Only the
// points over the box's x span and their neighbours are looked at (a binary search finds them).
export function touches(box, xs, ys, px, margin) {
  const n = xs.length;
  if (!n) return false;
  let lo = 0, hi = n - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (px.x(xs[mid]) < box.x0 - margin) lo = mid + 1; else hi = mid; }
  const a0 = box.x0 - margin, a1 = box.x1 + margin, b0 = box.y0 - margin, b1 = box.y1 + margin;
  for (let i = Math.max(0, lo - 1); i < n; i++) {
    const xa = px.x(xs[i]);
    if (xa > a1) break;
    const ya = px.y(ys[i]);
    if (ya == null) continue;
    if (xa >= a0 && ya >= b0 && ya <= b1) return true;          // a point (a marker) in the box
    const yb = i + 1 < n ? px.y(ys[i + 1]) : null;
    if (yb != null) {
      // the segment to the next point, cut to the box's x span
      const xb = px.x(xs[i + 1]);
      const l = Math.max(a0, xa), r = Math.min(a1, xb);
      if (l > r) continue;
      const at = v => (xb === xa ? ya : ya + ((yb - ya) * (v - xa)) / (xb - xa));
      const ylo = Math.min(at(l), at(r)), yhi = Math.max(at(l), at(r));
      if (yhi >= b0 && ylo <= b1) return true;
    }
  }
  return false;
}

// do two boxes {x0, x1, y0, y1} overlap?
export const overlap = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

// is v (null for none) inside the range r = [lo, hi]?
export const inside = (v, r) => v != null && v >= r[0] && v <= r[1];

// A diverging run's zig-zag, once off the scale, jumps between far-off values: drawn, those
// segments cross the whole plot and fill it. Only the points on the chart and their
// neighbours are kept (a segment into or out of the chart ends at its edge), the rest is a gap.
export function edgeCut(n, isIn, vals) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = isIn(i) || (i > 0 && isIn(i - 1)) || (i + 1 < n && isIn(i + 1)) ? vals[i] : null;
  return out;
}

// A note at the top (or bottom) edge of a plot for a value beyond its y range
// (pos: the value on the axis' own scale, log10 for a log axis); null when it is in range.
export function edgeNote(state, xv, pos, range, name, value, color) {
  if (value == null || xv == null) return null;
  const up = pos == null ? value > 0 : pos > range[1], down = pos != null && pos < range[0];
  if (!up && !down) return null;
  const right = xv > state.meta.total / 2;
  return { x: xv, xref: "x", y: up ? 1 : 0, yref: "paper", yanchor: up ? "top" : "bottom",
           xanchor: right ? "right" : "left", showarrow: false, bgcolor: state.meta.colors.label_bg,
           text: (up ? "↑ " : "↓ ") + fmt(state.meta.words.off_scale, { name: name, value: num(value) }),
           font: { size: sizes(state).legend, color: color } };
}

// notes on the same edge are stacked a line apart (in pixels: the plot may be short)
export function stackNotes(state, notes) {
  const line = sizes(state).legend * 1.45;
  let up = 0, down = 0;
  return notes.filter(Boolean).map(n => Object.assign(n, { yshift: n.yanchor === "top" ? -line * up++ : line * down++ }));
}

// widen the stored range [a, b] to hold [lo, hi], with headroom; never shrink within a run
export function ratchet(div, key, lo, hi, pad) {
  const r = (div.__ranges = div.__ranges || {});
  const cur = r[key];
  if (!isFinite(lo) || !isFinite(hi)) return cur || [0, 1];
  if (cur && lo >= cur[0] && hi <= cur[1]) return cur;
  const span = Math.max(hi - lo, 1e-9);
  const next = [cur ? Math.min(cur[0], lo - pad * span) : lo - pad * span,
                cur ? Math.max(cur[1], hi + pad * span) : hi + pad * span];
  r[key] = next;
  return next;
}

// [min, max] of the finite values in some arrays ([Infinity, -Infinity] when there are none)
export function extent(arrays) {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (const v of a) if (v != null && isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}
