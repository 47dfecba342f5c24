"""The live charts in words, driven by AppTest: what the charts are told to say (their payload's
`summary`, ui.live.summaries) and the text view below them (the same sentences, and the run's
numbers as a table), in both languages, after a run to its end, after a pause and after a
divergence; nothing of it while the run runs. The browser side is tests/test_browser_summaries.py.
"""

from __future__ import annotations

import gettext
import json
import re

import numpy as np
import pytest
from conftest import CJK, ROOT, open_page

from core.run import Run
from core.settings import DEFAULTS
from ui import live, panels

ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"]).gettext
CHARTS = ("loss", "params", "path", "data", "parabola")
VIEW = "The charts in words, and the run's numbers as a table"
COLUMNS = ("step", "epoch", "batch loss", "full-data loss (epoch end)")


def words(lang):
    return ZH if lang == "zh" else (lambda s: s)


def click(at, label, finish=True):
    """Click the button `label`; with finish, re-run (as the browser's frame timer would) until
    the run stops running."""
    (button,) = [b for b in at.button if b.label == label]
    at = button.click().run()
    while finish and not at.exception and at.session_state["run"].status == "running":
        at = at.run()
    return at


def payload(at):
    """What the page sent the live charts on its last run."""
    (chart,) = [e for e in at.main if type(e).__name__ == "UnknownElement"
                and getattr(e.proto, "component_name", "") == "lrviz_live"]
    return json.loads(chart.proto.json)


def text_view(at, lang):
    """(the sentences, the caption, the table) of the expander below the charts; None without one."""
    found = [e for e in at.expander if e.label == words(lang)(VIEW)]
    if not found:
        return None
    (view,) = found
    (sentences,) = view.markdown
    (caption,) = view.caption
    (table,) = view.table
    # the markdown escapes [ ] and the like, and a word joiner follows each ':' (ui.i18n.plain, so
    # that no auto-link comes of a column's name): the sentences as read
    lines = [line[2:].replace("\\", "").replace("\u2060", "") for line in sentences.value.split("\n")]
    return lines, caption.value, table.value


def pattern(msgid, lang, **groups):
    """A regex for the sentence `msgid` in `lang`, placeholders given as regexes (the rest: .+)."""
    text = re.escape(words(lang)(msgid))
    for name in re.findall(r"\{(\w+)\}", words(lang)(msgid)):
        text = text.replace(re.escape("{" + name + "}"), groups.get(name, ".+"), 1)
    return text


def check_view(at, lang, steps):
    """The text view holds the five sentences the charts got, and one row per step."""
    summary = payload(at)["summary"]
    lines, caption, table = text_view(at, lang)
    assert lines == [summary[name] for name in CHARTS]
    t = words(lang)
    assert list(table.columns) == [t(c) for c in COLUMNS] + ["w1", "w2", "b"]
    assert len(table) == steps and table.iloc[-1, 0] == str(steps)
    every = t("Every step: {rows} rows. **Export** downloads them with the gradients as CSV.")
    assert caption == every.format(rows=steps)
    if lang == "zh":
        assert all(CJK.search(line) for line in lines), lines
    return summary, table


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_run_to_its_end_is_told_in_words_and_as_a_table(lang):
    t = words(lang)
    at = click(open_page(speed="0", lang=lang), t("Train"))
    assert not at.exception
    run = at.session_state["run"]
    assert run.status == "done"
    summary, table = check_view(at, lang, 300)
    assert summary["step"] == 300 and summary["event"] == "done:300"
    fell = pattern("The full-data loss fell from {start} to {end} in {steps} steps.", lang,
                   start=r"16\.7", end=r"4\.\d\d·10⁻⁵", steps="300")
    assert re.fullmatch(fell, summary["loss"]), summary["loss"]
    assert summary["announce"] == t("Training finished. {loss}").format(loss=summary["loss"])
    w, b = run.last.w, run.last.b
    params = pattern("At step {step}: w = {w}, b = {b}; the true values are w = {true_w}, b = {true_b}.",
                     lang, step="300", w=re.escape(live.vector(w)), b=re.escape(live.number(b, 4, True)),
                     true_w=re.escape("[2, −3.4]"), true_b=r"4\.2")
    assert re.fullmatch(params, summary["params"]), summary["params"]
    assert "−3.4" in summary["params"] and "-" not in summary["params"]       # a real minus sign
    assert t("monotone convergence") in summary["parabola"]
    # the table: the lesson's numbers, every step, printed as the page prints them
    assert table.iloc[-1, 1] == "3" and table.iloc[-1, 3] == live.number(run.last.epoch_loss, 4, True)
    assert table.iloc[0, 3] == "" and table.iloc[99, 3] != ""                   # the epochs' ends only
    assert table["w2"].iloc[-1] == f"{w[1]:.4f}".replace("-", "−")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_paused_run_is_told_at_the_step_it_paused_on(lang):
    t = words(lang)
    at = click(open_page(speed="200", lang=lang), t("Train"), finish=False)
    while len(at.session_state["run"].history) < 10:        # frames, as the browser's timer runs them
        at = at.run()
    # while the run runs the charts get no words and the page no text view
    assert payload(at)["summary"] is None and text_view(at, lang) is None
    at = click(at, t("Pause"))
    run = at.session_state["run"]
    k = run.last.step
    assert run.status == "paused" and 10 <= k < 300
    summary, table = check_view(at, lang, k)
    assert summary["event"] == f"paused:{k}"
    assert summary["announce"] == t("Paused at step {step} of {total}. {loss}").format(
        step=k, total=300, loss=summary["loss"])
    assert re.fullmatch(pattern("The full-data loss fell from {start} to {end} in {steps} steps.", lang,
                                start=r"16\.7", steps=str(k)), summary["loss"]), summary["loss"]
    # a Step is a pause one step further: a new event
    at = click(at, t("Step"))
    assert payload(at)["summary"]["event"] == f"paused:{k + 1}"
    assert len(text_view(at, lang)[2]) == k + 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_diverged_run_says_where_it_diverged(lang):
    t = words(lang)
    at = click(open_page(speed="0", lr="3", lang=lang), t("Train"))
    assert not at.exception
    run = at.session_state["run"]
    k = run.last.step
    assert run.status == "diverged" and 1 < k < 300
    summary = payload(at)["summary"]
    assert summary["event"] == f"diverged:{k}"
    assert re.fullmatch(pattern("The loss grew from {start} to {end}: the run diverged at step {step}.", lang,
                                start=r"16\.7", end=r"[\d.]+·10[⁰¹²³⁴⁵⁶⁷⁸⁹]+", step=str(k)),
                        summary["loss"]), summary["loss"]
    said = pattern("The run diverged at step {step}: the loss reached {loss}. Try a smaller lr.", lang,
                   step=str(k))
    assert re.fullmatch(said, summary["announce"]), summary["announce"]
    assert t("divergence") in summary["parabola"]
    lines, _, table = text_view(at, lang)
    assert lines[0] == summary["loss"] and len(table) == k
    assert "·10" in table.iloc[-1, 2]                # the last batch loss, far off, as a power of ten


def test_a_run_not_started_is_described_and_has_no_table():
    at = open_page(speed="0")
    summary = payload(at)["summary"]
    assert summary["event"] is None and summary["announce"] is None and summary["step"] == 0
    assert summary["loss"] == "No steps yet: the full-data loss at the start is 16.7."
    assert summary["parabola"] == "On y = x²/2 the same lr = 0.03 means monotone convergence; x starts at 3."
    assert text_view(at, "en") is None


def test_numbers_are_printed_with_a_real_minus_and_powers_of_ten():
    assert live.number(-3.4) == "−3.4"
    assert live.number(4.912e-5) == "4.91·10⁻⁵"
    assert live.number(1.2e30, 4, True) == "1.200·10³⁰"
    assert live.number(-2.0, 4, True) == "−2.000"
    assert live.number(float("inf")) == "∞" and live.number(float("-inf")) == "−∞"
    assert live.number(float("nan")) == "NaN"
    assert live.vector([2, -3.4], 4, False) == "[2, −3.4]"
    assert live.vector(np.arange(8.0), 2, False) == "[0, 1, 2, 3, 4, 5, …]"


def small_run(steps=None, **changes):
    run = Run({**DEFAULTS, "speed": 0, **changes})
    run.advance(steps or 10**9)
    return run


def test_a_long_run_keeps_every_kth_step_the_epochs_ends_and_the_last():
    run = small_run(n=1001, batch_size=2, epochs=2)      # 501 steps an epoch, the last of one example
    assert len(run.history) == 1002
    table, every = panels.numbers_table(run)
    assert every == 5                                     # 1002 / 500 rows, up to 1, 2 or 5 × 10^k
    steps = [int(s) for s in table["step"]]
    assert steps == sorted(set(range(5, 1001, 5)) | {501, 1002})
    assert table["full-data loss (epoch end)"][steps.index(501)] != ""
    short, every = panels.numbers_table(small_run(steps=40))
    assert every == 1 and short["step"] == [str(s) for s in range(1, 41)]


def test_one_feature_and_real_data_are_told_in_their_own_words():
    one = live.summaries(small_run(w=(2.0,), b=-4.2))
    assert re.fullmatch(r"The model line ŷ = 2\.\d{3}x − 4\.\d{3} over the data: root-mean-square error .+\.",
                        one["data"]), one["data"]
    assert one["path"].startswith("Path over the loss contours of w and b: ")
    real = small_run(truth=False)
    words = live.summaries(real)["params"]
    opt = live.vector(real.theory.w_star, 4, False)
    b = live.number(real.theory.b_star, 4)
    assert words.endswith(f"the least-squares optimum is w = {opt}, b = {b}.")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_your_data_page_tells_its_run_against_the_least_squares_optimum(lang):
    """The second page with a player: real data have no true values, so the words name the
    least-squares optimum; one feature, so the data chart is told as its model line."""
    at = open_page("views/your_data.py", timeout=60, lang=lang, dataset="tips", speed="0", epochs="5")
    at.button(key="data_train").click().run()
    while not at.exception and at.session_state["data_run"].status == "running":
        at = at.run()
    run = at.session_state["data_run"]
    assert run.status == "done" and not at.exception
    lines, _, table = text_view(at, lang)
    opt = live.vector(run.theory.w_star, 4, False)
    optimum = "At step {step}: w = {w}, b = {b}; the least-squares optimum is w = {true_w}, b = {true_b}."
    params = pattern(optimum, lang, step=str(run.last.step), true_w=re.escape(opt))
    assert re.fullmatch(params, lines[1]), lines[1]
    assert re.fullmatch(pattern("The model line {model} over the data: root-mean-square error {rmse}.", lang,
                                model=r"ŷ = [\d.]+x [+−] [\d.]+"), lines[3]), lines[3]
    assert list(table.columns)[-2:] == ["w", "b"] and len(table) == run.last.step
