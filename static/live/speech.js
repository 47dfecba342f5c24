// The charts in words, for screen readers. Each chart is a figure named by its title; its
// picture is an image whose name says what it shows (meta-free summaries from the server, sent
// when the run pauses or ends: ui/live.py summaries), the title alone while the run moves.
const v = new URL(import.meta.url).search;     // ?v=: every module of one version (live_charts.js)
const { fmt, el } = await import("./layout.js" + v);

// makes a chart's cell a figure named by its title, and its stack of plots the image
export function describe(state, name, cell, stack) {
  const title = state.titles[name];
  title.id = state.id + "-title-" + name;
  cell.setAttribute("role", "figure");
  cell.setAttribute("aria-labelledby", title.id);
  stack.setAttribute("role", "img");
  state.imgs[name] = stack;
}

// One live region per page (on the body: Streamlit's reruns never replace it), polite: it
// says Train, Pause (or Step), a divergence and the end, each once.
export function liveRegion() {
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

function say(stats, text) {
  const r = liveRegion();
  stats.said = stats.said.concat([text]).slice(-20);
  // the same words again (a second run): changed by a no-break space, so they are said again
  r.textContent = r.textContent === text ? text + "\u00a0" : text;
}

// Names each chart's image and says what happened, once per event: state.said is the last
// event said for this run, so a rerun that sends the same state again says nothing.
export function speak(state, stats) {
  const meta = state.meta, summary = state.summary;
  if (!meta || !state.node || state.painted < 0) return;
  const words = meta.words, running = state.status === "running";
  const shownStep = state.painted > 0 ? state.x[state.painted - 1] : 0;
  if (running && state.said !== "running") {
    state.said = "running";
    say(stats, shownStep ? fmt(words.announce_resume, { step: shownStep }) : fmt(words.announce_train, { total: meta.total }));
  }
  // the words describe the charts once these show the step they were written for
  const now = summary && !running && state.painted === state.n && shownStep === summary.step;
  for (const name in state.imgs) {
    const text = now ? summary[name] : state.titles[name].textContent;
    if (text && state.imgs[name].getAttribute("aria-label") !== text) state.imgs[name].setAttribute("aria-label", text);
  }
  if (now && summary.event && state.said !== summary.event) {
    state.said = summary.event;
    say(stats, summary.announce);
  }
}
