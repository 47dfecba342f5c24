"""What every page needs for a student on a keyboard (WCAG 2.1 AA; tests/test_browser_a11y.py
checks every page with axe-core): a focus ring that shows, and every region that scrolls
reachable with Tab.

Streamlit marks focus with a ring of the primary colour at half strength (2.5:1 on white), and on
the sidebar's links and radios with a grey one, hard to see on a projector: a solid outline in
the primary colour replaces them. A code block or a displayed equation wider than its column
scrolls sideways, which a mouse can do and a keyboard cannot (Tab never lands on a <pre>): such a
region gets tabindex=0, and the arrow keys scroll it once it has the focus. Streamlit draws these
elements anew on every run, so a small script marks them whenever the page changes.
"""

from __future__ import annotations

import streamlit as st

# the theme's primaryColor (.streamlit/config.toml): 6.5:1 on white, where a focus indicator needs 3:1
FOCUS = st.get_option("theme.primaryColor") or "#b02a37"
SCROLLERS = "[data-testid='stCode'] pre, .katex-display"

_CSS = f"""
.st-key-a11y_keyboard {{ display: none; }}
:focus-visible {{ outline: 2px solid {FOCUS} !important; outline-offset: 1px; }}
/* checkboxes, toggles, radios and slider thumbs keep their focused <input> visually hidden (React
   Aria): the ring goes around what is seen, the option with its label, the thumb */
label:has(> span > input:focus-visible) {{
  outline: 2px solid {FOCUS}; outline-offset: 2px; border-radius: 4px; }}
[data-testid='stSlider'] div:has(> div > input:focus-visible) {{
  outline: 2px solid {FOCUS}; outline-offset: 3px; border-radius: 50%; }}
[data-lrviz-scroll]:focus-visible {{ outline-offset: -2px; }}
/* code colours: Streamlit's fixed palette puts keywords at 3.6:1, comments at 3.5:1 and strings at
   2.8:1 on the code background; the same hues, darker, all 4.5:1 or more */
.stCode pre .token.comment, .stCode pre .token.prolog, .stCode pre .token.doctype,
.stCode pre .token.cdata, .stCode pre .token.punctuation {{ color: #555867; }}
.stCode pre .token.attr-name, .stCode pre .token.property, .stCode pre .token.variable {{ color: #12708f; }}
.stCode pre .token.boolean, .stCode pre .token.constant, .stCode pre .token.symbol,
.stCode pre .token.string, .stCode pre .token.char, .stCode pre .token.attr-value,
.stCode pre .token.inserted {{ color: #177233; }}
.stCode pre .token.number, .stCode pre .token.regex {{ color: #246e69; }}
.stCode pre .token.operator, .stCode pre .token.entity, .stCode pre .token.decorator,
.stCode pre .token.atrule {{ color: #a84500; }}
.stCode pre .token.keyword, .stCode pre .token.tag, .stCode pre .token.function,
.stCode pre .token.class-name, .stCode pre .token.selector, .stCode pre .token.builtin {{ color: #0068c9; }}
.stCode pre .token.important, .stCode pre .token.deleted {{ color: #bd4043; }}
"""

# idempotent: the page runs it on every script run, one observer per tab does the work
_JS = """
export default function () {
  if (window.__lrvizKeyboard) { window.__lrvizKeyboard(); return; }
  const SEL = "SCROLLERS";
  let timer = null;
  function mark() {
    timer = null;
    document.querySelectorAll(SEL).forEach(el => {
      const scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.tabIndex = 0;
        el.dataset.lrvizScroll = "1";
      } else if (!scrolls && el.dataset.lrvizScroll) {
        el.removeAttribute("tabindex");
        delete el.dataset.lrvizScroll;
      }
    });
  }
  // at most a few times a second: the live charts change the page up to 60 times a second
  const soon = () => { if (timer === null) timer = setTimeout(mark, 200); };
  soon.pending = () => timer !== null;          // for the tests: marks still to come
  window.__lrvizKeyboard = soon;
  new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", soon);
  soon();
}
""".replace("SCROLLERS", SCROLLERS.replace('"', '\\"'))

_component = st.components.v2.component("lrviz_keyboard", html="", css=_CSS, js=_JS, isolate_styles=False)


def keyboard():
    """Draw (invisibly) the focus ring and the script that makes scrolling regions focusable."""
    _component(key="a11y_keyboard")
