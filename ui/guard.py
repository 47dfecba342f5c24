"""The one handler for whatever a page raises: the student reads a short apology in their own
language with an error number; the server's log gets the traceback under that number.

app.py runs the navigation (so every page's body) inside `page()`, and every fragment's body is
wrapped in `guarded()`: a fragment re-run by the browser runs without app.py. Streamlit's own
control flow passes through untouched: st.rerun, st.stop and st.switch_page end a run by
raising RerunException or StopException (ScriptControlException, a BaseException in 1.67), and
a fragment whose error Streamlit has already reported raises FragmentHandledException.

A callback (on_click, on_change) runs before the page's body, outside that handler: each one is
passed through `callback()`, which logs what it raises the same way and leaves the error number
for `page()` to show at the top of the page that follows. Whatever still escapes (a callback not
so wrapped, Streamlit itself) meets `.streamlit/config.toml`'s client.showErrorDetails = "none":
Streamlit's generic sentence without type, text or traceback, and `hide_details()` keeps it so
where a platform passes another value on the command line.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import traceback

import streamlit as st
from streamlit.errors import FragmentHandledException
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ui import i18n
from ui.i18n import N_

LOG = logging.getLogger("lrviz.errors")
# the server's stderr (`docker logs`, Community Cloud's "Manage app"), with the time to find a number by
_HANDLER = logging.StreamHandler()
_HANDLER.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
LOG.addHandler(_HANDLER)
LAST = "guard_last_error"          # session key: (signature, number, count) of the last error
PENDING = "guard_pending_error"    # session key: the number of a callback's error, to show next
PASS_THROUGH = (ScriptControlException, FragmentHandledException)
APOLOGY = N_("Sorry, something went wrong here. The error has been logged as number {id}: "
             "reload the page to go on, and give that number if you report it.")


def new_id():
    """A short error number: 8 hex digits, unique enough to find one error in a day's log."""
    return secrets.token_hex(4).upper()


def apologise(ident):
    """The apology for error `ident`, in the session's language (both, if even that is lost)."""
    try:
        text = i18n.translations(i18n.language()).gettext(APOLOGY)
    except Exception:                 # the session itself is broken: say it in both languages
        text = "\n\n".join(i18n.translations(lang).gettext(APOLOGY) for lang in i18n.LANGS)
    st.error(text.format(id=ident), icon=":material/error:")


def signature(exc):
    """(type, file, line) of where `exc` was raised: the same bug gives the same signature."""
    frames = traceback.extract_tb(exc.__traceback__)
    return (type(exc).__name__,) + ((frames[-1].filename, frames[-1].lineno) if frames else ())


def report(exc, where):
    """Log `exc` with its traceback under a new error number, show the apology; returns the number."""
    ident = log(exc, where)
    try:
        apologise(ident)
    except Exception as again:        # nothing more can be drawn: the log has both
        LOG.error("error %s: the apology failed too", ident, exc_info=again)
    return ident


def log(exc, where):
    """Log `exc` with its traceback under a new error number; returns the number.

    The same error again in the same session (the live charts' fragment re-runs 4 times a second)
    keeps its number and is logged again, in one line, only the 2nd, 4th, 8th ... time."""
    sig, ident, count = signature(exc), None, 1
    try:
        last = st.session_state.get(LAST)
        if last is not None and last[0] == sig:
            ident, count = last[1], last[2] + 1
    except Exception:                 # no session to remember it in
        pass
    if ident is None:
        ident = new_id()
        LOG.error("error %s in %s: %s", ident, where, sig[0], exc_info=exc)
    elif count & (count - 1) == 0:
        LOG.error("error %s in %s again: %d times in this session", ident, where, count)
    try:
        st.session_state[LAST] = (sig, ident, count)
    except Exception:
        pass
    return ident


@contextlib.contextmanager
def page(where="page"):
    """Run a block (a page's body) so that an exception in it ends as an apology, not a traceback;
    a callback's error of the run before is shown first."""
    try:
        pending = st.session_state.pop(PENDING, None)
    except Exception:                 # no session (a test outside a script)
        pending = None
    if pending is not None:
        apologise(pending)
    try:
        yield
    except PASS_THROUGH:
        raise
    except Exception as exc:
        report(exc, where)


def guarded(func):
    """`func` (a fragment's body) run inside page(): st.fragment(guarded(body), run_every=...)."""
    @functools.wraps(func)
    def body(*args, **kwargs):
        with page(getattr(func, "__qualname__", "fragment")):
            return func(*args, **kwargs)
    return body


def callback(func):
    """`func` (an on_click or on_change) so that what it raises is logged under an error number,
    which the page then shows in the student's language: st.button(..., on_click=callback(f))."""
    @functools.wraps(func)
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PASS_THROUGH:
            raise
        except Exception as exc:
            ident = log(exc, getattr(func, "__qualname__", "callback"))
            with contextlib.suppress(Exception):
                st.session_state[PENDING] = ident
    return run


def hide_details():
    """client.showErrorDetails as .streamlit/config.toml sets it ("none": no type, message or
    traceback in the browser), also where the platform overrides the file with a flag."""
    if st.get_option("client.showErrorDetails") != "none":
        st.set_option("client.showErrorDetails", "none")
