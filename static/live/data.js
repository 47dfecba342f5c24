// The data chart: with one feature the data and the current model's line; with more, each
// example's prediction against its true y. meta.data holds a sample of the data.
const v = new URL(import.meta.url).search;     // ?v=: every module of one version (live_charts.js)
const [layout, { draw }] = await Promise.all([import("./layout.js" + v), import("./draw.js" + v)]);
const { fmt, num, sizes, base } = layout;

// frame: {k} (static/live/instance.js paint)
export function paintData(chart, frame) {
  const { state } = chart, { k } = frame;
  const meta = state.meta, words = meta.words, colors = meta.colors, data = meta.data, lw = sizes(state).line;
  const w = k ? state.w.map(col => col[k - 1]) : meta.w0;
  const b = k ? state.b[k - 1] : meta.b0;
  const fin = value => (value != null && isFinite(value) ? value : null);
  // the model's predictions far outside the data's range: say so, with how far they went
  const predNote = values => {
    let worst = null;
    for (const value of values) {
      if (value != null && (value < data.yr[0] || value > data.yr[1]) && (worst === null || Math.abs(value) > Math.abs(worst))) worst = value;
    }
    const span = data.yr[1] - data.yr[0];
    return worst !== null && (worst < data.yr[0] - span || worst > data.yr[1] + span) ? [{
      x: 0.5, xref: "paper", y: 0.95, yref: "paper", yanchor: "top", showarrow: false, bgcolor: colors.label_bg,
      text: fmt(words.pred_off, { value: num(worst) }), font: { size: sizes(state).legend, color: colors.alert } }] : [];
  };
  if (meta.d === 1) {
    const lo = data.xr[0], hi = data.xr[1];
    const ends = [fin(w[0] * lo + b), fin(w[0] * hi + b)];
    draw(chart, state.plots.data, [
      { x: data.x, y: data.y, name: words.data, mode: "markers", marker: { size: 5, color: colors.data } },
    ], [
      { x: [lo, hi], y: ends, name: words.model, mode: "lines", line: { color: colors.model, width: 3 * lw } },
    ], base(state, "data", words.data_title, "x", "y", {
      xaxis: { title: { text: "x" }, range: data.xr, autorange: false },
      yaxis: { title: { text: "y" }, range: data.yr, autorange: false },
      annotations: predNote(ends) }));
  } else {
    const yHat = data.X.map(row => fin(row.reduce((s, value, j) => s + value * w[j], b)));
    draw(chart, state.plots.data, [
      { x: data.yr, y: data.yr, name: words.perfect, mode: "lines", line: { dash: "dash", color: colors.perfect } },
    ], [
      { x: data.y, y: yHat, name: words.examples, mode: "markers", marker: { size: 6, color: colors.data } },
    ], base(state, "data", words.pred_title, words.true_y, words.pred_y, {
      xaxis: { title: { text: words.true_y }, range: data.yr, autorange: false },
      yaxis: { title: { text: words.pred_y }, range: data.yr, autorange: false },
      annotations: predNote(yHat) }));
  }
}
