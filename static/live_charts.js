// Live charts for the main page. Loaded once per browser tab (after plotly-custom.min.js) by the small
// loader in ui/live.py; every Streamlit update calls LRViz.mount(parent, payload).
//
// Why it looks like this:
// - Streamlit remounts a v2 component on every data update, so the chart DOM lives here, in one
//   persistent node that each mount re-parents: Plotly keeps its state and nothing flickers.
// - Updates can be coalesced on the way, so a payload is either "full" (the whole displayed
//   history) or a tail that overlaps what we have; a tail that leaves a gap waits for the next
//   full payload (the server sends one every second).
// - Painting is decoupled from the server's frame rate: new steps are revealed at the run's
//   speed on requestAnimationFrame, so the charts move smoothly between server frames. While
//   they play, each frame rewrites only the moving traces' SVG (fastDraw): about 2 ms a frame
//   for all five charts, instead of a Plotly.animate per chart.
// - So the charts trail the server by about LAG seconds. A click on Pause or Step while they play
//   is answered here at once: the charts freeze on the step they show, and that step goes to the
//   server (trigger "transport"), which rewinds its run to it. Until the server acknowledges
//   (payload.ack), arriving steps are kept but not shown.
// - Every word comes from the server (meta.words, in the user's language), once per run.
// - One instance per chart element (payload.id): a page may show two runs side by side, each
//   with its own buttons (payload.buttons: their Streamlit key prefix). LRViz.state and .stats
//   are the main page's instance ("lrviz"), for tests and benchmarks.
(function () {
  if (window.LRViz) return;
  const MAX_FPS = 60;
  // every colour comes from the server too (meta.colors, ui/palette.py): this file has none

  // "{name}" placeholders filled from o (a translation may put them in any order)
  function fmt(text, o) {
    return String(text).replace(/\{(\w+)\}/g, (m, k) => (k in o ? String(o[k]) : m));
  }

  function el(tag, cls, parent, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function create(id) {
  const S = {
    id: id, prefix: "", present: false, cellH: 340, hidden: new Set(),
    run: null, ver: null, meta: null, n: 0, shown: 0, painted: -1, log: true, status: "ready",
    speed: 0, stride: 1, x: [], loss: [], w: [], b: [], epochs: { x: [], loss: [] },
    node: null, plots: {}, widths: new Map(), lastT: 0, lastPaintT: 0, raf: 0, metaPainted: null,
    component: null, hold: null, nonce: 0, summary: null, said: null, imgs: {},
  };
  // reacts / animates / fast: how each chart update was drawn (Plotly layout, Plotly.animate, fastDraw)
  const stats = { paints: 0, paintTimes: [], paintMs: 0, mounts: 0, payloads: 0, gaps: 0, log: [],
    reacts: 0, animates: 0, fast: 0, transport: 0, lastTransport: null };

  function build() {
    const root = el("div", "lrviz");
    const bar = el("div", "lrviz-bar", root);
    S.statusEl = el("span", "lrviz-status", bar);
    const prog = el("div", "lrviz-progress", bar);
    S.progressEl = el("div", "lrviz-progress-fill", prog);
    const lab = el("label", "lrviz-log", bar);
    const cb = el("input", null, lab);
    cb.type = "checkbox";
    cb.checked = S.log;
    cb.onchange = () => { S.log = cb.checked; S.painted = -1; schedule(); };
    S.logText = document.createTextNode("");
    lab.appendChild(S.logText);
    const grid = S.grid = el("div", "lrviz-grid", root);
    S.titles = {};
    for (const name of ["loss", "params", "path", "data", "parabola"]) {
      const cell = el("div", "lrviz-cell lrviz-" + name, grid);
      // the chart's title is page text above the plot, not Plotly's: it wraps, and Plotly's
      // legend (above the plot) and axis titles never run into it
      S.titles[name] = el("div", "lrviz-title", cell);
      const stack = el("div", "lrviz-stack", cell);
      describe(name, cell, stack);
      // the path chart is two stacked plots: animating scatter traces in a figure that also
      // holds a contour drops the contour, so the contours sit in a static plot underneath
      if (name === "path") S.plots.pathBase = el("div", "lrviz-plot", stack);
      S.plots[name] = el("div", name === "path" ? "lrviz-plot lrviz-overlay" : "lrviz-plot", stack);
    }
    return root;
  }

  function reset(run) {
    Object.assign(S, { run: run, ver: null, meta: null, n: 0, shown: 0, painted: -1, x: [],
      loss: [], w: [], b: [], epochs: { x: [], loss: [] }, metaPainted: null, summary: null, said: null });
  }

  // payload: {run, ver, full, start, x, loss, w: [[..] per feature], b, epochs: {x, loss},
  //           status, speed, stride, meta (on full payloads)}
  function ingest(p) {
    stats.payloads++;
    // the last payloads' outline, for tests and benchmarks: [full, start, steps, ack, status, meta]
    stats.log.push([p.full, p.start, p.x.length, p.ack, p.status, !!p.meta]);
    if (p.meta) stats.metas = (stats.metas || 0) + 1;
    if (stats.log.length > 40) stats.log.shift();
    if (p.run !== S.run) { reset(p.run); S.hold = null; }
    S.summary = p.summary || null;       // the charts in words: only when the run pauses or ends
    if (S.hold && (p.ack === S.hold.nonce || performance.now() - S.hold.t > 5000)) S.hold = null;
    S.status = S.hold ? "paused" : p.status; S.speed = p.speed; S.stride = p.stride || 1;
    if (p.meta) {
      // the same run in new words (the language changed) or with other runs to compare (kept,
      // cleared): draw everything again, titles too
      const look = mt => JSON.stringify([mt.words, (mt.ghosts || []).map(g => [g.id, g.label])]);
      if (S.meta && p.run === S.run && look(S.meta) !== look(p.meta)) {
        S.painted = -1; S.metaPainted = null;
      }
      S.meta = p.meta;
      const label = " " + (p.meta.words.log_scale || "");
      if (S.logText && S.logText.textContent !== label) S.logText.textContent = label;
    } else if (!S.meta && S.component && performance.now() - (S.metaAsked || -1e9) > 1000) {
      // every update that carried this run's meta was dropped: ask for it again (once a second)
      S.metaAsked = performance.now();
      stats.metaAsks = (stats.metaAsks || 0) + 1;
      S.component.setTriggerValue("meta", Date.now());
    }
    if (typeof p.buttons === "string") S.prefix = p.buttons;
    if (typeof p.keys === "boolean") S.keys = p.keys;
    if (!!p.present !== S.present) { S.present = !!p.present; layout(); }
    if (p.full) {
      S.ver = p.ver; S.x = p.x; S.loss = p.loss; S.w = p.w; S.b = p.b; S.n = p.x.length;
      if (S.shown > S.n) S.shown = S.n;
    } else if (p.ver === S.ver && p.start <= S.n) {
      S.x = S.x.slice(0, p.start).concat(p.x);
      S.loss = S.loss.slice(0, p.start).concat(p.loss);
      S.b = S.b.slice(0, p.start).concat(p.b);
      S.w = S.w.map((col, j) => col.slice(0, p.start).concat(p.w[j]));
      S.n = S.x.length;
    } else {
      stats.gaps++;        // wait for the next full payload
    }
    S.epochs = p.epochs || S.epochs;
  }

  function schedule() {
    if (!S.raf) S.raf = requestAnimationFrame(tick);
  }

  const LAG = 0.6;    // seconds the playback trails the newest step: a jitter buffer
  function playing() { return S.speed > 0 && (S.status === "running" || S.status === "done"); }

  function tick(t) {
    S.raf = 0;
    stats.ticks = (stats.ticks || 0) + 1;
    const dt = S.lastT ? Math.min((t - S.lastT) / 1000, 0.1) : 0;
    S.lastT = t;
    if (S.hold) {
      S.shown = S.hold.shown;              // frozen on the step the user paused on
    } else if (!playing() || reducedMotion()) {
      S.shown = S.n;                       // reduced motion: no playback, a paint now and then (due)
    } else if (S.shown < S.n) {
      // reveal at the run's speed; a little faster or slower to keep about LAG seconds buffered
      const rate = S.speed / S.stride, lag = S.n - S.shown, want = rate * LAG;
      const r = S.status === "done" ? rate * 2 : rate * (lag > 2 * want ? 1.6 : lag < want / 2 ? 0.6 : 1);
      S.shown = Math.min(S.n, Math.max(S.shown + r * dt, S.n - 3 * want));
    }
    const k = Math.floor(S.shown);
    if ((k !== S.painted || S.metaPainted !== S.run) && inflight === 0 && due(t)) {
      S.lastPaintT = t;
      paint(k);
    }
    showStatus();
    speak();
    if (S.status === "running" || S.shown < S.n || k !== S.painted || S.metaPainted !== S.run) schedule();
    else S.lastT = 0;
  }

  // sizes for a laptop, and for a projector (presenter view: bigger text, thicker lines)
  const SIZES = {
    normal: { font: 14, title: 17, legend: 13, line: 1, margin: { l: 62, r: 15, t: 12, b: 56 } },
    present: { font: 18, title: 22, legend: 16, line: 1.8, margin: { l: 78, r: 18, t: 10, b: 60 } },
  };
  function sizes() { return S.present ? SIZES.present : SIZES.normal; }
  // The legend (one or two rows, each entry as wide as its text) sits above the plot and
  // pushes the top margin; the x-axis title is alone under the ticks; the chart's title is
  // page text above (setTitle): nothing overlaps whatever the chart's size or language. The
  // path chart's two stacked plots must keep the same plot area, so their margins are fixed,
  // with room for two legend rows.
  function fixedMargin() {
    const z = sizes();
    return Object.assign({}, z.margin, { autoexpand: false, t: Math.round(z.legend * 3.4) });
  }
  function setTitle(name, text) {
    const t = S.titles && S.titles[name];
    if (t && t.textContent !== text) t.textContent = text;
  }
  function base(name, title, xt, yt, extra) {
    const z = sizes();
    if (title) setTitle(name, title);
    return Object.assign({
      font: { size: z.font }, height: S.cellH, margin: z.margin, showlegend: true,
      legend: { orientation: "h", x: 0, y: 1.02, xanchor: "left", yanchor: "bottom", font: { size: z.legend },
                entrywidth: 0, entrywidthmode: "pixels" },
      xaxis: { title: { text: xt } }, yaxis: { title: { text: yt } },
      uirevision: S.run, paper_bgcolor: S.meta.colors.clear, plot_bgcolor: S.meta.colors.plot_bg,
    }, extra || {});
  }
  // live charts are redrawn up to 60 times a second: no hover layers, no drag handlers
  const CFG = { displayModeBar: false, responsive: true, staticPlot: true };
  // the loss and parameter charts hold the compared runs, whose legend entries hide and show
  // them: a live legend, but still no zoom, drag or hover
  const CFG_LEGEND = { displayModeBar: false, responsive: true, staticPlot: false, scrollZoom: false,
                       doubleClick: false, showTips: false };
  // the earlier runs (meta.ghosts), of the loss or of each parameter: all in one grey, each with
  // its own dash (colours.compared_dashes), so the current run stands out and each compared one
  // is told by its dash and, on the loss chart, by its name at its line's end (ghostLabels)
  function ghostTraces(m, which) {
    const out = [], lw = sizes().line, C = m.colors, dashes = C.compared_dashes;
    (m.ghosts || []).forEach((g, i) => {
      const style = { mode: "lines", legendgroup: "ghost" + g.id, meta: { ghost: g.id },
                      visible: S.hidden.has(g.id) ? "legendonly" : true,
                      line: { color: C.compared, width: 1.4 * lw, dash: dashes[i % dashes.length] } };
      if (which === "loss") out.push(Object.assign({ x: g.x, y: g.loss, name: g.label }, style));
      else if (g.same_d) m.names.forEach((nm, j) => out.push(Object.assign({
        x: g.x, y: j < m.d ? g.w[j] : g.b, name: g.label, showlegend: j === 0 }, style)));
    });
    return out;
  }
  // The charts' one label layout: labels that each want their centre at c (px from the plot's
  // top) and are h px tall, pushed apart so that no two overlap (pad px between them) and kept
  // inside [0, plotH] when they fit. Changes c in place; a handful of labels, once per paint.
  function spread(items, plotH, pad) {
    const up = items.slice().sort((a, b) => b.c - a.c);         // from the bottom up
    const apart = (a, b) => (a.h + b.h) / 2 + pad;
    for (let i = 1; i < up.length; i++) up[i].c = Math.min(up[i].c, up[i - 1].c - apart(up[i - 1], up[i]));
    const top = up.length ? up[up.length - 1] : null;
    if (top) top.c = Math.max(top.c, top.h / 2);                  // the top one back in, the rest follow
    for (let i = up.length - 2; i >= 0; i--) up[i].c = Math.max(up[i].c, up[i + 1].c + apart(up[i], up[i + 1]));
    return items;
  }
  // the plot area in px (Plotly's, once drawn: the legend's rows take more of the height in
  // Chinese or on a phone), or an estimate from the cell before the first drawing
  function plotSize(div, right) {
    const z = sizes(), drawn = div && div._fullLayout && div._fullLayout._size;
    if (drawn) return { w: drawn.w, h: drawn.h };
    return { w: Math.max(40, (div ? div.clientWidth : 400) - z.margin.l - (right || z.margin.r)),
             h: Math.max(40, S.cellH - z.margin.b - z.legend * 2.2 - z.margin.t) };
  }
  // a y value on the axis' own scale (log10 on a log axis) to px from the plot's top, and back
  const toPx = (y, range, h) => ((range[1] - y) / (range[1] - range[0])) * h;
  const fromPx = (c, range, h) => range[1] - (c / h) * (range[1] - range[0]);
  // a text's width in px at a font size (measured once per text and size)
  const measured = new Map();
  let measure = null;
  function textWidth(text, size) {
    const key = size + "|" + text;
    if (!measured.has(key)) {
      measure = measure || document.createElement("canvas").getContext("2d");
      measure.font = size + 'px "Open Sans", verdana, arial, sans-serif';
      measured.set(key, measure.measureText(String(text)).width);
    }
    return measured.get(key);
  }
  // Names at line ends: a text trace, each name just right of its line's last point at x (in
  // the plot's right margin once the line reaches the end), names that would overlap pushed
  // apart (spread). The order of the names stays the order of `ends`, so a frame can move them
  // without redrawing. ends: [{y (on the axis' own scale), text, color}]; range: the y range.
  function endLabels(ends, x, range, div) {
    const z = sizes(), h = plotSize(div).h;
    const items = ends.filter(e => e.y != null && isFinite(e.y) && e.y >= range[0] && e.y <= range[1])
      .map(e => Object.assign({}, e, { c: toPx(e.y, range, h), h: z.font * 1.2 }));
    spread(items, h, 0);
    return { x: items.map(() => x), y: items.map(e => fromPx(e.c, range, h)), name: "",
             text: items.map(e => e.text), mode: "text", textposition: "middle right", cliponaxis: false,
             showlegend: false, hoverinfo: "skip",
             textfont: { size: z.font, color: items.map(e => e.color) } };
  }
  // Does a box {x0, x1, y0, y1} (px in the plot) touch a drawn curve, within `margin` px? The
  // curve: xs sorted, ys its values; px.x, px.y map them to px (px.y: null for a gap). Only the
  // points over the box's x span and their neighbours are looked at (a binary search finds them).
  function touches(box, xs, ys, px, margin) {
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
  const overlap = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  // The loss chart's notes: each compared run named above its line's end, and the noise floor's
  // note beside its line where no curve and no name is: at the left end above the line, else
  // below it, else at the right end (then it joins the names' spread); else lifted above the
  // curves over its span, with an arrow down to its line. curves: [[xs, ys]] drawn on the chart
  // (ys its values, as drawn) that the note must keep off; soft: the batch loss, kept off only at
  // the left end (its steps there come first). Annotations on a background, laid out in px:
  // none overlaps another.
  function lossNotes(div, ghosts, floor, range, curves, soft, total) {
    const z = sizes(), C = S.meta.colors, size = z.legend, plot = plotSize(div), h = plot.h, w = plot.w;
    const lineH = size * 1.3 + 4, pad = 3, margin = 5, inset = 3;     // inset: off the plot's edges
    const log = S.log, px = { x: v => (v / total) * w, y: v => (v == null || !isFinite(v) ? null :
      log ? (v > 0 ? toPx(Math.log10(v), range, h) : null) : toPx(v, range, h)) };
    // a note: its text, width and height, centre c (px from the top) and left edge x0 (px)
    const item = (text, c, x0) => { const nw = textWidth(text, size) + 6;
      return { text: text, w: nw, h: lineH, c: c, x0: x0 == null ? w - inset - nw : x0 }; };
    const names = ghosts.filter(g => g.y != null && isFinite(g.y))
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
      showarrow: false, text: e.text, bgcolor: C.label_bg, borderpad: 1, font: { size: size, color: color } });
    const out = names.map(e => ann(e, C.compared, true));
    if (note) {
      const a = ann(note, C.floor, false);
      // the arrow's head on the floor's line under the note's middle, its tail at the note's bottom
      if (note.arrow) Object.assign(a, { showarrow: true, arrowhead: 0, arrowwidth: 1, arrowcolor: C.floor,
        x: ((note.x0 + note.w / 2) / w) * total, xanchor: "center", y: 1 - toPx(floor.y, range, h) / h,
        yanchor: "bottom", ax: 0, ay: note.c + lineH / 2 - toPx(floor.y, range, h) });
      out.push(a);
    }
    return out;
  }
  // lossNotes once per paint at most, and only when what it reads changed
  function labelNotes(ghosts, floorY, range, x, ly, ex, ey) {
    const m = S.meta, W = m.words, div = S.plots.loss, size = plotSize(div);
    // the batch loss matters only under the note's place at the left end: up to step `until`
    // (its width, the plot's inset and the curves' margin, in steps); the full-data loss at each
    // epoch's end; the compared runs are drawn whole. The same key: the same notes.
    const until = ((textWidth(W.floor, sizes().legend) + 6 + 3 + 5) / size.w) * m.total;
    let lo = 0, hi = x.length;          // the batch loss's points up to `until`, and the one after
    while (lo < hi) { const mid = (lo + hi) >> 1; if (x[mid] <= until) lo = mid + 1; else hi = mid; }
    const key = JSON.stringify([S.run, range, size, S.log, S.present, floorY, W.floor, ghosts.map(g => [g.id, g.label]),
                                ex.length, Math.min(x.length, lo + 1)]);
    if (S.lossNotes && S.lossNotes.key === key) return S.lossNotes.notes;
    stats.labelLayouts = (stats.labelLayouts || 0) + 1;
    // each run named at its last value the chart can draw (a diverged run's last finite one),
    // held inside the axis' range: a run that ended beyond it is still named, at the edge
    const ends = ghosts.map(g => {
      let i = g.loss.length - 1;
      while (i > 0 && !(g.loss[i] != null && isFinite(g.loss[i]) && (!S.log || g.loss[i] > 0))) i--;
      const v = g.loss[i], y = S.log ? (v > 0 ? Math.log10(v) : null) : v;
      return { y: y == null || !isFinite(y) ? null : Math.min(Math.max(y, range[0]), range[1]), text: g.label };
    });
    const curves = [[ex, ey]].concat(ghosts.map(g => [g.x, g.loss]));
    const notes = lossNotes(div, ends, floorY !== null ? { y: floorY, text: W.floor } : null, range, curves,
                            [[x, ly]], m.total);
    S.lossNotes = { key: key, notes: notes };
    return notes;
  }
  // the right margin the end labels need: the widest name at the charts' font size
  function labelMargin(texts) {
    const widest = Math.max(0, ...texts.map(t => String(t).length));
    return Math.round(sizes().margin.r + 6 + widest * sizes().font * 0.62);
  }
  // a click on a compared run's legend entry hides it in both charts (the other entries do nothing)
  function onLegend(div) {
    if (div.__legend || typeof div.on !== "function") return;
    div.__legend = true;
    div.on("plotly_legendclick", ev => {
      const t = ev.data[ev.curveNumber], id = t && t.meta && t.meta.ghost;
      if (id) {
        if (S.hidden.has(id)) S.hidden.delete(id); else S.hidden.add(id);
        S.painted = -1; schedule();
      }
      return false;
    });
    div.on("plotly_legenddoubleclick", () => false);
  }

  // Redraw cost: a full Plotly.react redraws axes, legend and all; Plotly.animate with
  // redraw: false only moves the traces, and fastDraw only rewrites their SVG. So each chart
  // keeps fixed axis ranges and gets a full react only when its layout signature (ranges,
  // title, scale) changes; ranges grow with headroom ("ratchet") so that happens a few times
  // per run, not per frame.
  const ANIM = { mode: "immediate", transition: { duration: 0 }, frame: { duration: 0, redraw: false } };
  let inflight = 0;     // Plotly.animate calls not yet drawn: paint again only when all are
  // `fixed` traces (contours, true values, the parabola) are drawn only on a full react;
  // per frame only the `moving` ones are sent, as trace indices after the fixed ones.
  // the last, smaller batch of each epoch (n not a multiple of batch_size): a ring on the batch
  // loss at those steps, once they have been shown (steps are sorted: a binary search each)
  function shortRings(short, x, ly, lw) {
    const rx = [], ry = [];
    for (const s of short.steps) {
      let lo = 0, hi = x.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (x[mid] < s) lo = mid + 1; else hi = mid; }
      if (x.length && x[lo] === s) { rx.push(s); ry.push(ly[lo]); }
    }
    return { x: rx, y: ry, name: short.name, mode: "markers", cliponaxis: false,
             marker: { size: 14, symbol: "circle-open", color: S.meta.colors.short, line: { width: 2.5 * lw } } };
  }

  // labels laid out in px for a plot area (laid: its {w, h}) that Plotly then drew at another size
  // (a new legend row, a first drawing): paint again, once, to lay them out for the drawn one
  function misfit(div, laid) {
    const s = div._fullLayout && div._fullLayout._size;
    return !!s && (Math.abs(s.h - laid.h) > 0.5 || Math.abs(s.w - laid.w) > 0.5);
  }
  function refit(div, laid) {
    if (div.__laid === laid && misfit(div, laid)) {
      stats.refits = (stats.refits || 0) + 1;
      S.painted = -1;
      schedule();
    }
  }
  function draw(div, fixed, moving, layout, cfg, laid) {
    // Plotly leaves empty traces out of the legend and animate() does not redraw it: a trace
    // getting its first points is part of the signature, so it triggers one full redraw
    const sig = JSON.stringify([S.run, fixed.length, layout.title, layout.xaxis, layout.yaxis, layout.annotations,
                                layout.meta, layout.height, S.widths.get(div), S.present, [...S.hidden],
                                fixed.map(t => (t.mode === "text" ? [t.name, t.y] : t.name)),
                                moving.map(t => [t.name, !!(t.x && t.x.length)])]);
    if (div.__sig !== sig || !div.data || div.data.length !== fixed.length + moving.length) {
      const drawn = window.Plotly.react(div, fixed.concat(moving), layout, cfg || CFG);
      if (cfg === CFG_LEGEND) onLegend(div);
      stats.reacts++;
      div.__sig = sig;
      div.__groups = null;
      div.__laid = laid;
      // drawn at once at another size: the caller lays out again; else once Plotly is done
      if (laid && misfit(div, laid)) return true;
      if (laid) Promise.resolve(drawn).then(() => refit(div, laid), () => {});
    } else if (S.live && fastDraw(div, fixed.length, moving)) {
      stats.fast++;
    } else {
      inflight++;
      stats.animates++;
      const done = () => { inflight--; };
      window.Plotly.animate(div, { data: moving, traces: moving.map((_, i) => fixed.length + i) }, ANIM)
        .then(done, done);
    }
  }

  // While the charts play, the moving traces are redrawn by hand: Plotly has laid the chart out
  // (fixed axis ranges, legend) and each frame rewrites only those traces' SVG, the line's path
  // and the markers' positions, through the axes' own data-to-pixel maps. Plotly.animate did it
  // through supplyDefaults, calc and plot of the whole figure, for each chart on every frame.
  // When anything does not match what Plotly drew (a trace's first points, a marker count that
  // changed) it returns false and Plotly draws. When playback stops Plotly draws the last frame
  // itself, so its own data are current again (a resize redraws from them).
  const MAXPX = 1e5;    // a diverging run's points far outside the plot: clamp, do not overflow SVG
  function fastDraw(div, first, moving) {
    const fl = div._fullLayout, xa = fl && fl.xaxis, ya = fl && fl.yaxis;
    if (!xa || !ya || typeof xa.c2p !== "function" || typeof ya.c2p !== "function") return false;
    if (!div.__groups || !div.__groups.every(g => g && g.isConnected)) {
      const groups = [];
      div.querySelectorAll(".scatterlayer .trace").forEach(g => {
        const cd = g.__data__, tr = cd && cd[0] && cd[0].trace;
        if (tr) groups[tr.index] = g;
      });
      div.__groups = groups;
    }
    const logY = ya.type === "log", logX = xa.type === "log";
    const px = (ax, log, v) => {
      if (v == null || !isFinite(v) || (log && v <= 0)) return null;
      const p = ax.c2p(v);
      return isFinite(p) ? Math.max(-MAXPX, Math.min(MAXPX, p)) : null;
    };
    const jobs = [];
    for (let i = 0; i < moving.length; i++) {
      const t = moving[i], g = div.__groups[first + i];
      const n = t.x.length, X = new Array(n), Y = new Array(n);
      if (!g && !n) continue;          // Plotly draws no group for an empty trace
      if (!g) return false;
      let valid = 0;
      for (let j = 0; j < n; j++) {
        X[j] = px(xa, logX, t.x[j]); Y[j] = px(ya, logY, t.y[j]);
        if (X[j] !== null && Y[j] !== null) valid++;
      }
      const lines = t.mode.indexOf("lines") >= 0 ? g.querySelectorAll("path.js-line") : [];
      const points = t.mode.indexOf("markers") >= 0 ? g.querySelectorAll("path.point") : [];
      const texts = t.mode.indexOf("text") >= 0 ? g.querySelectorAll("g.textpoint text") : [];
      if (t.mode.indexOf("lines") >= 0 && valid > 1 && !lines.length) return false;
      if (t.mode.indexOf("markers") >= 0 && points.length !== valid) return false;
      if (t.mode.indexOf("text") >= 0 && (texts.length !== valid || valid !== n ||
          JSON.stringify(t.text) !== JSON.stringify(div.data[first + i].text))) return false;
      jobs.push([X, Y, lines, points, first + i, t, texts]);
    }
    for (const [X, Y, lines, points, idx, t, texts] of jobs) {
      // a text point's x, y are its point's; its offset (textposition) is on its parent group
      texts.forEach((e, j) => { e.setAttribute("x", X[j].toFixed(1)); e.setAttribute("y", Y[j].toFixed(1)); });
      if (lines.length) {
        let d = "", pen = false;
        for (let j = 0; j < X.length; j++) {
          if (X[j] === null || Y[j] === null) { pen = false; continue; }
          d += (pen ? "L" : "M") + X[j].toFixed(1) + "," + Y[j].toFixed(1);
          pen = true;
        }
        lines[0].setAttribute("d", d);
        for (let j = 1; j < lines.length; j++) lines[j].setAttribute("d", "");
      }
      let p = 0;
      for (let j = 0; j < X.length && p < points.length; j++) {
        if (X[j] === null || Y[j] === null) continue;
        points[p++].setAttribute("transform", "translate(" + X[j].toFixed(1) + "," + Y[j].toFixed(1) + ")");
      }
      div.data[idx].x = t.x; div.data[idx].y = t.y;
    }
    return true;
  }

  function ratchet(div, key, lo, hi, pad) {
    // widen the stored range [a, b] to hold [lo, hi], with headroom; never shrink within a run
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

  function extent(arrays) {
    let lo = Infinity, hi = -Infinity;
    for (const a of arrays) for (const v of a) if (v != null && isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    return [lo, hi];
  }

  // a number for a note: 3 significant digits, or 1.3e+15
  const inside = (v, r) => v != null && v >= r[0] && v <= r[1];
  // a diverging run's zig-zag, once off the scale, jumps between far-off values: drawn, those
  // segments cross the whole plot and fill it. Only the points on the chart and their
  // neighbours are kept (a segment into or out of the chart ends at its edge), the rest is a gap.
  function edgeCut(n, isIn, vals) {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = isIn(i) || (i > 0 && isIn(i - 1)) || (i + 1 < n && isIn(i + 1)) ? vals[i] : null;
    return out;
  }

  function num(v) {
    const a = Math.abs(v);
    return a >= 1e4 || (a < 1e-3 && a > 0) ? v.toExponential(1) : String(+v.toPrecision(3));
  }
  // A note at the top (or bottom) edge of a plot for a value beyond its y range [lo, hi]
  // (pos: the value on the axis' own scale, log10 for a log axis); null when it is in range.
  // row: stacks several notes.
  // notes on the same edge are stacked a line apart (in pixels: the plot may be short)
  function stackNotes(notes) {
    const line = sizes().legend * 1.45;
    let up = 0, down = 0;
    return notes.filter(Boolean).map(n => Object.assign(n, { yshift: n.yanchor === "top" ? -line * up++ : line * down++ }));
  }
  function edgeNote(xv, pos, range, name, value, color) {
    if (value == null || xv == null) return null;
    const up = pos == null ? value > 0 : pos > range[1], down = pos != null && pos < range[0];
    if (!up && !down) return null;
    const right = xv > S.meta.total / 2;
    return { x: xv, xref: "x", y: up ? 1 : 0, yref: "paper", yanchor: up ? "top" : "bottom",
             xanchor: right ? "right" : "left", showarrow: false, bgcolor: S.meta.colors.label_bg,
             text: (up ? "↑ " : "↓ ") + fmt(S.meta.words.off_scale, { name: name, value: num(value) }),
             font: { size: sizes().legend, color: color } };
  }

  function paint(k) {
    const lw = sizes().line;
    const m = S.meta;
    if (!m || !window.Plotly) return;
    S.painted = k;
    S.live = S.status === "running" || (playing() && k < S.n);    // more frames to come
    stats.paints++;
    const now = performance.now();
    stats.paintTimes.push(now);
    if (stats.paintTimes.length > 5000) stats.paintTimes.splice(0, 2500);
    const x = S.x.slice(0, k);
    const step = k ? x[k - 1] : 0;
    const curW = k ? S.w.map(col => col[k - 1]) : m.w0;
    const curB = k ? S.b[k - 1] : m.b0;
    const P = S.plots, W = m.words, C = m.colors;
    // the plots' widths, read once before anything is drawn: a cell that changed width (a
    // remount, the presenter grid) is drawn anew at its new width
    S.widths = new Map(Object.values(P).map(div => [div, div.clientWidth]));
    const xStep = { title: { text: W.step }, range: [0, m.total], autorange: false };

    // 1. loss: batch loss per step, full-data loss at each epoch end, the noise floor
    const ex = [], ey = [];
    for (let i = 0; i < S.epochs.x.length; i++) if (S.epochs.x[i] <= step) { ex.push(S.epochs.x[i]); ey.push(S.epochs.loss[i]); }
    const ly = S.loss.slice(0, k);
    // The axes stay on the scale of the data: the loss up to 100x its starting value, the
    // parameters a few times their true values. A diverging run's values beyond are marked at
    // the edge with their value (edgeNote); the zig-zag before they left stays readable.
    const start = m.start_loss > 0 ? m.start_loss : 1;
    const notes = [];
    let yax;
    if (S.log) {
      const e = extent([ly.filter(v => v > 0), ey]), cap = Math.log10(start) + 2;
      let lo = Math.min(m.floor > 0 ? Math.log10(m.floor) : Infinity, e[0] > 0 ? Math.log10(e[0]) : Infinity,
                        Math.log10(start));
      if (!isFinite(lo)) lo = Math.log10(start) - 6;
      const hi = Math.min(cap, Math.max(Math.log10(start), e[1] > 0 ? Math.log10(e[1]) : -Infinity));
      const r = ratchet(P.loss, "log" + S.run, lo, hi, 0.08);
      const range = [r[0], Math.min(r[1], cap + 0.15)];
      // ticks at powers of ten, written as such (10⁻⁴ … 10²), as many as the plot's height holds
      const z = sizes(), plotH = Math.max(40, S.cellH - z.margin.b - z.legend * 2.2 - z.margin.t);
      const dtick = Math.max(1, Math.ceil((range[1] - range[0]) / (plotH / (z.font * 1.9))));
      yax = { title: { text: W.loss_log }, type: "log", range: range, autorange: false, exponentformat: "power",
              dtick: dtick };
      if (k) notes.push(edgeNote(x[k - 1], ly[k - 1] > 0 ? Math.log10(ly[k - 1]) : null, range, W.loss, ly[k - 1], C.batch_loss));
    } else {
      const e = extent([ly, ey, [m.floor]]), cap = 3 * start;
      const r = ratchet(P.loss, "lin" + S.run, 0, Math.min(cap, Math.max(e[1], start)), 0.05);
      const range = [0, Math.min(r[1], cap * 1.05)];
      yax = { title: { text: W.loss }, type: "linear", range: range, autorange: false };
      if (k) notes.push(edgeNote(x[k - 1], ly[k - 1], range, W.loss, ly[k - 1], C.batch_loss));
    }
    // the noise floor is named beside its line, not in the legend (one legend row is enough), and
    // the compared runs at their lines' ends (the loss holds one line per run): lossNotes
    const floorY = S.log ? (m.floor > 0 ? Math.log10(m.floor) : null) : m.floor;
    const shownGhosts = (m.ghosts || []).filter(g => !S.hidden.has(g.id) && g.x.length);
    // laid out for the plot area Plotly drew last; if this drawing changed it (the legend got
    // another row), laid out and drawn once more
    for (let pass = 0; pass < 2; pass++) {
      const laid = plotSize(P.loss);
      const again = draw(P.loss, ghostTraces(m, "loss").concat([
        { x: [0, m.total], y: [m.floor, m.floor], name: W.floor, showlegend: false, mode: "lines", line: { dash: "dot", width: 1 * lw, color: C.floor } },
      ]), [
        { x: x, y: ly, name: W.batch_loss, mode: "lines", line: { width: 1 * lw, color: C.batch_loss } },
        { x: ex, y: ey, name: W.epoch_loss, mode: "lines+markers", cliponaxis: false, marker: { size: 10, symbol: "diamond", color: C.full_loss }, line: { color: C.full_loss, width: 2 * lw } },
      ].concat(m.short ? [shortRings(m.short, x, ly, lw)] : []), base("loss", W.loss_title, W.step, W.loss, { xaxis: xStep, yaxis: yax,
        annotations: notes.filter(Boolean).concat(labelNotes(shownGhosts, floorY, yax.range, x, ly, ex, ey)),
        dragmode: false, hovermode: false }), CFG_LEGEND, laid);
      if (!again) break;
    }

    // 2. parameter paths against their true values
    const tr = [], cols = [], truths = [];
    // w1, w2, w3 in three colours and b in a fourth; w4 ... repeat them (named at their ends)
    const colour = j => (j < m.d ? C.params[j % C.params.length] : C.b);
    m.names.forEach((nm, j) => {
      const col = (j < m.d ? S.w[j] : S.b).slice(0, k);
      cols.push(col);
      tr.push({ x: x, y: col, name: nm, mode: "lines", line: { color: colour(j), width: 2.5 * lw } });
      truths.push({ x: [0, m.total], y: [m.truth[j], m.truth[j]], name: nm + " " + W.true, mode: "lines", showlegend: false, line: { color: colour(j), dash: "dash", width: 1.5 * lw } });
    });
    const known = extent([m.truth, m.w0, [m.b0, 0]]);
    const reach = Math.max(1, ...m.truth.map(Math.abs), ...m.w0.map(Math.abs), Math.abs(m.b0));
    const pcap = [known[0] - 1.5 * reach, known[1] + 1.5 * reach];
    const shown = (m.ghosts || []).filter(g => g.same_d && !S.hidden.has(g.id));
    const pe = extent(cols.concat([m.truth, m.w0, [m.b0]], shown.map(g => g.range)));
    const pr0 = ratchet(P.params, "p" + S.run, Math.max(pe[0], pcap[0]), Math.min(pe[1], pcap[1]), 0.15);
    const pr = [Math.max(pr0[0], pcap[0]), Math.min(pr0[1], pcap[1])];
    const pnotes = k ? m.names.map((nm, j) => edgeNote(x[k - 1], cols[j][k - 1], pr, nm, cols[j][k - 1], colour(j))) : [];
    // each parameter's line starts at its initial value (step 0), so even a run that leaves the
    // scale on its first step shows which way it went
    const x0 = [0].concat(x);
    tr.forEach((t, j) => {
      const y0 = [j < m.d ? m.w0[j] : m.b0].concat(cols[j]);
      t.x = x0; t.y = edgeCut(y0.length, i => inside(y0[i], pr), y0);
    });
    // each parameter named just ahead of its line's end (w₁, w₂, b), in its colour
    const names = endLabels(tr.map((t, j) => ({ y: t.y[t.y.length - 1], text: m.labels[j], color: colour(j) })),
                            x0[x0.length - 1], pr, P.params);
    draw(P.params, ghostTraces(m, "params").concat(truths), tr.concat([names]), base("params", W.params_title, W.step, W.value, {
      xaxis: xStep, yaxis: { title: { text: W.value }, range: pr, autorange: false },
      margin: Object.assign({}, sizes().margin, { r: labelMargin(m.labels) }),
      annotations: stackNotes(pnotes), dragmode: false, hovermode: false,
    }), CFG_LEGEND, plotSize(P.params, labelMargin(m.labels)));

    // 3. path over loss contours (the contours are a separate static plot underneath)
    const pa = m.path;
    const axes = { xaxis: { title: { text: pa.xname }, range: pa.xr, autorange: false },
                   yaxis: { title: { text: pa.yname }, range: pa.yr, autorange: false } };
    // drawn anew (newPlot), one drawing at a time: Plotly.react of the same contour with a new
    // layout (presenter view, a resize) fails inside Plotly's contour code ("reading 'z'")
    const bl = P.pathBase._fullLayout;
    const misfit = bl && (Math.abs(bl.width - S.widths.get(P.pathBase)) > 2 || bl.height !== S.cellH);
    if ((S.metaPainted !== S.run || misfit) && !S.baseBusy) {
      S.baseBusy = true;
      // the cell may have changed size while this drawing was under way: then draw it again
      const idle = () => {
        S.baseBusy = false;
        const f = P.pathBase._fullLayout;
        if (f && (Math.abs(f.width - P.pathBase.clientWidth) > 2 || f.height !== S.cellH)) S.metaPainted = null;
        schedule();
      };
      Promise.resolve(window.Plotly.newPlot(P.pathBase, [
        { type: "contour", x: pa.gx, y: pa.gy, z: pa.gz, colorscale: C.path_scale, showscale: false,
          contours: { coloring: "fill", showlines: true }, line: { width: 0.6 * lw, color: C.contour_line }, hoverinfo: "skip" },
      ], base("path", W.path_title, pa.xname, pa.yname, Object.assign({ showlegend: false, margin: fixedMargin() }, axes)), CFG))
        .then(idle, idle);
      S.metaPainted = S.run;
    }
    // the overlay's axes are laid out exactly like the base's (so both plot areas match) but invisible;
    // margins do not grow to fit the legend (FIXED), which only the overlay has
    const clear = C.clear;
    const hidden = (r, t) => ({ range: r, autorange: false, showgrid: false, zeroline: false, showline: false,
      tickfont: { color: clear }, title: { text: t, font: { color: clear } } });
    const px = pa.ix < m.d ? S.w[pa.ix] : S.b, py = pa.iy < m.d ? S.w[pa.iy] : S.b;
    const cx = [pa.start[0]].concat(px.slice(0, k)), cy = [pa.start[1]].concat(py.slice(0, k));
    const lx = cx[cx.length - 1], lyp = cy[cy.length - 1];
    const inBox = i => inside(cx[i], pa.xr) && inside(cy[i], pa.yr);
    const pathNote = k && !(inside(lx, pa.xr) && inside(lyp, pa.yr)) ? [{
      x: Math.min(Math.max(lx, pa.xr[0]), pa.xr[1]), y: Math.min(Math.max(lyp, pa.yr[0]), pa.yr[1]),
      xanchor: lx > pa.xr[1] ? "right" : "left", yanchor: lyp > pa.yr[1] ? "top" : "bottom", showarrow: false,
      text: fmt(W.path_off, { x: num(lx), y: num(lyp) }), bgcolor: C.label_bg,
      font: { size: sizes().legend, color: C.alert } }] : [];
    draw(P.path, [
      { x: [pa.opt[0]], y: [pa.opt[1]], name: W.least_squares, mode: "markers", marker: { symbol: "star", size: 16, color: C.least_squares } },
      // real data have no true values (pa.truth null): no cross
      pa.truth && { x: [pa.truth[0]], y: [pa.truth[1]], name: W.true, mode: "markers", marker: { symbol: "x", size: 11, color: C.true } },
    ].filter(Boolean), [
      { x: edgeCut(cx.length, inBox, cx), y: edgeCut(cy.length, inBox, cy), name: W.sgd_path, mode: "lines",
        line: { color: C.path, width: 2 * lw } },
      { x: [lx], y: [lyp], name: W.now, mode: "markers", marker: { size: 12, color: C.path } },
    ], base("path", "", "", "", { xaxis: hidden(pa.xr, pa.xname), yaxis: hidden(pa.yr, pa.yname), plot_bgcolor: clear,
      margin: fixedMargin(), annotations: pathNote }));

    // 4. the data and the current model (changes slowly: every 2nd frame while playing)
    const dm = m.data;
    const every = (n) => !playing() || k === S.n || stats.paints % n === 0;
    if (every(2)) {
    const fin = v => (v != null && isFinite(v) ? v : null);
    // the model's predictions far outside the data's range: say so, with how far they went
    const predNote = (vals) => {
      let worst = null;
      for (const v of vals) if (v != null && (v < dm.yr[0] || v > dm.yr[1]) && (worst === null || Math.abs(v) > Math.abs(worst))) worst = v;
      const span = dm.yr[1] - dm.yr[0];
      return worst !== null && (worst < dm.yr[0] - span || worst > dm.yr[1] + span) ? [{
        x: 0.5, xref: "paper", y: 0.95, yref: "paper", yanchor: "top", showarrow: false, bgcolor: C.label_bg,
        text: fmt(W.pred_off, { value: num(worst) }), font: { size: sizes().legend, color: C.alert } }] : [];
    };
    if (m.d === 1) {
      const lo = dm.xr[0], hi = dm.xr[1];
      const ends = [fin(curW[0] * lo + curB), fin(curW[0] * hi + curB)];
      draw(P.data, [
        { x: dm.x, y: dm.y, name: W.data, mode: "markers", marker: { size: 5, color: C.data } },
      ], [
        { x: [lo, hi], y: ends, name: W.model, mode: "lines", line: { color: C.model, width: 3 * lw } },
      ], base("data", W.data_title, "x", "y", {
        xaxis: { title: { text: "x" }, range: dm.xr, autorange: false }, yaxis: { title: { text: "y" }, range: dm.yr, autorange: false },
        annotations: predNote(ends) }));
    } else {
      const yh = dm.X.map(row => fin(row.reduce((s, v, j) => s + v * curW[j], curB)));
      draw(P.data, [
        { x: dm.yr, y: dm.yr, name: W.perfect, mode: "lines", line: { dash: "dash", color: C.perfect } },
      ], [
        { x: dm.y, y: yh, name: W.examples, mode: "markers", marker: { size: 6, color: C.data } },
      ], base("data", W.pred_title, W.true_y, W.pred_y, {
        xaxis: { title: { text: W.true_y }, range: dm.yr, autorange: false }, yaxis: { title: { text: W.pred_y }, range: dm.yr, autorange: false },
        annotations: predNote(yh) }));
    }
    }

    // 5. the same lr on y = x²/2: x_k = (1 - lr)^k x0, one step per training step
    if (!S.present) paintParabola(m, step);       // presenter view shows four charts, not five
    stats.paintMs += performance.now() - now;
  }

  // the status line and progress bar: the step on the charts, not the server's newest
  function showStatus() {
    const m = S.meta, k = S.painted;
    if (!m || !S.statusEl || k < 0) return;
    const step = k ? S.x[k - 1] : 0, W = m.words;
    let text = !step ? fmt(W.to_go, { total: m.total, epochs: m.epochs, per_epoch: m.per_epoch })
      : fmt(W.progress, { epoch: Math.min(Math.ceil(step / m.per_epoch), m.epochs), epochs: m.epochs,
                          step: step, total: m.total });
    if (step && (S.status === "paused" || S.status === "diverged")) text = fmt(W[S.status], { progress: text });
    if (S.statusEl.textContent !== text) {
      S.statusEl.textContent = text;
      S.progressEl.style.width = (100 * Math.min(step / m.total, 1)).toFixed(1) + "%";
    }
  }

  function paintParabola(m, step) {
    const lw = sizes().line;
    const P = S.plots, W = m.words, C = m.colors;
    const pb = m.parabola, x0 = pb.x0, lr = m.lr, K = step, lim = pb.lim;
    const trail = [], ty = [];
    for (let j = Math.max(0, K - 8); j <= K; j++) {
      const v = x0 * Math.pow(1 - lr, j);
      if (Math.abs(v) <= lim) { trail.push(v); ty.push(v * v / 2); }
    }
    const xk = x0 * Math.pow(1 - lr, K), inView = Math.abs(xk) <= lim;
    if (!P.parabola.__curve) {
      P.parabola.__curve = [[], []];
      for (let i = 0; i <= 80; i++) { const v = -lim + (2 * lim * i) / 80; P.parabola.__curve[0].push(v); P.parabola.__curve[1].push(v * v / 2); }
    }
    const note = inView ? "" : fmt(W.out_of_view, { x: Math.abs(xk).toExponential(1) });
    draw(P.parabola, [
      { x: P.parabola.__curve[0], y: P.parabola.__curve[1], name: "y = x²/2", mode: "lines", line: { color: C.curve, width: 2 * lw } },
    ], [
      { x: trail, y: ty, name: W.last_steps, mode: "lines+markers", marker: { size: 7, color: C.iterates }, line: { width: 1 * lw, dash: "dot", color: C.iterates } },
      { x: inView ? [xk] : [], y: inView ? [xk * xk / 2] : [], name: "x_k", mode: "markers", marker: { size: 14, color: C.current } },
    ], base("parabola", fmt(W.parabola_title, { lr: lr, regime: pb.regime }), "x", "y", {
      xaxis: { title: { text: "x" }, range: [-lim, lim], autorange: false },
      yaxis: { title: { text: "y" }, range: [-0.05 * lim * lim / 2, lim * lim / 2 * 1.05], autorange: false },
      annotations: note ? [{ text: note, x: 0, y: lim * lim / 4, showarrow: false, font: { size: 15, color: C.alert } }] : [],
    }));
  }

  // prefers-reduced-motion: reduce. The run still runs, but the charts do not play it back: while
  // it runs they paint its newest step every REDUCED_MS, and its last at once when it pauses or ends.
  const REDUCED_MS = 1000;
  const motionQuery = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  function reducedMotion() { return !!(motionQuery && motionQuery.matches); }
  function due(t) {
    stats.reduced = reducedMotion();
    if (!stats.reduced) return t - S.lastPaintT >= 1000 / MAX_FPS - 2;
    return S.status !== "running" || S.painted < 0 || S.metaPainted !== S.run || t - S.lastPaintT >= REDUCED_MS;
  }

  // The charts in words, for screen readers. Each chart is a figure named by its title; its
  // picture is an image whose name says what it shows (meta-free summaries from the server, sent
  // when the run pauses or ends: ui/live.py summaries), the title alone while the run moves.
  function describe(name, cell, stack) {
    const title = S.titles[name];
    title.id = S.id + "-title-" + name;
    cell.setAttribute("role", "figure");
    cell.setAttribute("aria-labelledby", title.id);
    stack.setAttribute("role", "img");
    S.imgs[name] = stack;
  }
  // One live region per page (on the body: Streamlit's reruns never replace it), polite: it
  // says Train, Pause (or Step), a divergence and the end, each once. S.said is the last event
  // said for this run, so a rerun that sends the same state again says nothing.
  function liveRegion() {
    let r = document.getElementById("lrviz-live");
    if (!r) {
      r = el("div", "lrviz-sr", document.body);
      r.id = "lrviz-live";
      r.setAttribute("role", "status");
      r.setAttribute("aria-live", "polite");
      r.setAttribute("aria-atomic", "true");
    }
    return r;
  }
  function say(text) {
    const r = liveRegion();
    stats.said = (stats.said || []).concat([text]).slice(-20);
    // the same words again (a second run): changed by a no-break space, so they are said again
    r.textContent = r.textContent === text ? text + "\u00a0" : text;
  }
  function speak() {
    const m = S.meta, sm = S.summary;
    if (!m || !S.node || S.painted < 0) return;
    const W = m.words, running = S.status === "running";
    const shownStep = S.painted > 0 ? S.x[S.painted - 1] : 0;
    if (running && S.said !== "running") {
      S.said = "running";
      say(shownStep ? fmt(W.announce_resume, { step: shownStep }) : fmt(W.announce_train, { total: m.total }));
    }
    // the words describe the charts once these show the step they were written for
    const now = sm && !running && S.painted === S.n && shownStep === sm.step;
    for (const name in S.imgs) {
      const text = now ? sm[name] : S.titles[name].textContent;
      if (text && S.imgs[name].getAttribute("aria-label") !== text) S.imgs[name].setAttribute("aria-label", text);
    }
    if (now && sm.event && S.said !== sm.event) {
      S.said = sm.event;
      say(sm.announce);
    }
  }

  // Pause / Step clicked while the charts play: freeze now, tell the server which step we show.
  // Streamlit's own button never sees the click (capture phase, stopped), so the server gets one
  // rerun with the step, not two. When the charts are not playing the button works as usual.
  function onClick(e) {
    const pause = ".st-key-" + S.prefix + "pause", stepKey = ".st-key-" + S.prefix + "step";
    const btn = e.target.closest && e.target.closest(pause + " button, " + stepKey + " button");
    if (!btn || btn.disabled || !S.component || !S.node || !S.node.isConnected || S.hold) return;
    // while the charts move: a run in progress, or the end of one still being played back
    if (!(S.status === "running" || (playing() && S.shown < S.n))) return;
    e.preventDefault();
    e.stopPropagation();
    const k = Math.floor(S.shown);
    const action = btn.closest(pause) ? "pause" : "step";
    S.nonce = (S.nonce + 1) % 1e9;
    const nonce = Date.now() + ":" + S.nonce;
    S.hold = { shown: k, t: performance.now(), nonce: nonce };
    S.status = "paused";
    stats.transport++;
    stats.lastTransport = { action: action, at: k ? S.x[k - 1] : 0, nonce: nonce };
    S.component.setTriggerValue("transport", stats.lastTransport);
    schedule();
  }
  // Presenter view: two charts a row, each half of what the window has below the grid's top
  // (measured as if scrolled to the top), so the buttons and four charts fit one projector
  // screen; the page around them gets smaller margins (body class, CSS in ui/live.py).
  function gridTop() {
    const main = S.node.closest("[data-testid='stMain']");
    return S.grid.getBoundingClientRect().top + (main ? main.scrollTop : window.scrollY);
  }
  // the page above the charts changed height (a divergence message came or went): fit again
  function refit() {
    if (S.present && S.grid && S.grid.isConnected && Math.abs(gridTop() - S.top) > 2) layout();
  }
  function layout() {
    if (!S.node) return;
    S.node.classList.toggle("present", S.present);
    if (S.id === "lrviz") document.body.classList.toggle("lrviz-present", S.present);
    let h = 340;
    if (S.present && S.grid && S.grid.isConnected) {
      const top = S.top = gridTop();
      const title = S.titles.loss.getBoundingClientRect().height;
      h = Math.max(200, Math.floor((window.innerHeight - top - 16) / 2 - title - 4));
      // a phone: one chart a row (ui/live.py's container query), no screen holds four; the usual height
      if (getComputedStyle(S.grid).gridTemplateColumns.trim().split(/\s+/).length < 2) h = 340;
    }
    if (h !== S.cellH) { S.cellH = h; S.grid.style.setProperty("--lrviz-cell", h + "px"); }
    S.painted = -1; S.metaPainted = null;
    schedule();
  }

  function mount(parent, payload, component) {
    stats.mounts++;
    if (component) S.component = component;
    const fresh = !S.node;
    if (fresh) S.node = build();
    if (S.node.parentNode !== parent) parent.appendChild(S.node);
    ingest(payload);
    if (fresh) {
      liveRegion();                       // in the page before anything is said in it
      window.addEventListener("resize", () => { if (S.present) layout(); });
      const page = document.querySelector("[data-testid='stMainBlockContainer']");
      if (page && window.ResizeObserver) new ResizeObserver(refit).observe(page);
      requestAnimationFrame(layout);      // once the grid is in the page: its top is known
    }
    schedule();
  }

  function unmount(parent) {
    if (S.node && S.node.parentNode === parent) parent.removeChild(S.node);
  }

  return { mount, unmount, onClick, state: S, stats };
  }

  // Keys, as a keyboard or a presentation clicker sends them: Space = Train (or Pause while it
  // runs), Right arrow or PageDown = Step, R = Reset. A key presses the page's button with a real
  // click, so Pause and Step while the charts play go through onClick like a mouse click.
  // Never while the focus is in a field, a slider or a menu (their keys are theirs), never with
  // a modifier (Ctrl+R still reloads), and before Streamlit's own R (rerun) hotkey.
  const KEYS = { " ": "space", ArrowRight: "step", PageDown: "step", r: "reset", R: "reset" };
  function typing(t) {
    return !!(t && t.closest && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) ||
      t.closest("[role='slider'],[role='combobox'],[role='textbox'],[role='listbox'],[role='spinbutton']")));
  }
  // the player the keys drive: the one on the page now that asked for them
  function keysTarget() {
    for (const k in instances) {
      const S = instances[k].state;
      if (S.keys && S.node && S.node.isConnected) return instances[k];
    }
    return null;
  }
  function keyButton(what) {
    const inst = keysTarget();
    if (!inst) return null;
    const prefix = inst.state.prefix;
    const find = name => document.querySelector(".st-key-" + prefix + name + " button");
    if (what !== "space") return find(what);
    const train = find("train");
    return train && !train.disabled ? train : find("pause");
  }
  let keyed = null;       // the key we handled, so its keyup does not press a focused button too
  window.addEventListener("keydown", e => {
    const what = KEYS[e.key];
    if (!what || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    const btn = keyButton(what);
    if (!btn) return;                    // a page without the player: leave the key alone
    e.preventDefault();
    e.stopImmediatePropagation();
    keyed = e.key;
    if (!e.repeat && !btn.disabled) {
      const st = keysTarget().stats;
      st.keys = (st.keys || 0) + 1;
      btn.click();
    }
  }, true);
  window.addEventListener("keyup", e => {
    if (keyed !== null && e.key === keyed) { e.preventDefault(); e.stopImmediatePropagation(); keyed = null; }
  }, true);

  const instances = {};
  function instance(id) {
    return instances[id] || (instances[id] = create(id));
  }
  document.addEventListener("click", e => { for (const k in instances) instances[k].onClick(e); }, true);

  window.LRViz = {
    mount: (parent, payload, component) => instance(payload.id || "lrviz").mount(parent, payload, component),
    unmount: parent => { for (const k in instances) instances[k].unmount(parent); },
    instances: instances,
    get state() { return instance("lrviz").state; },
    get stats() { return instance("lrviz").stats; },
  };
})();
