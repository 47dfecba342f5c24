// One live-chart instance (one chart element, payload.id): its DOM, the payloads it takes in,
// the frame clock that reveals the steps at the run's speed, and paint(), which hands each
// frame to the charts' painters (static/live/loss.js, params.js, path.js, data.js, parabola.js).
const v = new URL(import.meta.url).search;     // ?v=: every module of one version (live_charts.js)
const [{ fmt, el }, { newState, newStats, resetRun }, { describe, liveRegion, speak }, { paintLoss }, { paintParams },
       { paintPath }, { paintData }, { paintParabola }] = await Promise.all([
  import("./layout.js" + v), import("./state.js" + v), import("./speech.js" + v), import("./loss.js" + v),
  import("./params.js" + v), import("./path.js" + v), import("./data.js" + v), import("./parabola.js" + v)]);

const MAX_FPS = 60;
const LAG = 0.6;        // seconds the playback trails the newest step: a jitter buffer
// prefers-reduced-motion: reduce. The run still runs, but the charts do not play it back: while
// it runs they paint its newest step every REDUCED_MS, and its last at once when it pauses or ends.
const REDUCED_MS = 1000;
const motionQuery = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
function reducedMotion() { return !!(motionQuery && motionQuery.matches); }

const CHARTS = ["loss", "params", "path", "data", "parabola"];

export function create(id) {
  const state = newState(id), stats = newStats();
  // what the painters and draw() get: the state, the counters, and a way to ask for a frame
  const chart = { state, stats, schedule, afterReact };

  function build() {
    const root = el("div", "lrviz");
    const bar = el("div", "lrviz-bar", root);
    state.statusEl = el("span", "lrviz-status", bar);
    const prog = el("div", "lrviz-progress", bar);
    state.progressEl = el("div", "lrviz-progress-fill", prog);
    const lab = el("label", "lrviz-log", bar);
    const cb = el("input", null, lab);
    cb.type = "checkbox";
    cb.checked = state.log;
    cb.onchange = () => { state.log = cb.checked; state.painted = -1; schedule(); };
    state.logText = document.createTextNode("");
    lab.appendChild(state.logText);
    const grid = state.grid = el("div", "lrviz-grid", root);
    for (const name of CHARTS) {
      const cell = el("div", "lrviz-cell lrviz-" + name, grid);
      // the chart's title is page text above the plot, not Plotly's: it wraps, and Plotly's
      // legend (above the plot) and axis titles never run into it
      state.titles[name] = el("div", "lrviz-title", cell);
      const stack = el("div", "lrviz-stack", cell);
      describe(state, name, cell, stack);
      // the path chart is two stacked plots (static/live/path.js): the contours underneath
      if (name === "path") state.plots.pathBase = el("div", "lrviz-plot", stack);
      state.plots[name] = el("div", name === "path" ? "lrviz-plot lrviz-overlay" : "lrviz-plot", stack);
    }
    return root;
  }

  // payload: {run, ver, full, start, x, loss, w: [[..] per feature], b, epochs: {x, loss},
  //           status, speed, stride, meta (on full payloads)}
  function ingest(p) {
    stats.payloads++;
    stats.log.push([p.full, p.start, p.x.length, p.ack, p.status, !!p.meta]);
    if (p.meta) stats.metas++;
    if (stats.log.length > 40) stats.log.shift();
    if (p.run !== state.run) { resetRun(state, p.run); state.hold = null; }
    state.summary = p.summary || null;       // the charts in words: only when the run pauses or ends
    if (state.hold && (p.ack === state.hold.nonce || performance.now() - state.hold.t > 5000)) state.hold = null;
    state.status = state.hold ? "paused" : p.status; state.speed = p.speed; state.stride = p.stride || 1;
    if (p.meta) {
      // the same run in new words (the language changed) or with other runs to compare (kept,
      // cleared): draw everything again, titles too
      const look = meta => JSON.stringify([meta.words, (meta.ghosts || []).map(g => [g.id, g.label])]);
      if (state.meta && p.run === state.run && look(state.meta) !== look(p.meta)) {
        state.painted = -1; state.metaPainted = null;
      }
      state.meta = p.meta;
      const label = " " + (p.meta.words.log_scale || "");
      if (state.logText && state.logText.textContent !== label) state.logText.textContent = label;
    } else if (!state.meta && state.component && performance.now() - (state.metaAsked || -1e9) > 1000) {
      // every update that carried this run's meta was dropped: ask for it again (once a second)
      state.metaAsked = performance.now();
      stats.metaAsks++;
      state.component.setTriggerValue("meta", Date.now());
    }
    if (typeof p.buttons === "string") state.prefix = p.buttons;
    if (typeof p.keys === "boolean") state.keys = p.keys;
    if (!!p.present !== state.present) { state.present = !!p.present; layout(); }
    if (p.full) {
      state.ver = p.ver; state.x = p.x; state.loss = p.loss; state.w = p.w; state.b = p.b; state.n = p.x.length;
      if (state.shown > state.n) state.shown = state.n;
    } else if (p.ver === state.ver && p.start <= state.n) {
      state.x = state.x.slice(0, p.start).concat(p.x);
      state.loss = state.loss.slice(0, p.start).concat(p.loss);
      state.b = state.b.slice(0, p.start).concat(p.b);
      state.w = state.w.map((col, j) => col.slice(0, p.start).concat(p.w[j]));
      state.n = state.x.length;
    } else {
      stats.gaps++;        // wait for the next full payload
    }
    state.epochs = p.epochs || state.epochs;
  }

  function schedule() {
    if (!state.raf) state.raf = requestAnimationFrame(tick);
  }

  function playing() { return state.speed > 0 && (state.status === "running" || state.status === "done"); }

  function tick(t) {
    state.raf = 0;
    stats.ticks++;
    const dt = state.lastT ? Math.min((t - state.lastT) / 1000, 0.1) : 0;
    state.lastT = t;
    if (state.hold) {
      state.shown = state.hold.shown;              // frozen on the step the user paused on
    } else if (!playing() || reducedMotion()) {
      state.shown = state.n;                       // reduced motion: no playback, a paint now and then (due)
    } else if (state.shown < state.n) {
      // reveal at the run's speed; a little faster or slower to keep about LAG seconds buffered
      const rate = state.speed / state.stride, lag = state.n - state.shown, want = rate * LAG;
      const r = state.status === "done" ? rate * 2 : rate * (lag > 2 * want ? 1.6 : lag < want / 2 ? 0.6 : 1);
      state.shown = Math.min(state.n, Math.max(state.shown + r * dt, state.n - 3 * want));
    }
    const k = Math.floor(state.shown);
    if ((k !== state.painted || state.metaPainted !== state.run) && state.inflight === 0 && due(t)) {
      state.lastPaintT = t;
      paint(k);
    }
    showStatus();
    speak(state, stats);
    if (state.status === "running" || state.shown < state.n || k !== state.painted || state.metaPainted !== state.run) {
      schedule();
    } else {
      state.lastT = 0;
    }
  }

  // is a paint due at frame time t? MAX_FPS, or with reduced motion every REDUCED_MS
  function due(t) {
    stats.reduced = reducedMotion();
    if (!stats.reduced) return t - state.lastPaintT >= 1000 / MAX_FPS - 2;
    return state.status !== "running" || state.painted < 0 || state.metaPainted !== state.run ||
      t - state.lastPaintT >= REDUCED_MS;
  }

  // draws the first k steps on every chart
  function paint(k) {
    if (!state.meta || !window.Plotly) return;
    state.painted = k;
    state.live = state.status === "running" || (playing() && k < state.n);    // more frames to come
    stats.paints++;
    const now = performance.now();
    stats.paintTimes.push(now);
    if (stats.paintTimes.length > 5000) stats.paintTimes.splice(0, 2500);
    const x = state.x.slice(0, k);
    const frame = { k: k, x: x, step: k ? x[k - 1] : 0 };
    // the plots' widths, read once before anything is drawn: a cell that changed width (a
    // remount, the presenter grid) is drawn anew at its new width
    state.widths = new Map(Object.values(state.plots).map(div => [div, div.clientWidth]));
    paintLoss(chart, frame);
    paintParams(chart, frame);
    paintPath(chart, frame);
    // the data chart changes slowly: every 2nd frame while playing
    if (!playing() || k === state.n || stats.paints % 2 === 0) paintData(chart, frame);
    if (!state.present) paintParabola(chart, frame.step);       // presenter view shows four charts, not five
    stats.paintMs += performance.now() - now;
  }

  // the status line and progress bar: the step on the charts, not the server's newest
  function showStatus() {
    const meta = state.meta, k = state.painted;
    if (!meta || !state.statusEl || k < 0) return;
    const step = k ? state.x[k - 1] : 0, words = meta.words;
    let text = !step ? fmt(words.to_go, { total: meta.total, epochs: meta.epochs, per_epoch: meta.per_epoch })
      : fmt(words.progress, { epoch: Math.min(Math.ceil(step / meta.per_epoch), meta.epochs), epochs: meta.epochs,
                              step: step, total: meta.total });
    if (step && (state.status === "paused" || state.status === "diverged")) text = fmt(words[state.status], { progress: text });
    if (state.statusEl.textContent !== text) {
      state.statusEl.textContent = text;
      state.progressEl.style.width = (100 * Math.min(step / meta.total, 1)).toFixed(1) + "%";
    }
  }

  // Pause / Step clicked while the charts play: freeze now, tell the server which step we show.
  // Streamlit's own button never sees the click (capture phase, stopped), so the server gets one
  // rerun with the step, not two. When the charts are not playing the button works as usual.
  function onClick(e) {
    const pause = ".st-key-" + state.prefix + "pause", stepKey = ".st-key-" + state.prefix + "step";
    const btn = e.target.closest && e.target.closest(pause + " button, " + stepKey + " button");
    if (!btn || btn.disabled || !state.component || !state.node || !state.node.isConnected || state.hold) return;
    // while the charts move: a run in progress, or the end of one still being played back
    if (!(state.status === "running" || (playing() && state.shown < state.n))) return;
    e.preventDefault();
    e.stopPropagation();
    const k = Math.floor(state.shown);
    const action = btn.closest(pause) ? "pause" : "step";
    state.nonce = (state.nonce + 1) % 1e9;
    const nonce = Date.now() + ":" + state.nonce;
    state.hold = { shown: k, t: performance.now(), nonce: nonce };
    state.status = "paused";
    stats.transport++;
    stats.lastTransport = { action: action, at: k ? state.x[k - 1] : 0, nonce: nonce };
    state.component.setTriggerValue("transport", stats.lastTransport);
    schedule();
  }

  // a chart got a full Plotly.react that Plotly finished drawing (draw, for the charts with
  // labels laid out in px): fit the presenter view again if the page above the grid moved
  function afterReact() {
    refitPage();
  }

  // Presenter view: two charts a row, each half of what the window has below the grid's top
  // (measured as if scrolled to the top), so the buttons and four charts fit one projector
  // screen; the page around them gets smaller margins (body class, CSS in ui/live.py).
  function gridTop() {
    const main = state.node.closest("[data-testid='stMain']");
    return state.grid.getBoundingClientRect().top + (main ? main.scrollTop : window.scrollY);
  }
  // the page above the charts changed height (a divergence message came or went): fit again
  function refitPage() {
    if (state.present && state.grid && state.grid.isConnected && Math.abs(gridTop() - state.top) > 2) layout();
  }
  function layout() {
    if (!state.node) return;
    state.node.classList.toggle("present", state.present);
    if (state.id === "lrviz") document.body.classList.toggle("lrviz-present", state.present);
    let h = 340;
    if (state.present && state.grid && state.grid.isConnected) {
      const top = state.top = gridTop();
      const title = state.titles.loss.getBoundingClientRect().height;
      h = Math.max(200, Math.floor((window.innerHeight - top - 16) / 2 - title - 4));
      // a phone: one chart a row (ui/live.py's container query), no screen holds four; the usual height
      if (getComputedStyle(state.grid).gridTemplateColumns.trim().split(/\s+/).length < 2) h = 340;
    }
    if (h !== state.cellH) { state.cellH = h; state.grid.style.setProperty("--lrviz-cell", h + "px"); }
    state.painted = -1; state.metaPainted = null;
    schedule();
  }

  function mount(parent, payload, component) {
    stats.mounts++;
    if (component) state.component = component;
    const fresh = !state.node;
    if (fresh) state.node = build();
    if (state.node.parentNode !== parent) parent.appendChild(state.node);
    ingest(payload);
    if (fresh) {
      liveRegion();                       // in the page before anything is said in it
      window.addEventListener("resize", () => { if (state.present) layout(); });
      const page = document.querySelector("[data-testid='stMainBlockContainer']");
      if (page && window.ResizeObserver) new ResizeObserver(refitPage).observe(page);
      requestAnimationFrame(layout);      // once the grid is in the page: its top is known
    }
    schedule();
  }

  function unmount(parent) {
    if (state.node && state.node.parentNode === parent) parent.removeChild(state.node);
  }

  return { mount, unmount, onClick, state, stats };
}
