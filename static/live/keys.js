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

// instances: id -> instance (static/live/instance.js), the page's live charts
export function listenForKeys(instances) {
  // the player the keys drive: the one on the page now that asked for them
  function keysTarget() {
    for (const id in instances) {
      const state = instances[id].state;
      if (state.keys && state.node && state.node.isConnected) return instances[id];
    }
    return null;
  }
  function keyButton(what) {
    const target = keysTarget();
    if (!target) return null;
    const prefix = target.state.prefix;
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
      keysTarget().stats.keys++;
      btn.click();
    }
  }, true);
  window.addEventListener("keyup", e => {
    if (keyed !== null && e.key === keyed) { e.preventDefault(); e.stopImmediatePropagation(); keyed = null; }
  }, true);
}
