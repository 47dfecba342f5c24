// The parabola chart: the same lr on y = x²/2, where x_k = (1 - lr)^k x0, one step per
// training step: the last steps and the current x_k.
const v = new URL(import.meta.url).search;     // ?v=: every module of one version (live_charts.js)
const [layout, { draw }] = await Promise.all([import("./layout.js" + v), import("./draw.js" + v)]);
const { fmt, sizes, base } = layout;

// step: the training step the charts show
export function paintParabola(chart, step) {
  const { state } = chart, meta = state.meta, words = meta.words, colors = meta.colors;
  const div = state.plots.parabola, lw = sizes(state).line;
  const x0 = meta.parabola.x0, lr = meta.lr, lim = meta.parabola.lim;
  const trail = [], ty = [];
  for (let j = Math.max(0, step - 8); j <= step; j++) {
    const x = x0 * Math.pow(1 - lr, j);
    if (Math.abs(x) <= lim) { trail.push(x); ty.push(x * x / 2); }
  }
  const xk = x0 * Math.pow(1 - lr, step), inView = Math.abs(xk) <= lim;
  // the curve, sampled once per chart element
  if (!div.__curve) {
    div.__curve = [[], []];
    for (let i = 0; i <= 80; i++) { const x = -lim + (2 * lim * i) / 80; div.__curve[0].push(x); div.__curve[1].push(x * x / 2); }
  }
  const note = inView ? "" : fmt(words.out_of_view, { x: Math.abs(xk).toExponential(1) });
  draw(chart, div, [
    { x: div.__curve[0], y: div.__curve[1], name: "y = x²/2", mode: "lines", line: { color: colors.curve, width: 2 * lw } },
  ], [
    { x: trail, y: ty, name: words.last_steps, mode: "lines+markers", marker: { size: 7, color: colors.iterates },
      line: { width: 1 * lw, dash: "dot", color: colors.iterates } },
    { x: inView ? [xk] : [], y: inView ? [xk * xk / 2] : [], name: "x_k", mode: "markers",
      marker: { size: 14, color: colors.current } },
  ], base(state, "parabola", fmt(words.parabola_title, { lr: lr, regime: meta.parabola.regime }), "x", "y", {
    xaxis: { title: { text: "x" }, range: [-lim, lim], autorange: false },
    yaxis: { title: { text: "y" }, range: [-0.05 * lim * lim / 2, lim * lim / 2 * 1.05], autorange: false },
    annotations: note ? [{ text: note, x: 0, y: lim * lim / 4, showarrow: false, font: { size: 15, color: colors.alert } }] : [],
  }));
}
