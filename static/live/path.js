// The path chart: SGD's path over the loss contours, in two of the parameters (meta.path). It
// is two stacked plots: animating scatter traces in a figure that also holds a contour drops
// the contour, so the contours sit in a static plot underneath (plots.pathBase) and the path in
// an overlay (plots.path) laid out exactly like it.
const v = new URL(import.meta.url).search;     // ?v=: every module of one version (live_charts.js)
const [layout, { draw, CFG }] = await Promise.all([import("./layout.js" + v), import("./draw.js" + v)]);
const { fmt, num, sizes, base, fixedMargin, edgeCut, inside } = layout;

// frame: {k} (static/live/instance.js paint)
export function paintPath(chart, frame) {
  const { state } = chart, { k } = frame;
  const meta = state.meta, words = meta.words, colors = meta.colors, path = meta.path;
  const lw = sizes(state).line;
  drawContours(chart, lw);
  // the overlay's axes are laid out exactly like the base's (so both plot areas match) but
  // invisible; neither plot's margins grow to fit the legend (fixedMargin), which only the
  // overlay has
  const clear = colors.clear;
  const hidden = (range, title) => ({ range: range, autorange: false, showgrid: false, zeroline: false, showline: false,
    tickfont: { color: clear }, title: { text: title, font: { color: clear } } });
  const xs = path.ix < meta.d ? state.w[path.ix] : state.b, ys = path.iy < meta.d ? state.w[path.iy] : state.b;
  const cx = [path.start[0]].concat(xs.slice(0, k)), cy = [path.start[1]].concat(ys.slice(0, k));
  const nowX = cx[cx.length - 1], nowY = cy[cy.length - 1];
  const inBox = i => inside(cx[i], path.xr) && inside(cy[i], path.yr);
  // a diverging path: where it went, at the chart's edge
  const offNote = k && !(inside(nowX, path.xr) && inside(nowY, path.yr)) ? [{
    x: Math.min(Math.max(nowX, path.xr[0]), path.xr[1]), y: Math.min(Math.max(nowY, path.yr[0]), path.yr[1]),
    xanchor: nowX > path.xr[1] ? "right" : "left", yanchor: nowY > path.yr[1] ? "top" : "bottom", showarrow: false,
    text: fmt(words.path_off, { x: num(nowX), y: num(nowY) }), bgcolor: colors.label_bg,
    font: { size: sizes(state).legend, color: colors.alert } }] : [];
  draw(chart, state.plots.path, [
    { x: [path.opt[0]], y: [path.opt[1]], name: words.least_squares, mode: "markers",
      marker: { symbol: "star", size: 16, color: colors.least_squares } },
    // real data have no true values (path.truth null): no cross
    path.truth && { x: [path.truth[0]], y: [path.truth[1]], name: words.true, mode: "markers",
                    marker: { symbol: "x", size: 11, color: colors.true } },
  ].filter(Boolean), [
    { x: edgeCut(cx.length, inBox, cx), y: edgeCut(cy.length, inBox, cy), name: words.sgd_path, mode: "lines",
      line: { color: colors.path, width: 2 * lw } },
    { x: [nowX], y: [nowY], name: words.now, mode: "markers", marker: { size: 12, color: colors.path } },
  ], base(state, "path", "", "", "", { xaxis: hidden(path.xr, path.xname), yaxis: hidden(path.yr, path.yname),
    plot_bgcolor: clear, margin: fixedMargin(state), annotations: offNote }));
}

// The contours, once per run and whenever the cell changed size: drawn anew (newPlot), one
// drawing at a time: Plotly.react of the same contour with a new layout (presenter view, a
// resize) fails inside Plotly's contour code ("reading 'z'").
function drawContours(chart, lw) {
  const { state } = chart, meta = state.meta, path = meta.path, div = state.plots.pathBase;
  const axes = { xaxis: { title: { text: path.xname }, range: path.xr, autorange: false },
                 yaxis: { title: { text: path.yname }, range: path.yr, autorange: false } };
  const drawn = div._fullLayout;
  const resized = drawn && (Math.abs(drawn.width - state.widths.get(div)) > 2 || drawn.height !== state.cellH);
  if ((state.metaPainted !== state.run || resized) && !state.baseBusy) {
    state.baseBusy = true;
    // the cell may have changed size while this drawing was under way: then draw it again
    const idle = () => {
      state.baseBusy = false;
      const f = div._fullLayout;
      if (f && (Math.abs(f.width - div.clientWidth) > 2 || f.height !== state.cellH)) state.metaPainted = null;
      chart.schedule();
    };
    Promise.resolve(window.Plotly.newPlot(div, [
      { type: "contour", x: path.gx, y: path.gy, z: path.gz, colorscale: meta.colors.path_scale, showscale: false,
        contours: { coloring: "fill", showlines: true }, line: { width: 0.6 * lw, color: meta.colors.contour_line },
        hoverinfo: "skip" },
    ], base(state, "path", meta.words.path_title, path.xname, path.yname,
            Object.assign({ showlegend: false, margin: fixedMargin(state) }, axes)), CFG))
      .then(idle, idle);
    state.metaPainted = state.run;
  }
}
