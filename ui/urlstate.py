"""The URL: every page writes its own settings and the language into it, so a link replays
what the page shows, in the language it was shown in."""

from __future__ import annotations

import streamlit as st

from core.settings import format_value, parse_settings
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


class PageSettings:
    """A page's own settings table (core.settings.Setting rows) through the URL and the session.

    Read from the link once per session into st.session_state[state], with the link's problems
    in st.session_state[state + "_warnings"] until the user changes a control (forget_problems,
    an on_change). Widget keys are "<state>_<key>"; Streamlit forgets a widget's key while another
    page is shown, so every run refills missing ones from the copy that remember() keeps.
    to_widget(setting, value): a value as its widget holds it (a toggle's bool). parse(raw) ->
    (values, [Problem]): how the link is read, parse_settings on the table unless given (the
    optimizer's rows take core.settings.parse_optimizer_settings)."""

    def __init__(self, state, table, to_widget=None, parse=None):
        self.state, self.table = state, tuple(table)
        self.to_widget = to_widget or (lambda setting, value: value)
        self.parse = parse or (lambda raw: parse_settings(raw, self.table))

    def key(self, name):
        return f"{self.state}_{name}"

    def init(self):
        """Once per session: parse the URL; every run: refill the widget keys Streamlit dropped.
        Returns True on the session's first run."""
        ss = st.session_state
        first = self.state not in ss
        if first:
            ss[self.state], ss[self.key("warnings")] = self.parse(st.query_params)
        for s in self.table:
            if self.key(s.key) not in ss:
                ss[self.key(s.key)] = self.to_widget(s, ss[self.state][s.key])
        return first

    @property
    def problems(self):
        return st.session_state.get(self.key("warnings"), [])

    def forget_problems(self):
        st.session_state[self.key("warnings")] = []      # the user has moved on from the bad link

    def remember(self, values):
        """Keep the values the widgets hold now, for when this page is shown again."""
        st.session_state[self.state] = dict(values)
        return values

    def query(self, values):
        """{key: text} of `values` for the URL."""
        return {s.key: format_value(s, values[s.key]) for s in self.table}
