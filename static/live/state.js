// The state of one live-chart instance, every field declared here. Tests and benchmarks read
// it as window.LRViz.state (the main page's instance) or window.LRViz.instances[id].state: the
// field names are part of that surface (n, shown, painted, status, x, plots, meta, hold, ...).

// what a new run starts from (reset by ingest when payload.run changes)
function runFields(run) {
  return {
    run: run,            // the run's id (payload.run)
    ver: null,           // the version of the steps held: a tail payload must match it
    meta: null,          // the run's constants, words and colours (ui/live.py meta)
    n: 0,                // steps held
    shown: 0,            // steps revealed so far (fractional while playing)
    painted: -1,         // steps on the charts (-1: paint again)
    x: [], loss: [], w: [], b: [],        // per step: step number, batch loss, w (per feature), b
    epochs: { x: [], loss: [] },          // the full-data loss at each epoch's end
    metaPainted: null,   // the run whose contours (and titles) are drawn
    summary: null,       // the charts in words (payload.summary), when the run pauses or ends
    said: null,          // the last event the live region said for this run
    lossNotes: null,     // the loss chart's laid-out notes and what they were laid out for
  };
}

export function newState(id) {
  return Object.assign({
    id: id,              // the chart element's id (payload.id): "lrviz" on the main page
    prefix: "",          // the Streamlit key prefix of this instance's buttons (payload.buttons)
    keys: false,         // does the keyboard drive this instance's buttons (payload.keys)
    present: false,      // presenter view (bigger, four charts)
    cellH: 340,          // each chart's height in px
    hidden: new Set(),   // the compared runs hidden by a click on their legend entry
    log: true,           // log-scale loss (the checkbox)
    status: "ready",     // ready / running / paused / diverged / done (the server's, or "paused" while held)
    speed: 0,            // steps a second the run plays at (0: no playback)
    stride: 1,           // steps per point held (long runs are thinned)
    live: false,         // more frames to come: moving traces are drawn by fastDraw
    hold: null,          // {shown, t, nonce}: frozen by a Pause or Step click until the server acks
    nonce: 0,            // counts the transport clicks
    metaAsked: null,     // performance.now() of the last request for a lost meta
    component: null,     // the Streamlit component (setTriggerValue)
    // the DOM (static/live/instance.js build)
    node: null, statusEl: null, progressEl: null, logText: null, grid: null,
    titles: {},          // chart name -> its title element
    plots: {},           // chart name -> its Plotly div (loss, params, pathBase, path, data, parabola)
    imgs: {},            // chart name -> the element named by the chart's words (role img)
    widths: new Map(),   // Plotly div -> its width when this paint began
    top: NaN,            // the grid's top in the page when last laid out (presenter view; NaN: not yet)
    // the frame clock
    lastT: 0, lastPaintT: 0, raf: 0,
    inflight: 0,         // Plotly.animate calls not yet drawn: paint again only when all are
    baseBusy: false,     // the path chart's contours are being drawn
  }, runFields(null));
}

// a new run: forget the old one's steps, words and notes
export function resetRun(state, run) {
  Object.assign(state, runFields(run));
}

// Counters for tests and benchmarks (window.LRViz.stats).
export function newStats() {
  return {
    paints: 0, paintTimes: [], paintMs: 0,   // paints, when each began, ms spent in them
    mounts: 0, payloads: 0, metas: 0,        // component mounts, payloads, payloads with a meta
    gaps: 0,             // tails that left a gap (dropped until the next full payload)
    log: [],             // the last 40 payloads' outline: [full, start, steps, ack, status, meta]
    metaAsks: 0,         // requests for a lost meta
    ticks: 0,            // animation frames
    // how each chart update was drawn: Plotly.react (layout), Plotly.animate, fastDraw
    reacts: 0, animates: 0, fast: 0,
    labelLayouts: 0,     // the loss chart's notes laid out
    transport: 0, lastTransport: null,       // Pause / Step clicks answered here, the last one
    keys: 0,             // buttons pressed from the keyboard
    reduced: false,      // prefers-reduced-motion at the last frame
    said: [],            // the live region's last 20 sentences
  };
}
