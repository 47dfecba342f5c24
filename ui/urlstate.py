"""The URL: every page writes its own settings and the language into it, so a link replays
what the page shows, in the language it was shown in."""

from __future__ import annotations

import streamlit as st

from ui import i18n


def sync(query):
    """Make the URL's query exactly `query` (a page's {key: text}) plus `lang`; returns it."""
    query = {**query, i18n.KEY: i18n.language()}
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    return query


def show_warnings(messages):
    """Warnings about the link or the controls (already worded), with a bad `lang` first."""
    problem = i18n.url_problem()
    for message in ([problem] if problem else []) + list(messages):
        st.warning(message)
