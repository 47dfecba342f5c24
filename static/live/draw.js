// Drawing a chart's traces, cheaply. Each painter hands draw() its `fixed` traces (contours,
// true values, the parabola: drawn only on a full react) and its `moving` ones (sent per frame,
// as trace indices after the fixed ones).
//
// Redraw cost: a full Plotly.react redraws axes, legend and all; Plotly.animate with
// redraw: false only moves the traces, and fastDraw only rewrites their SVG. So each chart
// keeps fixed axis ranges and gets a full react only when its layout signature (ranges,
// title, scale) changes; ranges grow with headroom (ratchet) so that happens a few times
// per run, not per frame.
//
// `chart` is an instance's {state, stats, schedule, afterReact} (static/live/instance.js).
const v = new URL(import.meta.url).search;     // ?v=: every module of one version (live_charts.js)
const { sizes } = await import("./layout.js" + v);

// live charts are redrawn up to 60 times a second: no hover layers, no drag handlers
export const CFG = { displayModeBar: false, responsive: true, staticPlot: true };
// the loss and parameter charts hold the compared runs, whose legend entries hide and show
// them: a live legend, but still no zoom, drag or hover
export const CFG_LEGEND = { displayModeBar: false, responsive: true, staticPlot: false, scrollZoom: false,
                            doubleClick: false, showTips: false };
const ANIM = { mode: "immediate", transition: { duration: 0 }, frame: { duration: 0, redraw: false } };

// labels laid out in px for a plot area (laid: its {w, h}) that Plotly then drew at another size
// (a new legend row, a first drawing): the caller lays them out again for the drawn one
export function misfit(div, laid) {
  const s = div._fullLayout && div._fullLayout._size;
  return !!s && (Math.abs(s.h - laid.h) > 0.5 || Math.abs(s.w - laid.w) > 0.5);
}

// Draws a chart: a full Plotly.react when its signature changed, else only the moving traces
// (fastDraw while the charts play, else Plotly.animate). laid: the plot area the chart's
// labels were laid out for; returns true when Plotly drew it at another size at once.
export function draw(chart, div, fixed, moving, layout, cfg, laid) {
  const { state, stats } = chart;
  // Plotly leaves empty traces out of the legend and animate() does not redraw it: a trace
  // getting its first points is part of the signature, so it triggers one full redraw
  const sig = JSON.stringify([state.run, fixed.length, layout.title, layout.xaxis, layout.yaxis, layout.annotations,
                              layout.meta, layout.height, state.widths.get(div), state.present, [...state.hidden],
                              fixed.map(t => (t.mode === "text" ? [t.name, t.y] : t.name)),
                              moving.map(t => [t.name, !!(t.x && t.x.length)])]);
  if (div.__sig !== sig || !div.data || div.data.length !== fixed.length + moving.length) {
    const drawn = window.Plotly.react(div, fixed.concat(moving), layout, cfg || CFG);
    if (cfg === CFG_LEGEND) onLegend(chart, div);
    stats.reacts++;
    div.__sig = sig;
    div.__groups = null;
    div.__laid = laid;
    // drawn at once at another size: the caller lays out again; else once Plotly is done
    if (laid && misfit(div, laid)) return true;
    if (laid) Promise.resolve(drawn).then(() => chart.afterReact(div, laid), () => {});
  } else if (state.live && fastDraw(div, fixed.length, moving)) {
    stats.fast++;
  } else {
    state.inflight++;
    stats.animates++;
    const done = () => { state.inflight--; };
    window.Plotly.animate(div, { data: moving, traces: moving.map((_, i) => fixed.length + i) }, ANIM)
      .then(done, done);
  }
  return false;
}

// a click on a compared run's legend entry hides it in both charts (the other entries do nothing)
function onLegend(chart, div) {
  if (div.__legend || typeof div.on !== "function") return;
  div.__legend = true;
  div.on("plotly_legendclick", ev => {
    const t = ev.data[ev.curveNumber], id = t && t.meta && t.meta.ghost;
    if (id) {
      const hidden = chart.state.hidden;
      if (hidden.has(id)) hidden.delete(id); else hidden.add(id);
      chart.state.painted = -1; chart.schedule();
    }
    return false;
  });
  div.on("plotly_legenddoubleclick", () => false);
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
  const px = (ax, log, value) => {
    if (value == null || !isFinite(value) || (log && value <= 0)) return null;
    const p = ax.c2p(value);
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

// The earlier runs (meta.ghosts), of the loss or of each parameter: all in one grey, each with
// its own dash (colours.compared_dashes), so the current run stands out and each compared one
// is told by its dash and, on the loss chart, by its name at its line's end (static/live/loss.js).
export function comparedTraces(state, which) {
  const meta = state.meta, colors = meta.colors, dashes = colors.compared_dashes, out = [];
  const lw = sizes(state).line;
  (meta.ghosts || []).forEach((g, i) => {
    const style = { mode: "lines", legendgroup: "ghost" + g.id, meta: { ghost: g.id },
                    visible: state.hidden.has(g.id) ? "legendonly" : true,
                    line: { color: colors.compared, width: 1.4 * lw, dash: dashes[i % dashes.length] } };
    if (which === "loss") out.push(Object.assign({ x: g.x, y: g.loss, name: g.label }, style));
    else if (g.same_d) meta.names.forEach((name, j) => out.push(Object.assign({
      x: g.x, y: j < meta.d ? g.w[j] : g.b, name: g.label, showlegend: j === 0 }, style)));
  });
  return out;
}
