"""The settings table: lenient parsing of untrusted text, URL round trip, CLI flags from the table."""

import math

import pytest

from core import settings as S
from core.__main__ import build_parser
from core.problems import MESSAGES, Problem

GARBAGE = {"lr": "abc", "batch_size": "-4", "epochs": "1e9", "noise": "nan", "w": "1,x",
           "backend": "torch", "seed": "-1"}


def assert_valid(values):
    """Every setting present and strictly parseable from its own text form."""
    assert set(values) == {s.key for s in S.SETTINGS}
    for s in S.SETTINGS:
        assert S.parse_value(s, S.format_value(s, values[s.key])) == values[s.key], s.key
    assert values["batch_size"] <= values["n"]


def test_garbage_never_raises_and_gives_valid_values_with_one_warning_per_bad_key():
    values, warnings = S.parse_settings(GARBAGE)
    assert_valid(values)
    assert values["lr"] == 0.03                  # unreadable: the default
    assert values["batch_size"] == 1             # out of range: clamped
    assert values["epochs"] == 100
    assert values["noise"] == 0.01
    assert values["w"] == (2.0, -3.4)
    assert values["backend"] == "numpy"
    assert values["seed"] == 0
    assert values["n"] == 1000 and values["speed"] == 50.0   # not given: defaults
    assert len(warnings) == len(GARBAGE)
    named = [w.english().split()[0] for w in warnings]      # "lr must be a number ... — using 0.03."
    assert sorted(named) == sorted(GARBAGE)


@pytest.mark.parametrize("raw", [
    {"lr": "inf"}, {"lr": "-inf"}, {"lr": ""}, {"lr": "0"}, {"lr": "1e400"}, {"batch_size": "2.5"},
    {"seed": "1e30"}, {"w": ""}, {"w": ",,,"}, {"w": "nan,1"}, {"w": ",".join(["1"] * 11)},
    {"w": "1e9,-1e9"}, {"b": "0x10"}, {"n": "1"}, {"speed": "-3"}, {"backend": ""},
    {"epochs": ["3", "abc"]}, {"epochs": []}, {"lr": None}, {"n": "\x00"}, {"lr": "  0.05  "},
])
def test_odd_input_gives_valid_values(raw):
    values, warnings = S.parse_settings(raw)
    assert_valid(values)
    # warnings are data: a known code, its parameters, and the value used instead
    assert all(isinstance(w, Problem) and w.code in MESSAGES and w.english() for w in warnings)


def test_non_mapping_input_gives_the_defaults():
    assert S.parse_settings(None) == (S.DEFAULTS, [])
    assert S.parse_settings("lr=5") == (S.DEFAULTS, [])


def test_clamping_keeps_the_direction():
    values, warnings = S.parse_settings({"lr": "50", "epochs": "0", "w": "500,-1", "seed": "-7"})
    assert values["lr"] == 10.0 and values["epochs"] == 1 and values["seed"] == 0
    assert values["w"] == (100.0, -1.0)
    assert len(warnings) == 4


def test_defaults_round_trip():
    assert S.parse_settings(S.to_query(S.DEFAULTS)) == (S.DEFAULTS, [])


def test_custom_values_round_trip_exactly():
    custom = dict(lr=math.sqrt(0.001), batch_size=37, epochs=12, noise=0.123456789, n=5000,
                  w=(1.0 / 3.0, -2.5, 7.0), b=-0.1 + 0.2, seed=2**32 - 1, backend="mindspore",
                  speed=0.0, present=1, init="value", w0=-0.1 + 0.2)
    assert set(custom) == set(S.DEFAULTS)
    query = S.to_query(custom)
    assert all(isinstance(v, str) for v in query.values())
    assert S.parse_settings(query) == (custom, [])


def test_readable_values_stay_readable_in_the_url():
    query = S.to_query(S.DEFAULTS)
    assert query["lr"] == "0.03" and query["w"] == "2,-3.4" and query["speed"] == "50"


def test_batch_size_above_n_is_reconciled_with_a_warning():
    values, warnings = S.parse_settings({"batch_size": "500", "n": "100"})
    assert values["batch_size"] == 100 and values["n"] == 100
    assert len(warnings) == 1 and warnings[0].code == "batch_over_n"
    assert "batch_size" in str(warnings[0]) and "full-batch" in str(warnings[0])


@pytest.mark.parametrize("key, text, match", [
    ("lr", "abc", "lr must be a number"), ("lr", "0", r"lr must be in \[0.0001, 10\]"),
    ("batch_size", "2.5", "batch_size must be a whole number"), ("seed", "nan", "seed must be a finite"),
    ("backend", "torch", "backend must be one of numpy"), ("w", "1,x", "w must be comma-separated"),
])
def test_parse_value_is_strict(key, text, match):
    with pytest.raises(ValueError, match=match):
        S.parse_value(S.BY_KEY[key], text)


def test_table_is_consistent():
    assert len(S.BY_KEY) == len(S.SETTINGS)
    for s in S.SETTINGS:
        assert s.label, s.key
        if s.kind == "choice":
            assert s.default in s.choices
        else:
            assert s.lo <= min(s.default if s.kind == "floats" else (s.default,)) <= s.hi
    assert S.BY_KEY["backend"].choices == tuple(__import__("core").BACKENDS)


def test_cli_flags_are_derived_from_the_table():
    parser = build_parser()
    flags = {a.option_strings[0]: a for a in parser._actions if a.option_strings}
    table = {s.cli: s for s in S.SETTINGS + S.OPTIMIZER_SETTINGS if s.cli}
    assert set(flags) - {"-h", "--mode"} == set(table)
    # lr and the hyperparameters default to the chosen optimizer's book values (None until then)
    book = {"lr", *(s.key for s in S.OPTIMIZER_SETTINGS if s.key != "optimizer")}
    defaults = {s.key: None if s.key in book else s.default for s in table.values()}
    for flag, s in table.items():
        assert flags[flag].dest == s.key
        assert flags[flag].default == defaults[s.key]
    assert vars(parser.parse_args([])) | {"mode": None} == defaults | {"mode": None}


def test_total_steps_are_capped_with_a_warning():
    from core.settings import DEFAULTS, MAX_STEPS, reconcile

    values = dict(DEFAULTS, n=100_000, batch_size=1, epochs=5)
    fixed, warnings = reconcile(values)
    assert fixed["epochs"] * 100_000 <= MAX_STEPS and fixed["epochs"] >= 1
    assert len(warnings) == 1 and "epochs" in str(warnings[0])
    # the long-run case of the performance issue (50,000 steps) is untouched
    ok = dict(DEFAULTS, n=100_000, batch_size=10, epochs=5)
    assert reconcile(ok) == (ok, [])


def test_a_problem_is_data_and_words_itself_through_any_translation():
    values, (problem,) = S.parse_settings({"lr": "abc"})
    assert problem == Problem("number", {"key": "lr", "range": "[0.0001, 10]", "text": "'abc'"}, "0.03")
    assert problem.english() == "lr must be a number in [0.0001, 10]; got 'abc' — using 0.03."
    marked = problem.words(lambda message: "<" + message + ">")     # both templates go through it
    assert marked == "<<lr must be a number in [0.0001, 10]; got 'abc'> — using 0.03.>"


@pytest.mark.parametrize("raw, init, w0, warned", [
    ({"init": "zeros"}, "zeros", 0.0, False),
    ({"init": "value", "w0": "0.5"}, "value", 0.5, False),
    ({"init": "ones"}, "normal", 0.0, True),            # not a choice: the lesson's draw, with a warning
    ({"init": "value", "w0": "1e9"}, "value", 100.0, True),  # clamped to its range
])
def test_the_start_of_a_run_comes_from_the_link(raw, init, w0, warned):
    values, warnings = S.parse_settings(raw)
    assert (values["init"], values["w0"], bool(warnings)) == (init, w0, warned)
    assert S.parse_settings(S.to_query(values))[0] == values


# ---- one settings mechanism for every page (ui.page_settings.PageSettings) ------------------

def test_a_page_row_is_the_table_row_with_its_own_changes():
    lr = S.row("lr", default=0.1)
    assert lr == S.BY_KEY["lr"]._replace(default=0.1)
    assert (lr.label, lr.help, lr.kind, lr.lo, lr.hi) == (S.BY_KEY["lr"].label, S.BY_KEY["lr"].help,
                                                           "float", 1e-4, 10.0)
    beta = S.row("momentum", key="beta", hi=0.99)         # the optimizer's rows too, under another key
    assert (beta.key, beta.label, beta.hi) == ("beta", S.OPTIMIZER_BY_KEY["momentum"].label, 0.99)
    with pytest.raises(KeyError):
        S.row("no_such_setting")


def _main_page():
    from ui.page_settings import PageSettings
    return PageSettings("ctl", S.SETTINGS, optimizer=True, quiet_others=True, check=S.reconcile, link=None)


@pytest.mark.parametrize("raw", [{}, GARBAGE, {"optimizer": "adam", "beta1": "0.5"},
                                 {"optimizer": "adadelta", "momentum": "x", "eps": "-1"},
                                 {"batch_size": "5000", "optimizer": "lbfgs"}])
def test_the_main_page_reads_a_link_as_before(raw):
    """What the main page read with parse_settings and parse_optimizer_settings, warning only
    about what the chosen optimizer reads."""
    values, problems = _main_page().parse(raw)
    plain, plain_problems = S.parse_settings(raw)
    opt, opt_problems = S.parse_optimizer_settings(raw)
    uses = {"optimizer", *S.BOOK_DEFAULTS[opt["optimizer"]]}
    assert values == {**plain, **opt}
    assert problems == plain_problems + [p for p in opt_problems if p.params["key"] in uses]


def test_another_optimizers_leftovers_are_warned_about_unless_quiet():
    from ui.page_settings import PageSettings
    raw = {"optimizer": "adam", "momentum": "x"}
    loud = PageSettings("page", (S.row("lr"),), optimizer=True)
    assert [p.params["key"] for p in loud.parse(raw)[1]] == ["momentum"]
    assert _main_page().parse(raw)[1] == []


def test_the_url_carries_the_own_rows_and_only_the_chosen_optimizers():
    page = _main_page()
    values = {**S.DEFAULTS, **S.parse_optimizer_settings({})[0]}
    assert page.query(values) == S.to_query(values)                  # SGD: the lesson's links
    adam = {**values, **S.parse_optimizer_settings({"optimizer": "adam"})[0]}
    assert list(page.query(adam))[len(S.SETTINGS):] == ["optimizer", "beta1", "beta2", "eps"]
    assert page.parse(page.query(adam)) == (adam, [])                   # and back


def test_a_new_row_of_the_table_reaches_the_link_the_url_and_the_sidebar(monkeypatch):
    """Adding a setting is one row of core.settings: the main page reads it from a link, draws a
    widget for it (under "More", as its kind says) and writes it into the URL."""
    from conftest import open_page

    from core.problems import N_
    from ui import controls

    extra = S.Setting("decay", "float", 0.0, 0.0, 1.0, N_("Weight decay"), N_("A test row."))
    page = _main_page()
    monkeypatch.setattr(controls, "PAGE", type(page)("ctl", S.SETTINGS + (extra,), optimizer=True,
                                                     quiet_others=True, check=S.reconcile, link=None))
    at = open_page(decay="0.25")
    assert not at.exception
    assert at.sidebar.number_input(key="ctl_decay").value == 0.25
    assert at.query_params["decay"] == "0.25"
    at.sidebar.number_input(key="ctl_decay").set_value(0.5).run()
    assert not at.exception and at.query_params["decay"] == "0.5"
    at = open_page(decay="7")
    assert any(w.startswith("decay") for w in (e.value for e in at.warning))    # clamped, said
    assert at.sidebar.number_input(key="ctl_decay").value == 1.0
