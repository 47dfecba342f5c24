// The parameter chart: each parameter's path against its true value (dashed), named at its
// line's end, with the compared runs' parameters in grey.
const v = new URL(import.meta.url).search;     // ?v=: every module of one version (live_charts.js)
const [layout, { draw, comparedTraces, CFG_LEGEND }] = await Promise.all([
  import("./layout.js" + v), import("./draw.js" + v)]);
const { sizes, base, stepAxis, plotSize, endLabels, labelMargin, edgeNote, stackNotes, edgeCut, inside,
        ratchet, extent } = layout;

// frame: {k, x} (static/live/instance.js paint)
export function paintParams(chart, frame) {
  const { state } = chart, { k, x } = frame;
  const meta = state.meta, words = meta.words, colors = meta.colors, plot = state.plots.params;
  const lw = sizes(state).line;
  const traces = [], cols = [], truths = [];
  // w1, w2, w3 in three colours and b in a fourth; w4 ... repeat them (named at their ends)
  const colour = j => (j < meta.d ? colors.params[j % colors.params.length] : colors.b);
  // a name is text: its line's hue, dark enough to read (4.5:1)
  const textColour = j => (j < meta.d ? colors.params_text[j % colors.params_text.length] : colors.b);
  meta.names.forEach((name, j) => {
    const col = (j < meta.d ? state.w[j] : state.b).slice(0, k);
    cols.push(col);
    traces.push({ x: x, y: col, name: name, mode: "lines", line: { color: colour(j), width: 2.5 * lw } });
    truths.push({ x: [0, meta.total], y: [meta.truth[j], meta.truth[j]], name: name + " " + words.true, mode: "lines",
                  showlegend: false, line: { color: colour(j), dash: "dash", width: 1.5 * lw } });
  });
  // the y range: what the values reach, within a cap a few times the true and initial values
  const known = extent([meta.truth, meta.w0, [meta.b0, 0]]);
  const reach = Math.max(1, ...meta.truth.map(Math.abs), ...meta.w0.map(Math.abs), Math.abs(meta.b0));
  const cap = [known[0] - 1.5 * reach, known[1] + 1.5 * reach];
  const shownCompared = (meta.ghosts || []).filter(g => g.same_d && !state.hidden.has(g.id));
  const reached = extent(cols.concat([meta.truth, meta.w0, [meta.b0]], shownCompared.map(g => g.range)));
  const grown = ratchet(plot, "p" + state.run, Math.max(reached[0], cap[0]), Math.min(reached[1], cap[1]), 0.15);
  const range = [Math.max(grown[0], cap[0]), Math.min(grown[1], cap[1])];
  const notes = k ? meta.names.map((name, j) => edgeNote(state, x[k - 1], cols[j][k - 1], range, name, cols[j][k - 1],
                                                        colour(j))) : [];
  // each parameter's line starts at its initial value (step 0), so even a run that leaves the
  // scale on its first step shows which way it went
  const x0 = [0].concat(x);
  traces.forEach((t, j) => {
    const y0 = [j < meta.d ? meta.w0[j] : meta.b0].concat(cols[j]);
    t.x = x0; t.y = edgeCut(y0.length, i => inside(y0[i], range), y0);
  });
  // each parameter named just ahead of its line's end (w₁, w₂, b), in its colour
  const names = endLabels(state, traces.map((t, j) => ({ y: t.y[t.y.length - 1], text: meta.labels[j], color: textColour(j) })),
                          x0[x0.length - 1], range, plot);
  draw(chart, plot, comparedTraces(state, "params").concat(truths), traces.concat([names]),
    base(state, "params", words.params_title, words.step, words.value, {
      xaxis: stepAxis(meta), yaxis: { title: { text: words.value }, range: range, autorange: false },
      margin: Object.assign({}, sizes(state).margin, { r: labelMargin(state, meta.labels) }),
      annotations: stackNotes(state, notes), dragmode: false, hovermode: false,
    }), CFG_LEGEND, plotSize(state, plot, labelMargin(state, meta.labels)));
}
