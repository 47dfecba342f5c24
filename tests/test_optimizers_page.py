"""Beyond plain SGD on the main page (issue 22), as a user meets it through app.py in AppTest: the
optimizer picker and only its hyperparameters in the sidebar, the link, bad links, the Step panel's
update with the optimizer's state, compared runs labelled by optimizer, the five-optimizers click
and the export, in English and in Chinese."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from conftest import CJK, finish, open_page

from core.optimizers import BOOK_DEFAULTS, HYPERPARAMS
from core.run import DONE, PAUSED
from ui import live, panels
from ui.controls import OPTIMIZER_WORDS
from ui.exercises import FIVE, NEAR_FLOOR
from ui.i18n import translations

SAME_IN_ZH = ()                      # every optimizer's name has its Chinese (d2l-zh's)
ZH_NAMES = {"sgd": "小批量随机梯度下降", "momentum": "动量法", "adagrad": "AdaGrad 算法",
            "rmsprop": "RMSProp 算法", "adadelta": "Adadelta 算法", "adam": "Adam 算法"}


def hyper_sliders(at):
    """The hyperparameter widgets shown, by key (lr not counted)."""
    return {s.key[len("ctl_"):] for s in at.sidebar.select_slider
            if s.key and s.key[len("ctl_"):] in HYPERPARAMS and s.key != "ctl_lr"}



@pytest.mark.parametrize("lang", ["en", "zh"])
def test_picker_shows_only_the_chosen_optimizers_hyperparameters(lang, misses):
    at = open_page(None, lang=lang)
    box = at.sidebar.selectbox(key="ctl_optimizer")
    assert box.value == "sgd" and not hyper_sliders(at)
    assert "optimizer" not in at.query_params                 # the lesson's links are unchanged
    if lang == "zh":
        assert box.options == [ZH_NAMES[name] for name in BOOK_DEFAULTS]
    for name in [*list(BOOK_DEFAULTS)[1:], "sgd"]:          # each a change, back to SGD last
        at = at.sidebar.selectbox(key="ctl_optimizer").select(name).run()
        assert not at.exception
        takes = set(BOOK_DEFAULTS[name]) - {"lr"}
        assert hyper_sliders(at) == takes, name
        # a change of optimizer sets lr and its hyperparameters to the book's, and says so
        assert at.sidebar.select_slider(key="ctl_lr").value == BOOK_DEFAULTS[name]["lr"]
        for key in takes:
            assert at.sidebar.select_slider(key=f"ctl_{key}").value == BOOK_DEFAULTS[name][key]
        note = [c.value for c in at.sidebar.caption if f"{BOOK_DEFAULTS[name]['lr']:g}" in c.value]
        assert note, [c.value for c in at.sidebar.caption]
        if lang == "zh":
            assert CJK.search(note[0]) and ZH_NAMES[name] in note[0]
        # the link: the optimizer and exactly its own hyperparameters (none for SGD)
        query = dict(at.query_params)
        assert query.get("optimizer") == (None if name == "sgd" else name)
        assert {k for k in query if k in HYPERPARAMS and k != "lr"} == (set() if name == "sgd" else takes)
    assert not [m for m in misses if m not in SAME_IN_ZH]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_link_replays_the_optimizer_and_its_hyperparameters(lang):
    query = {"lang": lang, "optimizer": "momentum", "momentum": "0.9", "lr": "0.01", "speed": "0",
             "epochs": "1"}
    at = open_page(None, **query)
    assert not at.warning
    assert at.sidebar.selectbox(key="ctl_optimizer").value == "momentum"
    assert at.sidebar.select_slider(key="ctl_momentum").value == 0.9
    assert at.sidebar.select_slider(key="ctl_lr").value == 0.01
    for key, value in query.items():
        assert at.query_params[key] == value                  # written back as it came
    (train,) = [b for b in at.button if b.key == "train"]
    at = finish(train.click().run())
    run = at.session_state["run"]
    assert run.status == DONE and run.optimizer == "momentum"
    assert run.hyperparams == {"lr": 0.01, "momentum": 0.9}
    # the CSV export has the velocity after every step, the JSON the optimizer and hyperparams
    rows = list(csv.DictReader(io.StringIO(run.history.to_csv())))
    assert len(rows) == run.total_steps and {"v_w_1", "v_w_2", "v_b"} <= set(rows[0])
    assert np.allclose([float(rows[-1][c]) for c in ("v_w_1", "v_w_2", "v_b")], run.last.state.v)
    spec = json.loads(json.dumps(panels.export_spec(run, run.settings, dict(at.query_params))))
    assert spec["settings"]["optimizer"] == "momentum" and spec["settings"]["momentum"] == 0.9
    assert spec["settings"]["hyperparams"] == {"lr": 0.01, "momentum": 0.9}
    assert spec["query"]["optimizer"] == "momentum"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_garbage_in_the_link_is_warned_and_clamped(lang):
    at = open_page(None, lang=lang, optimizer="nesterov")
    (warning,) = [w.value for w in at.warning]
    assert "optimizer" in warning and "nesterov" in warning
    assert at.sidebar.selectbox(key="ctl_optimizer").value == "sgd"
    if lang == "zh":
        assert CJK.search(warning)
    # out of range: clamped; another optimizer's leftover: ignored, nothing said
    at = open_page(None, lang=lang, optimizer="adam", beta1="5", eps="oops", momentum="abc")
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 2 and any("beta1" in w and "0.999" in w for w in warnings)
    assert any("eps" in w for w in warnings), warnings
    assert at.sidebar.select_slider(key="ctl_beta1").value == 0.999
    assert at.sidebar.select_slider(key="ctl_eps").value == BOOK_DEFAULTS["adam"]["eps"]
    assert at.query_params["beta1"] == "0.999" and "momentum" not in at.query_params
    if lang == "zh":
        assert all(CJK.search(w) for w in warnings)


def step(at, times=1):
    for _ in range(times):
        (button,) = [b for b in at.button if b.key == "step"]
        at = button.click().run()
    assert not at.exception
    return at


def latex(at):
    return [e.value for e in at.latex]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_step_panel_writes_out_momentum_with_its_velocity(lang):
    at = step(open_page(None, lang=lang, optimizer="momentum", momentum="0.9", lr="0.01"), 3)
    run = at.session_state["run"]
    assert run.status == PAUSED and run.last.step == 3
    prev, rec = run.record(2), run.last
    lines = latex(at)
    v_line = [x for x in lines if r"v \leftarrow \beta v + g" in x]
    assert len(v_line) == 1
    # v3 = 0.9 v2 + g3, with the numbers of the run's own state
    assert panels._vec(prev.state.v) in v_line[0] and panels._vec(rec.state.v) in v_line[0]
    assert np.allclose(rec.state.v, 0.9 * prev.state.v + np.append(rec.grad_w, rec.grad_b))
    theta = [x for x in lines if r"\theta \leftarrow \theta - \text{lr}\,v" in x]
    assert len(theta) == 1 and panels._vec(np.append(rec.w, rec.b), 6) in theta[0]
    assert panels._vec(np.append(prev.w, prev.b), 6) in theta[0]
    assert not [x for x in lines if r"w \leftarrow w - \text{lr}" in x]      # not SGD's rule
    words = translations(lang).gettext("Momentum")
    assert any(words in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_step_panel_writes_out_adam_with_t_v_s_and_their_corrections(lang):
    at = step(open_page(None, lang=lang, optimizer="adam"), 2)
    run = at.session_state["run"]
    rec, (b1, b2) = run.last, (run.hyperparams["beta1"], run.hyperparams["beta2"])
    lines = "\n".join(latex(at))
    assert "t = 2" in lines and run.last.state.t == 2
    assert panels._vec(rec.state.v) in lines and panels._vec(rec.state.s) in lines
    assert panels._vec(rec.state.v / (1 - b1 ** 2)) in lines                # v-hat
    assert panels._vec(rec.state.s / (1 - b2 ** 2)) in lines                # s-hat
    assert panels._vec(np.append(rec.w, rec.b), 6) in lines


def test_sgd_step_panel_and_printout_are_the_lessons():
    at = step(open_page(None, speed="0"))
    lines = latex(at)
    assert any(r"w \leftarrow w - \text{lr}" in x for x in lines)
    assert not any(r"\theta" in x for x in lines)


def test_compared_runs_are_labelled_by_optimizer():
    base = {"optimizer": "sgd", "lr": 0.03, "batch_size": 10, "epochs": 3, "noise": 0.01, "n": 1000,
            "w": (2.0, -3.4), "b": 4.2, "seed": 0, "backend": "numpy", "init": "normal"}
    g = live.Ghost(1, {**base, "optimizer": "adam", "lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6})
    assert live.ghost_label(g, base) == "Adam"
    g = live.Ghost(2, {**base, "optimizer": "momentum", "lr": 0.02, "momentum": 0.9})
    assert live.ghost_label(g, base) == "momentum 0.9"
    g = live.Ghost(3, {**base, "optimizer": "momentum", "lr": 0.05, "momentum": 0.9})
    assert live.ghost_label(g, base) == "lr 0.05 · momentum 0.9"
    mine = {**base, "optimizer": "momentum", "lr": 0.02, "momentum": 0.5}
    assert live.ghost_label(g, {**mine, "lr": 0.05}) == "momentum 0.9"        # same optimizer, other β
    assert live.ghost_label(live.Ghost(4, base), mine) == "SGD"          # at its book lr
    assert live.ghost_label(live.Ghost(5, {**base, "lr": 0.1}), mine) == "lr 0.1 · SGD"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_five_optimizers_click_leaves_five_labelled_runs_and_an_answer(lang, misses, monkeypatch):
    at = open_page(None, lang=lang, speed="0", optimizer="adam")
    at = finish(at.button(key="exercise_optimizers").click().run())
    run = at.session_state["run"]
    assert run.status == DONE and run.optimizer == "sgd" and run.settings["lr"] == 0.03
    assert at.sidebar.selectbox(key="ctl_optimizer").value == "sgd"
    assert "optimizer" not in at.query_params
    ghosts = at.session_state["ghosts"]
    assert [g.settings["optimizer"] for g in ghosts] == list(FIVE)
    for g, name in zip(ghosts, FIVE):
        assert g.status == DONE
        assert {k: g.settings[k] for k in BOOK_DEFAULTS[name]} == BOOK_DEFAULTS[name]
    monkeypatch.setattr("ui.i18n.language", lambda: lang)   # the labels as the page words them
    labels = [live.ghost_label(g, run.settings) for g in ghosts]
    t = translations(lang).gettext
    assert labels == [t("momentum {value}").format(value="0.5"), t("AdaGrad"), t("RMSProp"),
                      t("Adadelta"), t("Adam")]
    # the answer: a row per optimizer, its full-data losses those of the runs
    state = at.session_state["exercise"]
    text = "\n".join(m.value for m in at.markdown)
    names = {name: t(OPTIMIZER_WORDS[name]) for name in BOOK_DEFAULTS}
    rows = {name: [line for line in text.splitlines() if line.startswith(f"| {words} | ")]
            for name, words in names.items()}
    assert all(len(found) == 1 for found in rows.values()), rows
    _steps, losses = run.history.epoch_ends()
    for r in state["compared"] + [{"optimizer": "sgd", "lr": 0.03, "losses": list(losses)}]:
        assert rows[r["optimizer"]][0] == (f"| {names[r['optimizer']]} | {r['lr']:g} | "
                                           + " | ".join(f"{v:.3g}" for v in r["losses"]) + " |")
    # who reached 10x the floor first, by the runs' numbers
    floor = run.theory.loss_floor
    first = min((next((i for i, v in enumerate(r["losses"]) if v <= NEAR_FLOOR * floor), 99), r["optimizer"])
                for r in state["compared"] + [{"optimizer": "sgd", "losses": list(losses)}])
    assert first[0] < 99
    head = t("after epoch {epoch}: {names} (the lower loss first)").split("{epoch}")[0]
    assert head + str(first[0] + 1) in text
    if lang == "zh":
        assert CJK.search(text)
    assert not [m for m in misses if m not in SAME_IN_ZH]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_path_chart_names_the_optimizer(lang, monkeypatch):
    adam = step(open_page(None, lang=lang, optimizer="adam")).session_state["run"]
    sgd = step(open_page(None, lang=lang)).session_state["run"]
    monkeypatch.setattr("ui.i18n.language", lambda: lang)   # the words as the page makes them
    t = translations(lang).gettext
    assert live.meta(adam)["words"]["sgd_path"] == t("{optimizer} path").format(optimizer=t("Adam"))
    assert live.meta(sgd)["words"]["sgd_path"] == t("SGD path")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_momentum_divergence_and_the_stable_bound_are_momentums(lang):
    at = open_page(None, lang=lang, optimizer="momentum", momentum="0.9", lr="2", speed="0")
    (train,) = [b for b in at.button if b.key == "train"]
    at = finish(train.click().run())
    run = at.session_state["run"]
    assert run.status == "diverged"
    bound = f"{run.theory.max_stable_lr * 1.9:.3g}"
    (error,) = [e.value for e in at.error]
    assert "2(1 + β) / λ_max" in error and bound in error
    assert any("2(1 + β)/λ_max" in c.value and bound in c.value for c in at.caption)
    if lang == "zh":
        assert CJK.search(error)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_adaptive_optimizer_says_the_sgd_bound_is_not_its_own(lang):
    at = open_page(None, lang=lang, optimizer="rmsprop")
    t = translations(lang).gettext
    note = t("These bounds are plain SGD's: {optimizer} divides each step by the root of its own "
             "squared gradients, so its lr is about the length of a step, not a multiple of the "
             "gradient.").format(optimizer=t("RMSProp"))
    assert note in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_setting_mindspore_refuses_is_worded(lang):
    from core.backends import backend_installed
    if not backend_installed("mindspore"):
        pytest.skip("MindSpore is not installed")
    at = step(open_page(None, lang=lang, optimizer="adam", beta1="0", backend="mindspore"))
    run = at.session_state["run"]
    assert run.status == "failed" and run.problem is not None and run.problem.params["key"] == "beta1"
    (error,) = [e.value for e in at.error]
    assert "SettingError" not in error and "beta1" in error and "(0, 1)" in error
    if lang == "zh":
        assert CJK.search(error)


def test_the_numbers_table_has_the_optimizers_state():
    at = step(open_page(None, optimizer="adam"), 3)
    run = at.session_state["run"]
    table, _every = panels.numbers_table(run)
    assert table["t"] == ["1", "2", "3"]
    assert table["v_b"][-1] == live.number(run.last.state.v[-1], 4, True)
    assert table["s_w_2"][-1] == live.number(run.last.state.s[1], 4, True)
    sgd = step(open_page(None)).session_state["run"]
    assert not {"t", "v_b"} & set(panels.numbers_table(sgd)[0])
