// The loss chart: the batch loss per step, the full-data loss at each epoch's end, the noise
// floor, the compared runs; on a log or a linear scale (the checkbox).
const v = new URL(import.meta.url).search;     // ?v=: every module of one version (live_charts.js)
const [layout, { draw, comparedTraces, CFG_LEGEND }] = await Promise.all([
  import("./layout.js" + v), import("./draw.js" + v)]);
const { sizes, base, stepAxis, plotSize, toPx, textWidth, spread, touches, overlap, edgeNote, ratchet, extent } = layout;

// frame: {k, x, step} (static/live/instance.js paint)
export function paintLoss(chart, frame) {
  const { state } = chart, { k, x, step } = frame;
  const meta = state.meta, words = meta.words, colors = meta.colors, plot = state.plots.loss;
  const lw = sizes(state).line;
  const ex = [], ey = [];
  for (let i = 0; i < state.epochs.x.length; i++) {
    if (state.epochs.x[i] <= step) { ex.push(state.epochs.x[i]); ey.push(state.epochs.loss[i]); }
  }
  const ly = state.loss.slice(0, k);
  // The axes stay on the scale of the data: the loss up to 100x its starting value, the
  // parameters a few times their true values. A diverging run's values beyond are marked at
  // the edge with their value (edgeNote); the zig-zag before they left stays readable.
  const start = meta.start_loss > 0 ? meta.start_loss : 1;
  const notes = [];
  let yaxis;
  if (state.log) {
    const e = extent([ly.filter(value => value > 0), ey]), cap = Math.log10(start) + 2;
    let lo = Math.min(meta.floor > 0 ? Math.log10(meta.floor) : Infinity, e[0] > 0 ? Math.log10(e[0]) : Infinity,
                      Math.log10(start));
    if (!isFinite(lo)) lo = Math.log10(start) - 6;
    const hi = Math.min(cap, Math.max(Math.log10(start), e[1] > 0 ? Math.log10(e[1]) : -Infinity));
    const r = ratchet(plot, "log" + state.run, lo, hi, 0.08);
    const range = [r[0], Math.min(r[1], cap + 0.15)];
    // ticks at powers of ten, written as such (10⁻⁴ … 10²), as many as the plot's height holds
    const z = sizes(state), plotH = Math.max(40, state.cellH - z.margin.b - z.legend * 2.2 - z.margin.t);
    const dtick = Math.max(1, Math.ceil((range[1] - range[0]) / (plotH / (z.font * 1.9))));
    yaxis = { title: { text: words.loss_log }, type: "log", range: range, autorange: false, exponentformat: "power",
              dtick: dtick };
    if (k) notes.push(edgeNote(state, x[k - 1], ly[k - 1] > 0 ? Math.log10(ly[k - 1]) : null, range, words.loss,
                               ly[k - 1], colors.batch_loss));
  } else {
    const e = extent([ly, ey, [meta.floor]]), cap = 3 * start;
    const r = ratchet(plot, "lin" + state.run, 0, Math.min(cap, Math.max(e[1], start)), 0.05);
    const range = [0, Math.min(r[1], cap * 1.05)];
    yaxis = { title: { text: words.loss }, type: "linear", range: range, autorange: false };
    if (k) notes.push(edgeNote(state, x[k - 1], ly[k - 1], range, words.loss, ly[k - 1], colors.batch_loss));
  }
  // the noise floor is named beside its line, not in the legend (one legend row is enough), and
  // the compared runs at their lines' ends (the loss holds one line per run): lossNotes
  const floorY = state.log ? (meta.floor > 0 ? Math.log10(meta.floor) : null) : meta.floor;
  const shownCompared = (meta.ghosts || []).filter(g => !state.hidden.has(g.id) && g.x.length);
  // laid out for the plot area Plotly drew last; if this drawing changed it (the legend got
  // another row), laid out and drawn once more
  for (let pass = 0; pass < 2; pass++) {
    const laid = plotSize(state, plot);
    const again = draw(chart, plot, comparedTraces(state, "loss").concat([
      { x: [0, meta.total], y: [meta.floor, meta.floor], name: words.floor, showlegend: false, mode: "lines",
        line: { dash: "dot", width: 1 * lw, color: colors.floor } },
    ]), [
      { x: x, y: ly, name: words.batch_loss, mode: "lines", line: { width: 1 * lw, color: colors.batch_loss } },
      { x: ex, y: ey, name: words.epoch_loss, mode: "lines+markers", cliponaxis: false,
        marker: { size: 10, symbol: "diamond", color: colors.full_loss }, line: { color: colors.full_loss, width: 2 * lw } },
    ].concat(meta.short ? [shortRings(state, meta.short, x, ly, lw)] : []),
    base(state, "loss", words.loss_title, words.step, words.loss, { xaxis: stepAxis(meta), yaxis: yaxis,
      annotations: notes.filter(Boolean).concat(labelNotes(chart, shownCompared, floorY, yaxis.range, x, ly, ex, ey)),
      dragmode: false, hovermode: false }), CFG_LEGEND, laid);
    if (!again) break;
  }
}

// the last, smaller batch of each epoch (n not a multiple of batch_size): a ring on the batch
// loss at those steps, once they have been shown (steps are sorted: a binary search each)
function shortRings(state, short, x, ly, lw) {
  const rx = [], ry = [];
  for (const s of short.steps) {
    let lo = 0, hi = x.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (x[mid] < s) lo = mid + 1; else hi = mid; }
    if (x.length && x[lo] === s) { rx.push(s); ry.push(ly[lo]); }
  }
  return { x: rx, y: ry, name: short.name, mode: "markers", cliponaxis: false,
           marker: { size: 14, symbol: "circle-open", color: state.meta.colors.short, line: { width: 2.5 * lw } } };
}

// lossNotes once per paint at most, and only when what it reads changed
function labelNotes(chart, compared, floorY, range, x, ly, ex, ey) {
  const { state, stats } = chart;
  const meta = state.meta, words = meta.words, div = state.plots.loss, size = plotSize(state, div);
  // the batch loss matters only under the note's place at the left end: up to step `until`
  // (its width, the plot's inset and the curves' margin, in steps); the full-data loss at each
  // epoch's end; the compared runs are drawn whole. The same key: the same notes.
  const until = ((textWidth(words.floor, sizes(state).legend) + 6 + 3 + 5) / size.w) * meta.total;
  let lo = 0, hi = x.length;          // the batch loss's points up to `until`, and the one after
  while (lo < hi) { const mid = (lo + hi) >> 1; if (x[mid] <= until) lo = mid + 1; else hi = mid; }
  const key = JSON.stringify([state.run, range, size, state.log, state.present, floorY, words.floor,
                              compared.map(g => [g.id, g.label]), ex.length, Math.min(x.length, lo + 1)]);
  if (state.lossNotes && state.lossNotes.key === key) return state.lossNotes.notes;
  stats.labelLayouts++;
  // each run named at its last value the chart can draw (a diverged run's last finite one),
  // held inside the axis' range: a run that ended beyond it is still named, at the edge
  const ends = compared.map(g => {
    let i = g.loss.length - 1;
    while (i > 0 && !(g.loss[i] != null && isFinite(g.loss[i]) && (!state.log || g.loss[i] > 0))) i--;
    const last = g.loss[i], y = state.log ? (last > 0 ? Math.log10(last) : null) : last;
    return { y: y == null || !isFinite(y) ? null : Math.min(Math.max(y, range[0]), range[1]), text: g.label };
  });
  const curves = [[ex, ey]].concat(compared.map(g => [g.x, g.loss]));
  const notes = lossNotes(state, div, ends, floorY !== null ? { y: floorY, text: words.floor } : null, range, curves,
                          [[x, ly]], meta.total);
  state.lossNotes = { key: key, notes: notes };
  return notes;
}

// The loss chart's notes: each compared run named above its line's end, and the noise floor's
// note beside its line where no curve and no name is: at the left end above the line, else
// below it, else at the right end (then it joins the names' spread); else lifted above the
// curves over its span, with an arrow down to its line. curves: [[xs, ys]] drawn on the chart
// (ys its values, as drawn) that the note must keep off; soft: the batch loss, kept off only at
// the left end (its steps there come first). Annotations on a background, laid out in px:
// none overlaps another.
function lossNotes(state, div, ends, floor, range, curves, soft, total) {
  const z = sizes(state), colors = state.meta.colors, size = z.legend, plot = plotSize(state, div);
  const h = plot.h, w = plot.w;
  const lineH = size * 1.3 + 4, pad = 3, margin = 5, inset = 3;     // inset: off the plot's edges
  const log = state.log, px = { x: value => (value / total) * w, y: value => (value == null || !isFinite(value) ? null :
    log ? (value > 0 ? toPx(Math.log10(value), range, h) : null) : toPx(value, range, h)) };
  // a note: its text, width and height, centre c (px from the top) and left edge x0 (px)
  const item = (text, c, x0) => { const nw = textWidth(text, size) + 6;
    return { text: text, w: nw, h: lineH, c: c, x0: x0 == null ? w - inset - nw : x0 }; };
  const names = ends.filter(g => g.y != null && isFinite(g.y))
    .map(g => item(g.text, toPx(g.y, range, h) - lineH / 2 - pad));
  const boxes = items => items.map(e => ({ x0: e.x0, x1: e.x0 + e.w, y0: e.c - e.h / 2, y1: e.c + e.h / 2 }));
  const hits = (box, all) => box.y0 < 0 || box.y1 > h ||
    (all ? curves.concat(soft) : curves).some(([xs, ys]) => touches(box, xs, ys, px, margin));
  const copy = items => items.map(e => Object.assign({}, e));
  let note = null, laid = false;
  if (floor) {
    const f = toPx(floor.y, range, h), above = f - lineH / 2 - pad, below = f + lineH / 2 + pad;
    const nw = textWidth(floor.text, size) + 6, left = inset, right = w - inset - nw;
    const named = boxes(spread(copy(names), h, pad));
    const free = (e, all) => { const b = boxes([e])[0]; return !hits(b, all) && !named.some(n => overlap(b, n)); };
    // the left end clear of the batch loss too, else clear of the other lines (the batch loss's
    // noise around the floor in a long run leaves no place free of it: the note's background)
    for (const all of [true, false]) for (const c of [above, below]) {
      if (!note && free(item(floor.text, c, left), all)) note = item(floor.text, c, left);
    }
    for (const c of note ? [] : [below, above]) {
      // at the right end, among the names: laid out with them
      const e = item(floor.text, c, right), together = spread(copy(names).concat([e]), h, pad);
      if (Math.abs(e.c - c) < 1 && !hits(boxes([e])[0])) {
        note = e; laid = true;
        names.splice(0, names.length, ...together.slice(0, -1));
        break;
      }
    }
    if (!note) {
      // lifted over the curves above its span, with an arrow down to its line: at the left
      // end, the middle or the right end, wherever the lift is least
      for (const x0 of [left, (left + right) / 2, right]) {
        const e = item(floor.text, above, x0);
        while (e.c - lineH / 2 >= 0 && !free(e)) e.c -= lineH / 4;
        if (e.c - lineH / 2 >= 0 && (!note || e.c > note.c)) { note = e; e.arrow = true; }
      }
    }
    note = note || item(floor.text, above, left);          // no free place: where it reads best
  }
  if (!laid) spread(names, h, pad);
  // x at the note's left edge (px to the axis' steps), or at the right end for a name
  const ann = (e, color, atEnd) => ({
    x: atEnd ? total : (e.x0 / w) * total, xref: "x", xanchor: atEnd ? "right" : "left", xshift: atEnd ? -inset : 0,
    y: 1 - e.c / h, yref: "paper", yanchor: "middle",
    showarrow: false, text: e.text, bgcolor: colors.label_bg, borderpad: 1, font: { size: size, color: color } });
  const out = names.map(e => ann(e, colors.compared, true));
  if (note) {
    const a = ann(note, colors.floor, false);
    // the arrow's head on the floor's line under the note's middle, its tail at the note's bottom
    if (note.arrow) Object.assign(a, { showarrow: true, arrowhead: 0, arrowwidth: 1, arrowcolor: colors.floor,
      x: ((note.x0 + note.w / 2) / w) * total, xanchor: "center", y: 1 - toPx(floor.y, range, h) / h,
      yanchor: "bottom", ax: 0, ay: note.c + lineH / 2 - toPx(floor.y, range, h) });
    out.push(a);
  }
  return out;
}
