"""The NumPy-beside-MindSpore page as a user meets it (AppTest, both languages, bad links, MindSpore
absent), and its pure figure builders against core.compare."""

from __future__ import annotations

import gettext
import importlib.util
import re
import sys

import numpy as np
import pytest
from conftest import ROOT, open_page

from core import backends
from core import compare as cmp
from core.backends import MINDSPORE_INSTALL
from ui import compare_figures as cf

PAGE = "views/numpy_mindspore.py"
ZH = gettext.translation("messages", ROOT / "ui" / "locale", languages=["zh"])
CJK = re.compile(r"[\u4e00-\u9fff]")
DEFAULT_QUERY = {"lr": "0.03", "batch_size": "10", "epochs": "3", "seed": "0"}
HAS_MS = importlib.util.find_spec("mindspore") is not None
needs_ms = pytest.mark.skipif(not HAS_MS, reason="mindspore is not installed")


def run_page(lang=None, **query):
    if lang:
        query["lang"] = lang
    return open_page(PAGE, timeout=90, **query)


def texts(elements):
    return [e.value for e in elements]


def charts(at):
    return at.get("plotly_chart")


@pytest.fixture
def no_mindspore(monkeypatch):
    """As if MindSpore were not installed (undone when the test ends)."""
    monkeypatch.setitem(sys.modules, "mindspore", None)
    monkeypatch.delitem(sys.modules, "core.ms_backend", raising=False)
    monkeypatch.setattr(backends, "_probe_cache", {})


# ---- the page -------------------------------------------------------------------------------

@needs_ms
@pytest.mark.mindspore
def test_default_render_in_english():
    at = run_page()
    assert not at.exception
    assert texts(at.title) == ["NumPy beside MindSpore"]
    assert not at.warning and not at.error and not at.info
    assert dict(at.query_params) == {**DEFAULT_QUERY, "lang": "en"}
    assert len(charts(at)) == 3                                    # paths, difference, times
    # the two codes, as core.compare aligns them
    left, right = cmp.source_pairs()
    # (streamlit drops a code block's trailing blank lines)
    assert texts(at.code) == ["\n".join(left).rstrip(), "\n".join(right).rstrip()]
    assert "def gradients(X, y, w, b):" in at.code[0].value
    assert "def construct(self, idx):" in at.code[1].value
    assert [m.label for m in at.metric] == ["NumPy, per step", "Graph mode, per step",
                                           "PyNative mode, per step", "Graph mode, first step (compile)"]
    assert all(re.fullmatch(r"[0-9.e+-]+ ms", m.value) for m in at.metric), [m.value for m in at.metric]
    (sentence,) = [t for t in texts(at.markdown) if t.startswith("Over 300 steps")]
    largest = float(re.search(r"parameters is \*\*([0-9.e+-]+)\*\*", sentence).group(1))
    assert 1e-9 < largest < 1e-5
    assert any("value_and_grad" in t for t in texts(at.markdown))


@needs_ms
@pytest.mark.mindspore
@pytest.mark.parametrize("query", [{}, {"lr": "10"}, {"batch_size": "1", "epochs": "10"},
                                   {"batch_size": "1000", "epochs": "1"}])
def test_the_page_in_chinese_asks_for_nothing_untranslated(misses, query):
    at = run_page(lang="zh", **query)
    assert not at.exception and not at.error
    assert texts(at.title) == [ZH.gettext("NumPy beside MindSpore")] and CJK.search(at.title[0].value)
    labels = [w.label for w in at.sidebar.number_input] + [w.label for w in at.sidebar.select_slider] + \
        [w.label for w in at.sidebar.slider] + [m.label for m in at.metric] + \
        [s.value for s in at.subheader]
    assert labels and all(CJK.search(label) for label in labels), labels
    assert at.query_params["lang"] == "zh"
    assert misses == [], sorted(set(misses))


@needs_ms
@pytest.mark.mindspore
def test_a_diverging_and_a_long_run_say_so(misses):
    at = run_page(lr="10")
    assert not at.exception
    (w,) = texts(at.warning)
    assert w.startswith("The run diverged at step ") and "lr = 10 " in w
    at = run_page(batch_size="1", epochs="2")
    (i,) = texts(at.info)
    assert i == (f"These settings make 2000 steps; the first {cmp.MAX_STEPS} are compared, to keep the "
                 "page fast.")


@needs_ms
@pytest.mark.mindspore
def test_measure_again_runs_the_comparison_anew(monkeypatch):
    at = run_page(epochs="1")
    assert at.sidebar.caption[0].value == ("The data are the lesson's: 1000 examples, w = [2, -3.4], "
                                           "b = 4.2, noise σ = 0.01.")
    calls = []
    real = cmp.compare
    monkeypatch.setattr(cmp, "compare", lambda *a, **k: calls.append(k) or real(*a, **k))
    at.run()
    assert calls == []                                   # a rerun reads the cache
    at.button(key="backends_measure").click().run()
    assert not at.exception and not at.error
    assert len(calls) == 1 and calls[0]["num_epochs"] == 1
    assert len(at.metric) == 4 and all(m.value.endswith(" ms") for m in at.metric)


BAD = {"lr": "abc", "batch_size": "0", "epochs": "1e9", "seed": "-3"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_garbage_in_the_link_gives_clear_warnings_in_the_language(lang):
    at = run_page(lang=lang, **BAD)
    assert not at.exception and not at.error
    warnings = texts(at.warning)
    assert len(warnings) == len(BAD) + (not HAS_MS), warnings         # + "MindSpore is not available"
    template = ZH.gettext("Link setting {problem}") if lang == "zh" else "Link setting {problem}"
    for key, value in BAD.items():
        (w,) = [w for w in warnings if w.startswith(template.format(problem=key + " "))]
        assert repr(value) in w, w
        if lang == "zh":
            assert CJK.search(w), w
    assert dict(at.query_params) == {"lr": "0.03", "batch_size": "1", "epochs": "10", "seed": "0",
                                     "lang": lang}
    assert at.number_input(key="backends_lr").value == 0.03
    assert at.select_slider(key="backends_batch_size").value == 1


@pytest.mark.parametrize("query", [{"lr": "inf"}, {"lr": "nan"}, {"lr": "1e-300"}, {"epochs": "2.5"},
                                   {"seed": "[x](http://e.com) <b>b</b>"}, {"batch_size": ""}])
def test_odd_link_values_never_raise(query):
    at = run_page(**query)
    assert not at.exception and not at.error
    (w,) = [w for w in texts(at.warning) if w.startswith("Link setting ")]
    if "seed" in query:                # what the link said is shown as text, never as markup
        assert "\\<b\\>" in w and "\\[x\\]" in w, w
    assert len(at.code) == (2 if HAS_MS else 4) and charts(at)     # + the install command and its output


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_without_mindspore_the_page_says_how_to_install_it(no_mindspore, misses, lang):
    at = run_page(lang=lang, epochs="1")
    assert not at.exception and not at.error
    t = ZH.gettext if lang == "zh" else (lambda m: m)
    assert t("MindSpore is not available here, so only the NumPy side runs below. Install it with the "
             "command below and restart the app:") in texts(at.warning)
    codes = texts(at.code)
    assert MINDSPORE_INSTALL in codes
    left, right = cmp.source_pairs()                       # both codes still shown: read, not imported
    assert "\n".join(left).rstrip() in codes and "\n".join(right).rstrip() in codes
    assert texts(at.info) == [t("Without MindSpore there is nothing to compare the NumPy run with.")]
    assert len(charts(at)) == 2                            # the NumPy path and its step time
    assert [m.label for m in at.metric] == [t("NumPy, per step")]
    if lang == "zh":
        assert misses == [], sorted(set(misses))


# ---- the figures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def result(lesson):
    X, y = lesson
    names = [n for n in cmp.ORDER if n == "numpy" or HAS_MS]
    return cmp.compare(X, y, lr=0.03, batch_size=10, num_epochs=1, backends=names)


def test_paths_figure_overlays_every_backend(result):
    fig = cf.paths_figure(result)
    d = result.reference.w.shape[1]
    assert len(fig.data) == len(result.runs) * (d + 1)
    shown = [t.name for t in fig.data if t.showlegend]
    assert shown == [cf.WORDS[n] for n in cmp.ORDER if n in result.runs]
    numpy_w1 = fig.data[0]
    np.testing.assert_array_equal(numpy_w1.y, result.reference.w[:, 0])
    assert numpy_w1.line.dash == "solid"
    if "mindspore-pynative" in result.runs:
        pyn = [t for t in fig.data if t.legendgroup == "mindspore-pynative"]
        assert all(t.mode == "markers" and len(t.x) < len(result.reference.b) for t in pyn)
    assert fig.layout.legend.orientation == "h" and fig.layout.font.size == 16


@needs_ms
def test_diff_figure_is_on_log_axes_with_the_float32_line(result):
    fig = cf.diff_figure(result)
    assert fig.layout.yaxis.type == fig.layout.yaxis2.type == "log"
    eps = [t for t in fig.data if t.legendgroup == "eps"]
    assert len(eps) == 1 and eps[0].yaxis == "y"           # on the parameters' row only
    np.testing.assert_allclose(eps[0].y, cmp.EPS32 * np.maximum(np.abs(result.reference.w).max(axis=1),
                                                                 np.abs(result.reference.b)))
    graph = [t for t in fig.data if t.legendgroup == "mindspore"]
    y = np.asarray(graph[0].y, dtype=float)
    diff = result.param_diff["mindspore"]
    np.testing.assert_array_equal(y[diff > 0], diff[diff > 0])
    assert np.all(np.isnan(y[diff == 0]))                  # log axis: exact agreement not drawn


def test_times_figure_bars_are_the_medians_and_words_are_translated(result):
    words = cf.translated(ZH.gettext)
    fig = cf.times_figure(result, words)
    (bar,) = fig.data
    medians = [1e3 * result.runs[n].median_step for n in cmp.ORDER if n in result.runs]
    np.testing.assert_allclose(bar.x, medians)
    names = [words[n].replace("，", "<br>") for n in cmp.ORDER if n in result.runs]
    assert list(bar.y) == names
    if HAS_MS:                     # two lines, so the bars keep their length on a phone
        assert names[1] == "MindSpore<br>" + words["mindspore"].split("，", 1)[1]
    assert all(CJK.search(label) for label in bar.text)
    assert fig.layout.xaxis.type == "log" and CJK.search(fig.layout.xaxis.title.text)
    assert set(words) == set(cf.WORDS) and all(words[k] != cf.WORDS[k] for k in words)


# ---- beyond plain SGD: the optimizer on both backends ---------------------------------------

OPTIMIZERS = ("momentum", "adagrad", "rmsprop", "adadelta", "adam")
# the bold lead of each DIFFERENCES code's paragraph (the page's DIFFERENCE_WORDS)
LEADS = {"ms_adagrad_accum_start": "**AdaGrad's ε and starting accumulator (configured).**",
         "ms_rmsprop_momentum": "**Momentum inside RMSProp (configured).**",
         "ms_rmsprop_start": "**RMSProp's starting mean square (configured).**",
         "ms_eps_default": "**The default ε (configured).**",
         "ms_adam_eps_scaled": "**ε scaled with the step (kept).**",
         "ms_adam_beta_open": "**β1 or β2 = 0 (kept).**"}


def _t(lang):
    return ZH.gettext if lang == "zh" else (lambda m: m)


def paragraphs(at, lang):
    """{code: its paragraph} of the DIFFERENCES shown, found by their leads in the language."""
    out = {}
    for m in texts(at.markdown):
        for code, lead in LEADS.items():
            if lang == "zh":
                zh = [t for k, t in ZH._catalog.items() if isinstance(k, str) and k.startswith(lead)]
                lead = zh[0][:zh[0].index("**", 2) + 2] if zh else lead
            if m.startswith(lead):
                out[code] = m
    return out


@needs_ms
@pytest.mark.mindspore
@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_optimizer_runs_with_its_code_from_both_sides_and_its_differences_worded(misses, lang, name):
    from core.optimizers import BOOK_DEFAULTS, DIFFERENCES
    from core.optimizers import OPTIMIZERS as OPT

    t = _t(lang)
    at = run_page(lang=lang, optimizer=name, epochs="1")
    assert not at.exception and not at.error and not at.warning
    hp = BOOK_DEFAULTS[name]
    # the link: the optimizer, the book's lr for it (the link had none) and its own hyperparameters
    assert dict(at.query_params) == {**DEFAULT_QUERY, "epochs": "1", "lr": f"{hp['lr']:g}", "optimizer": name,
                                     **{k: f"{v:g}" for k, v in hp.items() if k != "lr"}, "lang": lang}
    assert at.selectbox(key="backends_opt_optimizer").value == name
    assert {w.key for w in at.sidebar.number_input} >= {f"backends_opt_{k}" for k in hp if k != "lr"}
    # the code from both sides: the rule and the branch, aligned; the nn call with this run's values
    codes = texts(at.code)
    left, right = cmp.optimizer_pair(name)
    assert codes[2:] == ["\n".join(left).rstrip(), "\n".join(right).rstrip(), cmp.optimizer_call(name, hp)]
    assert f"def {OPT[name].update.__name__}(theta, g, state, hp):" in codes[2]
    cls = OPT[name].ms_class
    assert f"nn.{cls}(" in codes[3] and codes[4].startswith(f"nn.{cls}([w, b], ")
    # every difference of that optimizer, worded in the language
    shown = paragraphs(at, lang)
    assert set(shown) == {d.code for d in DIFFERENCES[name]}, shown
    if not DIFFERENCES[name]:
        assert t("Nowhere: `nn.{cls}` computes the book's rule as it stands.").format(cls="Momentum") in \
            texts(at.markdown)
    if lang == "zh":
        assert all(CJK.search(p) for p in shown.values())
        assert misses == [], sorted(set(misses))
    if name == "adam":                 # measured on this run: 1/sqrt(1 - 0.999) at t = 1
        text = shown["ms_adam_eps_scaled"]
        assert "3.16e-05" in text and "31.6×" in text, text
        gap = re.findall(r"(?:end|相差) ([0-9.e+-]+)", text)
        assert gap and 1e-9 < float(gap[0]) < 1e-4, text
    # the three runs in step, MindSpore's nn optimizer within float32 rounding of the rule
    assert len(charts(at)) == 3
    (caption,) = [c for c in texts(at.caption) if c.startswith(t(
        "On this run MindSpore's parameters stay within {left} of NumPy's (the difference below).")[:12])]
    assert float(re.search(r"([0-9]\.?[0-9]*e-[0-9]+)", caption).group(1)) < 1e-5


@needs_ms
@pytest.mark.mindspore
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mindspore_s_refusal_of_a_zero_beta_is_worded_in_the_language(misses, lang):
    t = _t(lang)
    at = run_page(lang=lang, optimizer="adam", beta1="0", epochs="1")
    assert not at.exception
    (error,) = texts(at.error)
    problem = t("{key} must be in {range}; got {text}").format(key="beta1", range="(0, 1)", text="0.0")
    assert error == t("MindSpore refuses these settings: {problem}. Only the NumPy side runs below.").format(
        problem=problem)
    assert "Traceback" not in error and "ValueError" not in error
    assert t("MindSpore refused these settings (above), so there is nothing to compare the NumPy run "
             "with.") in texts(at.info)
    assert t("MindSpore refuses them.") in paragraphs(at, lang)["ms_adam_beta_open"]
    assert len(charts(at)) == 2                                  # NumPy's path and its step time
    if lang == "zh":
        assert CJK.search(error) and misses == [], sorted(set(misses))


OPT_BAD = {"optimizer": "adam", "beta1": "7", "eps": "abc", "momentum": "[x](http://e.com)"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_garbage_optimizer_settings_in_the_link_are_clamped_with_warnings(lang):
    at = run_page(lang=lang, epochs="1", **OPT_BAD)
    assert not at.exception
    t = _t(lang)
    warnings = [w for w in texts(at.warning) if w.startswith(t("Link setting {problem}").format(problem=""))]
    assert len(warnings) == 3, warnings
    for key in ("beta1", "eps", "momentum"):
        (w,) = [w for w in warnings if w.startswith(t("Link setting {problem}").format(problem=key + " "))]
        if lang == "zh":
            assert CJK.search(w), w
    assert any("\\[x\\]" in w for w in warnings)          # what the link said, as text
    q = dict(at.query_params)
    assert (q["optimizer"], q["beta1"], q["eps"]) == ("adam", "0.999", "1e-06") and "momentum" not in q
    assert at.number_input(key="backends_opt_beta1").value == 0.999
    at = run_page(lang=lang, optimizer="lbfgs")
    lead = t("Link setting {problem}").format(problem="optimizer ")
    (w,) = [w for w in texts(at.warning) if w.startswith(lead)]
    assert "'lbfgs'" in w and at.selectbox(key="backends_opt_optimizer").value == "sgd"
    assert "optimizer" not in at.query_params and len(at.code) == (2 if HAS_MS else 4)


@needs_ms
@pytest.mark.mindspore
def test_choosing_an_optimizer_sets_the_book_s_values_and_the_cache_key_holds_them(monkeypatch):
    at = run_page(epochs="1", seed="17")            # a seed no other test caches
    calls = []
    real = cmp.compare
    monkeypatch.setattr(cmp, "compare", lambda *a, **k: calls.append(k) or real(*a, **k))
    at.selectbox(key="backends_opt_optimizer").set_value("adam").run()
    assert not at.exception and not at.error
    assert at.number_input(key="backends_lr").value == 0.01
    assert at.number_input(key="backends_opt_beta2").value == 0.999
    assert any(c.value.startswith("lr set to the book's 0.01 for Adam") for c in at.sidebar.caption)
    assert at.query_params["optimizer"] == "adam" and at.query_params["lr"] == "0.01"
    assert [(c["optimizer"], c["hyperparams"]) for c in calls] == \
        [("adam", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-6})]
    at.number_input(key="backends_opt_beta1").set_value(0.5).run()      # a hyperparameter: a new run
    assert len(calls) == 2 and calls[1]["hyperparams"]["beta1"] == 0.5
    at.number_input(key="backends_opt_beta1").set_value(0.9).run()      # back: from the cache
    assert len(calls) == 2
    assert "beta1=0.9" in texts(at.code)[4]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_without_mindspore_an_optimizer_still_shows_both_codes_and_the_numpy_run(no_mindspore, misses, lang):
    t = _t(lang)
    at = run_page(lang=lang, optimizer="adam", epochs="1")
    assert not at.exception and not at.error
    assert t("MindSpore is not available here, so only the NumPy side runs below. Install it with the "
             "command below and restart the app:") in texts(at.warning)
    codes = texts(at.code)
    left, right = cmp.optimizer_pair("adam")                 # read, not imported
    assert "\n".join(left).rstrip() in codes and "\n".join(right).rstrip() in codes
    assert set(paragraphs(at, lang)) == {"ms_adam_eps_scaled", "ms_adam_beta_open", "ms_eps_default"}
    assert len(charts(at)) == 2
    if lang == "zh":
        assert misses == [], sorted(set(misses))


@needs_ms
@pytest.mark.mindspore
def test_the_language_picker_keeps_the_optimizer_and_its_settings():
    at = run_page(optimizer="rmsprop", gamma="0.8", epochs="1")
    before = {k: v for k, v in at.query_params.items() if k != "lang"}
    assert before["optimizer"] == "rmsprop" and before["gamma"] == "0.8"
    at.button_group(key="lang_picker").set_value("zh").run()
    assert not at.exception and not at.error
    assert at.query_params["lang"] == "zh"
    assert {k: v for k, v in at.query_params.items() if k != "lang"} == before
    assert at.number_input(key="backends_opt_gamma").value == 0.8
    assert "decay=0.8" in texts(at.code)[4]
