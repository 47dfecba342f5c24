"""A page's settings: its rows of core.settings, the link, the widgets and the URL, for every page.

Each page declares one PageSettings: a widget-key prefix and a table of core.settings.Setting
rows, derived from core.settings' own (S.row("lr", default=0.1)) or, for what only that page
has, its own rows; optimizer=True adds core.settings.OPTIMIZER_SETTINGS, read and written by
the one rule below. Then, on every run:

    PAGE.init()                      # once per session: the link read into the widgets
    PAGE.show_warnings()             # the link's problems (and a bad lang), worded
    ... widgets with key=PAGE.key(name), on_change=PAGE.forget_problems ...
    PAGE.sync(PAGE.remember(values)) # the URL: exactly these settings, and the language

The link is read once per session into st.session_state[state] (values) and
st.session_state[state + "_warnings"] (core.problems.Problem, until the user changes a control).
Widget keys are "<state>_<key>"; Streamlit forgets a widget's key while another page is shown,
so init() refills missing ones from the copy that remember() keeps. A 0/1 int row is a switch
(its widget holds a bool), a "floats" row a text box (its widget holds the text).

The optimizer rows: the link's "optimizer" and, where it has none, the chosen optimizer's book
hyperparameters (core.settings.parse_optimizer_settings); another optimizer's hyperparameters in
the link are ignored (warned about unless quiet_others: the main page says nothing of them); the
URL carries nothing of them for SGD (the lesson's links stay as they were), else the name and
that optimizer's own hyperparameters.
"""

from __future__ import annotations

import streamlit as st

from core import settings as S
from core.optimizers import BOOK_DEFAULTS
from ui import guard, i18n
from ui.i18n import N_, _, word

LINK = N_("Link setting {problem}")


def is_switch(setting):
    """A 0/1 int setting: drawn as a toggle, whose widget holds a bool."""
    return setting.kind == "int" and (setting.lo, setting.hi) == (0, 1)


def optimizer_keys(name):
    """The rows the optimizer `name` reads: "optimizer" and its hyperparameters (lr apart)."""
    return ("optimizer", *(k for k in BOOK_DEFAULTS[name] if k in S.OPTIMIZER_BY_KEY))


class PageSettings:
    """A page's settings table through the link, the widgets, the session and the URL.

    state: the widget-key prefix and session_state key. table: its Setting rows. optimizer:
    add core.settings.OPTIMIZER_SETTINGS (quiet_others: no warning about a hyperparameter of an
    optimizer the link does not choose). keys: {row key: widget key} where a widget keeps an
    older key. check(values) -> (values, [Problem]): settings valid alone but not together
    (the main page's core.settings.reconcile). link: how a link problem is worded (a msgid with
    {problem}), None for the problem's own words."""

    def __init__(self, state, table, *, optimizer=False, quiet_others=False, keys=None, check=None,
                 link=LINK):
        self.state, self.own = state, tuple(table)
        self.optimizer, self.quiet_others = optimizer, quiet_others
        self.table = self.own + (S.OPTIMIZER_SETTINGS if optimizer else ())
        self.by_key = {s.key: s for s in self.table}
        self.keys, self.check, self.link = dict(keys or {}), check, link

    # ---- keys and values

    def key(self, name):
        """The widget key of row `name` (or of another widget of this page)."""
        return self.keys.get(name, f"{self.state}_{name}")

    def widget_keys(self):
        return [self.key(s.key) for s in self.table]

    def to_widget(self, setting, value):
        """A value as its widget holds it: a switch's bool, a list of floats as text."""
        if is_switch(setting):
            return bool(value)
        if setting.kind == "floats":
            return S.format_value(setting, value)
        return value

    def shown(self, values):
        """The rows that have a widget now: every own row, and of the optimizer rows the chosen
        optimizer's (another's keep their widget keys unset until it is chosen)."""
        if not self.optimizer:
            return self.table
        name = st.session_state.get(self.key("optimizer"), values["optimizer"])
        if name not in BOOK_DEFAULTS:
            name = values["optimizer"]
        return self.own + tuple(S.OPTIMIZER_BY_KEY[k] for k in optimizer_keys(name))

    # ---- the link, once per session

    def parse(self, raw):
        """raw (a URL's query) -> (values with every key of the table, [Problem]). Never raises."""
        values, problems = S.parse_settings(raw, self.own)
        if self.check is not None:
            values, more = self.check(values)
            problems = problems + more
        if self.optimizer:
            opt, opt_problems = S.parse_optimizer_settings(raw)
            uses = optimizer_keys(opt["optimizer"])
            values |= opt
            problems = problems + [p for p in opt_problems
                                   if not self.quiet_others or p.params.get("key") in uses]
        return values, problems

    def init(self):
        """Once per session: parse the URL and set every widget from it; every run: refill the
        widget keys Streamlit dropped. Returns True on the session's first run."""
        ss = st.session_state
        first = self.state not in ss
        if first:
            ss[self.state], ss[self.key("warnings")] = self.parse(st.query_params)
            self.seed(ss[self.state])
        values = ss[self.state]
        for s in self.shown(values):
            if self.key(s.key) not in ss:
                ss[self.key(s.key)] = self.to_widget(s, values[s.key])
        return first

    def seed(self, values):
        """Set every widget from a settings dict (the link's, or an exercise's on Reset): the
        own rows, and the optimizer's name and its hyperparameters (from `values` where it has
        them, else the book's)."""
        for s in self.own:
            if s.key in values:
                st.session_state[self.key(s.key)] = self.to_widget(s, values[s.key])
        if self.optimizer:
            self.seed_optimizer(values.get("optimizer", "sgd"), values)

    def seed_optimizer(self, name, values=None):
        """The optimizer's widget and its hyperparameters' (from `values` where it has them, else
        the book's, core.optimizers.BOOK_DEFAULTS); the other optimizers' are left alone."""
        values = values or {}
        st.session_state[self.key("optimizer")] = name
        for key, default in BOOK_DEFAULTS[name].items():
            if key in S.OPTIMIZER_BY_KEY:
                st.session_state[self.key(key)] = float(values.get(key, default))

    @guard.callback
    def optimizer_changed(self):
        """on_change of an optimizer picker: its hyperparameters, and lr where the page has it,
        go to the book's for the new one; the note says so on the next run (note())."""
        ss = st.session_state
        name = ss[self.key("optimizer")]
        self.seed_optimizer(name)
        if "lr" in self.by_key:
            ss[self.key("lr")] = float(BOOK_DEFAULTS[name]["lr"])
        ss[self.key("optimizer_note")] = name
        self.forget_problems()

    def optimizer_note(self, name):
        """True once, on the run right after optimizer_changed chose `name`."""
        return st.session_state.pop(self.key("optimizer_note"), None) == name

    # ---- widgets

    def select_slider(self, name, stops, fmt=None, lo=None, hi=None, **kwargs):
        """A select slider of row `name` on `stops` within [lo, hi] plus the current value (a link
        may give any), labelled from the table; kwargs go to st.select_slider (on_change, ...)."""
        s, k = self.by_key[name], self.key(name)
        ss = st.session_state
        options = stops_with(stops, ss[k], lo, hi)
        if ss[k] not in options:               # outside [lo, hi] after n changed
            ss[k] = min(options, key=lambda v: abs(v - ss[k]))
        # labels made now, in this run's language: a format_func may be called outside the run
        labels = {v: (fmt or (lambda v: f"{v:g}"))(v) for v in options}
        return st.select_slider(_(s.label), options=options, key=k, help=_(s.help),
                                format_func=labels.__getitem__, **kwargs)

    def widget(self, name, **kwargs):
        """Row `name`'s widget as its kind says, for a row the page does not draw its own way:
        a switch, a box of choices, a text box (floats), a number box. Returns its value."""
        s, k = self.by_key[name], self.key(name)
        label, help_ = _(s.label), _(s.help)
        if is_switch(s):
            return int(st.toggle(label, key=k, help=help_, **kwargs))
        if s.kind == "choice":
            return st.selectbox(label, s.choices, key=k, help=help_, **kwargs)
        if s.kind == "floats":
            text = st.text_input(label, key=k, help=help_, **kwargs)
            try:
                return S.parse_value(s, text)
            except S.SettingError:
                return st.session_state[self.state][name]
        number = st.number_input(label, min_value=s.lo, max_value=s.hi, key=k, help=help_,
                                 step=1 if s.kind == "int" else None, **kwargs)
        return int(number) if s.kind == "int" else float(number)

    # ---- the link's problems

    @property
    def problems(self):
        return st.session_state.get(self.key("warnings"), [])

    def forget_problems(self):
        """on_change of a widget: the user has moved on from the bad link."""
        st.session_state[self.key("warnings")] = []

    def warnings(self, say=word, hints=None):
        """The link's problems, worded: "Link setting ..." (the page's `link`), each with its
        key's hint from `hints` ({key: msgid}) when it has one. say: Problem -> words."""
        out = []
        for p in self.problems:
            text = _(self.link).format(problem=say(p)) if self.link else say(p)
            hint = (hints or {}).get(p.params.get("key"))
            out.append(text + " " + _(hint) if hint else text)
        return out

    def show_warnings(self, more=(), say=word, hints=None):
        """A bad `lang` in the link first, then the link's problems, then `more` (worded)."""
        show_warnings(self.warnings(say, hints) + list(more))

    # ---- the session and the URL

    def values(self):
        """The settings the widgets hold now (a switch as 0/1), the remembered ones where a
        widget has none."""
        ss = st.session_state
        values = dict(ss[self.state])
        for s in self.shown(values):
            if self.key(s.key) in ss:
                value = ss[self.key(s.key)]
                values[s.key] = int(bool(value)) if is_switch(s) else value
        return values

    def remember(self, values):
        """Keep the values the widgets hold now, for when this page is shown again."""
        st.session_state[self.state] = {**st.session_state[self.state], **values}
        return values

    def query(self, values):
        """{key: text} of `values` for the URL: the own rows, and the optimizer's (see above)."""
        query = {s.key: S.format_value(s, values[s.key]) for s in self.own}
        name = values.get("optimizer", "sgd") if self.optimizer else "sgd"
        if name != "sgd":
            query |= {k: S.format_value(S.OPTIMIZER_BY_KEY[k], values[k]) for k in optimizer_keys(name)}
        return query

    def sync(self, values, extra=None):
        """Make the URL exactly these settings (plus `extra`, {key: text}) and the language;
        returns the query written."""
        return sync({**self.query(values), **(extra or {})})


def stops_with(stops, current, lo=None, hi=None):
    """Sorted stops within [lo, hi], plus the current value (which may come from a URL)."""
    vals = {v for v in stops if (lo is None or v >= lo) and (hi is None or v <= hi)} | {current}
    return sorted(vals, key=lambda v: (v == 0, v))      # 0 ("as fast as possible") goes last


def sync(query):
    """Make the URL's query exactly `query` ({key: text}) plus `lang`; returns it."""
    query = {**query, i18n.KEY: i18n.language()}
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    return query


def show_warnings(messages):
    """Warnings about the link or the controls (already worded), with a bad `lang` first."""
    problem = i18n.url_problem()
    for message in ([problem] if problem else []) + list(messages):
        st.warning(message)
