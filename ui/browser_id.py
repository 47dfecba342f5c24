"""Who a browser is in the class's rooms, kept by the browser itself (localStorage).

A student is an anonymous browser id: 128 random bits the browser draws once and keeps
(`lrviz.browser`), so a reload, a second tab or a replica that died and came back as a new
session is the same voter, and a vote is changed, never repeated. Nothing else about the
student is kept. A lecturer's browser also keeps the secret of each room it started
(`lrviz.rooms`, code -> secret, the newest few), so a reload of /class resumes the room; the
secret never reaches the page's text.

Streamlit has no way to set or read localStorage from Python: a small component does it and
reports what it holds as its state. Until it has reported (the first run of a fresh page),
`identity()` returns no id and the page says it is connecting.
"""

from __future__ import annotations

import re

import streamlit as st

from ui import guard

KEY = "browser_id"              # the component's key (its state: {"id": ..., "rooms": {...}})
ID_FORM = re.compile(r"[A-Za-z0-9_-]{16,64}")      # core.rooms' accepted browser ids
MAX_ROOMS = 5                   # rooms a lecturer's browser remembers, newest kept

_CSS = f".st-key-{KEY} {{ display: none; }}"

# Runs on every script run with the data Python sent: reports the id (and the remembered rooms)
# only when Python does not know them yet, so it never causes more than one extra run.
_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const FORM = /^[A-Za-z0-9_-]{16,64}$/;
  const fresh = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return btoa(String.fromCharCode(...bytes)).replace(/[+]/g, "-").replace(/[/]/g, "_").replace(/=+$/, "");
  };
  let id = null, rooms = {};
  try {
    id = localStorage.getItem("lrviz.browser");
    if (!FORM.test(id || "")) { id = fresh(); localStorage.setItem("lrviz.browser", id); }
    const kept = JSON.parse(localStorage.getItem("lrviz.rooms") || "[]");
    if (Array.isArray(kept)) {
      for (const pair of kept) {
        const ok = Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "string";
        if (ok) rooms[pair[0]] = pair[1];
      }
    }
    const change = (data && data.remember) || null;
    if (change) {
      for (const [code, secret] of Object.entries(change)) {
        delete rooms[code];
        if (secret) rooms[code] = secret;               // insertion order: the newest last
      }
      const pairs = Object.entries(rooms).slice(-MAX);
      rooms = Object.fromEntries(pairs);
      localStorage.setItem("lrviz.rooms", JSON.stringify(pairs));
    }
  } catch (e) {
    // no localStorage (a private window that refuses it): an id for this tab only
    window.__lrvizBrowser = window.__lrvizBrowser || fresh();
    id = id && FORM.test(id) ? id : window.__lrvizBrowser;
  }
  if (!data || data.id !== id) setStateValue("id", id);
  const told = data && JSON.stringify(data.known || {}) === JSON.stringify(rooms);
  if (data && data.rooms && !told) setStateValue("rooms", rooms);
}
""".replace("MAX", str(MAX_ROOMS))

_component = st.components.v2.component("lrviz_browser", html="", css=_CSS, js=_JS, isolate_styles=False)


def _noop():
    """A state change needs a callback to rerun the page (the value is read from the result)."""


def identity(remember=None, rooms=False):
    """(browser id, {code: secret}) as this browser holds them; the id is None until the browser
    has reported it (the next run has it). remember: {code: secret} to keep on this browser (a
    secret of None forgets the room); rooms: also report the remembered rooms (the lecturer's
    page; a student's page never asks)."""
    state = st.session_state.get(KEY) or {}
    known_id = state.get("id") if isinstance(state, dict) else None
    known_rooms = state.get("rooms") if isinstance(state, dict) else None
    result = _component(key=KEY, data={"id": known_id, "remember": remember, "rooms": bool(rooms),
                                        "known": known_rooms if rooms else None},
                        on_id_change=guard.callback(_noop), on_rooms_change=guard.callback(_noop))
    browser = getattr(result, "id", None)
    browser = browser if isinstance(browser, str) and ID_FORM.fullmatch(browser) else None
    held = getattr(result, "rooms", None) if rooms else None
    held = {str(c): str(s) for c, s in held.items() if isinstance(s, str)} if isinstance(held, dict) else {}
    return browser, held
