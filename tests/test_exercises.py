"""The book's three exercises on the main page, as a user meets them (AppTest through app.py): a
click sets the sidebar, keeps the runs compared against, trains, and states an answer whose
numbers are those of the runs shown, in English and in Chinese."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import CJK, finish, open_page

from core.run import DONE
from ui import live
from ui.exercises import EXERCISES, NEAR_FLOOR
from ui.i18n import translations


def run_exercise(name, lang="en", **query):
    at = open_page(None, lang=lang, speed="0", **query)
    return finish(at.button(key=f"exercise_{name}").click().run())


def texts(at):
    return " ".join(m.value for m in at.markdown)


def test_the_exercise_buttons_are_there_in_both_languages(misses):
    for lang in ("en", "zh"):
        at = open_page(None, lang=lang)
        labels = [at.button(key=f"exercise_{name}").label for name in EXERCISES]
        assert len(set(labels)) == len(EXERCISES) == 4
        if lang == "zh":
            assert all(CJK.search(label) for label in labels), labels
    assert not misses


def test_zero_init_trains_and_the_answer_quotes_both_runs():
    at = run_exercise("zeros")
    run = at.session_state["run"]
    assert run.status == DONE and run.settings["init"] == "zeros"
    assert np.array_equal(run.w0, [0.0, 0.0])
    assert at.sidebar.radio(key="ctl_init").value == "zeros"
    assert at.query_params["init"] == "zeros"                  # the link replays it
    (ghost,) = at.session_state["ghosts"]
    assert ghost.settings["init"] == "normal"                # the lesson's start, to compare
    text = texts(at)
    assert "Exercise 1" in text and "Yes, it still works" in text
    assert f"**{run.last.epoch_loss:.3g}**" in text
    assert abs(run.last.epoch_loss - at.session_state["exercise"]["compared"][0]["losses"][-1]) < 1e-6


def test_three_learning_rates_are_compared_epoch_by_epoch():
    at = run_exercise("lrs")
    run = at.session_state["run"]
    ghosts = at.session_state["ghosts"]
    assert run.settings["lr"] == 0.03 and sorted(g.settings["lr"] for g in ghosts) == [0.003, 0.3]
    text = texts(at)
    (table,) = [m.value for m in at.markdown if m.value.startswith("| lr |")]
    rows = {float(m.group(1)): m.group(2) for m in re.finditer(r"^\| ([\d.]+) \| (.+) \|$", table, re.M)}
    assert set(rows) == {0.003, 0.03, 0.3}
    _steps, losses = run.history.epoch_ends()
    assert rows[0.03].split(" | ") == [f"{v:.3g}" for v in losses]
    firsts = [float(rows[lr].split(" | ")[0]) for lr in (0.003, 0.03, 0.3)]
    assert firsts[0] > firsts[1] > firsts[2]                      # faster with a larger lr
    floor = run.theory.loss_floor
    reached = next(i + 1 for i, v in enumerate(losses) if v <= NEAR_FLOOR * floor)
    assert f"lr 0.03: within {NEAR_FLOOR}× of the noise floor after epoch {reached}" in text
    assert f"{run.theory.max_stable_lr:.3g}" in text


def test_batch_7_of_1000_shows_the_smaller_last_batch():
    at = run_exercise("batch7")
    run = at.session_state["run"]
    assert (run.settings["n"], run.settings["batch_size"], run.steps_per_epoch) == (1000, 7, 143)
    assert [len(run.record(k).batch) for k in (142, 143, 144, 286, 429)] == [7, 6, 7, 6, 6]
    text = texts(at)
    assert "1000 = 142 × 7 + 6" in text and "steps 143, 286, 429" in text and "6/7 = 0.857" in text
    assert "the last, smaller batch of the epoch" in text         # step 429's own panel
    short = live.meta(run)["short"]
    assert short["steps"] == [143, 286, 429] and "6" in short["name"]


def test_a_run_without_a_short_batch_rings_nothing():
    at = open_page(None)
    assert live.meta(at.session_state["run"])["short"] is None


@pytest.mark.parametrize("name", list(EXERCISES))
def test_every_exercise_answers_in_chinese(name, misses):
    at = run_exercise(name, lang="zh")
    text = texts(at)
    question = translations("zh").gettext(EXERCISES[name].question)
    assert CJK.search(question) and question in text and at.session_state["run"].status == DONE
    assert not misses, misses


def test_the_answer_goes_once_the_settings_change():
    at = run_exercise("zeros")
    assert "Yes, it still works" in texts(at)
    at.sidebar.radio(key="ctl_init").set_value("normal").run()
    at = at.button(key="train").click().run()
    assert "exercise" not in at.session_state
    assert "Exercise 1" not in texts(at)
