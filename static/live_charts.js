// Live charts for the main page and the others that train (an ES module). Loaded once per
// browser tab by the small loader in ui/live.py (plotly-custom.min.js loads beside it); every
// Streamlit update calls LRViz.mount(parent, payload).
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
// - Every word comes from the server (meta.words, in the user's language), once per run, and
//   every colour too (meta.colors, ui/palette.py): these files have none.
// - One instance per chart element (payload.id): a page may show two runs side by side, each
//   with its own buttons (payload.buttons: their Streamlit key prefix). LRViz.state and .stats
//   are the main page's instance ("lrviz"), for tests and benchmarks.
//
// The modules, under static/live/: instance.js (one chart element: payloads, frame clock,
// paint), one painter per chart (loss.js, params.js, path.js, data.js, parabola.js), draw.js
// (Plotly.react / animate / fastDraw), layout.js (sizes, the label layout, notes), state.js
// (the instance's state, declared in one place), speech.js (screen readers), keys.js.
// Each is imported with this file's ?v= (its mtime, ui/live.py), and imports the others with it
// too (`await import(... + v)`): a browser never mixes a new module with an old one from its cache.
if (!window.LRViz) {
  const v = new URL(import.meta.url).search;
  const [{ create }, { listenForKeys }] = await Promise.all([
    import("./live/instance.js" + v), import("./live/keys.js" + v)]);
  const instances = {};
  const instance = id => instances[id] || (instances[id] = create(id));
  listenForKeys(instances);
  document.addEventListener("click", e => { for (const id in instances) instances[id].onClick(e); }, true);

  window.LRViz = {
    mount: (parent, payload, component) => instance(payload.id || "lrviz").mount(parent, payload, component),
    unmount: parent => { for (const id in instances) instances[id].unmount(parent); },
    instances: instances,
    get state() { return instance("lrviz").state; },
    get stats() { return instance("lrviz").stats; },
  };
}
