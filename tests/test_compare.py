"""core.compare: NumPy and MindSpore (graph and PyNative) in step on the lesson, within float32
error per step and on the same batches as core.train; the code read from the source files and
aligned by tag; MindSpore's absence reported as data, not raised."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import textwrap

import numpy as np
import pytest

import core
from core import backends, model
from core import compare as cmp
from core import optimizers as O

HAS_MS = importlib.util.find_spec("mindspore") is not None
needs_ms = pytest.mark.skipif(not HAS_MS, reason="mindspore is not installed")
TOL = 1e-5          # float32 against float64 on the lesson: measured ~1.5e-6


@pytest.fixture(scope="module")
def lesson_run(lesson):
    X, y = lesson
    return cmp.compare(X, y, lr=0.03, batch_size=10, num_epochs=3, seed=0)


@pytest.fixture
def no_mindspore(monkeypatch):
    """As if MindSpore were not installed (undone when the test ends)."""
    monkeypatch.setitem(sys.modules, "mindspore", None)      # makes `import mindspore` fail
    monkeypatch.delitem(sys.modules, "core.ms_backend", raising=False)
    monkeypatch.setattr(backends, "_probe_cache", {})


# ---- the runs -------------------------------------------------------------------------------

@needs_ms
@pytest.mark.mindspore
def test_the_lesson_on_three_backends_agrees_within_float32(lesson_run):
    r = lesson_run
    assert r.missing == {} and list(r.runs) == list(cmp.ORDER)
    assert r.steps == r.total_steps == 300 and r.batches_agree
    for name in ("mindspore", "mindspore-pynative"):
        run = r.runs[name]
        assert run.w.shape == (301, 2) and run.b.shape == (301,) and run.grad_w.shape == (300, 2)
        assert r.param_diff[name].shape == (301,) and r.grad_diff[name].shape == (300,)
        assert r.param_diff[name].max() < TOL and r.grad_diff[name].max() < TOL
        # float32 really is in play: the runs differ, by about float32's rounding, not more
        assert r.param_diff[name][1:].max() > 10 * np.finfo(np.float64).eps
        assert r.param_diff[name].max() < 100 * r.float32_scale().max()
        # the difference is the one of the arrays, at the step it names
        ref = r.reference
        expect = np.maximum(np.abs(run.w - ref.w).max(axis=1), np.abs(run.b - ref.b))
        np.testing.assert_array_equal(r.param_diff[name], expect)
        value, step = r.largest(name)
        assert value == expect.max() and expect[step] == value
        gvalue, gstep = r.largest(name, "grad")
        assert gvalue == r.grad_diff[name][gstep - 1] == r.grad_diff[name].max()


@needs_ms
@pytest.mark.mindspore
def test_the_runs_are_core_train_s_runs(lesson, lesson_run):
    """Each trace is what core.train yields on that backend alone: same start, same records."""
    X, y = lesson
    for name in ("numpy", "mindspore"):
        recs = list(core.train(X, y, lr=0.03, batch_size=10, num_epochs=3, seed=0, backend=name))
        run = lesson_run.runs[name]
        # NumPy repeats itself bit for bit; MindSpore's CPU kernels sum in threads, so two runs of
        # the same float32 steps may differ in their last bit or so
        same = (np.testing.assert_array_equal if name == "numpy" else
                lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6))
        same(run.w[1:], [r.w for r in recs])
        same(run.b[1:], [r.b for r in recs])
        same(run.grad_w, [r.grad_w for r in recs])
        same(run.loss, [r.batch_loss for r in recs])
    w0, b0 = core.trainer.initial_params(0, 2)
    np.testing.assert_array_equal(lesson_run.runs["numpy"].w[0], w0)
    np.testing.assert_array_equal(lesson_run.runs["mindspore"].w[0], w0.astype(np.float32))
    assert lesson_run.runs["numpy"].b[0] == b0 == 0.0


@needs_ms
@pytest.mark.mindspore
def test_step_times_and_warm_up(lesson):
    X, y = lesson
    r = cmp.compare(X, y, lr=0.03, batch_size=7, num_epochs=2, seed=3, max_steps=200)
    per_epoch = core.steps_per_epoch(1000, 7)                  # 143, the last with 6 rows
    assert r.steps == 200 and r.total_steps == 2 * per_epoch
    for name, run in r.runs.items():
        assert run.seconds.shape == (200,) and np.all(run.seconds > 0)
        # the first step, and the first with the partial batch's length, are the warm-ups
        assert list(np.flatnonzero(run.warmup) + 1) == [1, per_epoch], name
        assert run.median_step == np.median(run.seconds[~run.warmup])
        assert run.first_step == run.seconds[0]
    # a compile takes far longer than a compiled step
    graph = r.runs["mindspore"]
    assert graph.first_step > 10 * graph.median_step
    assert r.param_diff["mindspore"].max() < TOL


@needs_ms
@pytest.mark.mindspore
def test_a_diverging_run_stops_both_at_the_same_step(lesson):
    X, y = lesson
    r = cmp.compare(X, y, lr=10.0, batch_size=10, num_epochs=3, seed=0,
                    backends=("numpy", "mindspore"))
    recs = list(core.train(X, y, lr=10.0, batch_size=10, num_epochs=3, seed=0))
    assert recs[-1].diverged and r.steps == len(recs) < r.total_steps
    assert r.reference.diverged and r.runs["mindspore"].diverged


def test_max_steps_caps_the_work(lesson):
    X, y = lesson
    r = cmp.compare(X, y, lr=0.03, batch_size=1, num_epochs=10, backends=("numpy",), max_steps=50)
    assert (r.steps, r.total_steps) == (50, 10_000)
    assert r.reference.w.shape == (51, 2) and r.param_diff == {}


@pytest.mark.parametrize("bad, match", [({"lr": 0.0}, "lr"), ({"batch_size": 0}, "batch_size"),
                                        ({"backends": ("numpy", "torch")}, "backend")])
def test_bad_arguments_raise_value_error(lesson, bad, match):
    X, y = lesson
    args = dict(lr=0.03, batch_size=10, num_epochs=1, backends=("numpy",)) | bad
    with pytest.raises(ValueError, match=match):
        cmp.compare(X, y, **args)


def test_without_mindspore_numpy_runs_alone_and_the_reason_is_given(lesson, no_mindspore):
    X, y = lesson
    status = cmp.available()
    assert status["numpy"] is None
    for name in ("mindspore", "mindspore-pynative"):
        assert "pip install" in status[name]
    r = cmp.compare(X, y, lr=0.03, batch_size=10, num_epochs=1)
    assert list(r.runs) == ["numpy"] and set(r.missing) == {"mindspore", "mindspore-pynative"}
    assert all(backends.MINDSPORE_INSTALL in reason for reason in r.missing.values())
    assert r.steps == 100 and r.param_diff == {} and r.grad_diff == {}
    _left, right = cmp.source_pairs()              # the code is read, not imported
    assert any(line.startswith("    loss, (grad_w, grad_b) = self.grad_fn(X, y)") for line in right)
    assert "value_and_grad" in cmp.autodiff_line()
    assert "core.ms_backend" not in sys.modules


# ---- the code -------------------------------------------------------------------------------

def _dedented(fn):
    return textwrap.dedent(inspect.getsource(fn)).rstrip("\n").split("\n")


def test_the_numpy_code_is_core_model_s_source():
    code = cmp.read_code(*cmp.NUMPY_CODE)
    assert code.functions == ("linreg", "squared_loss", "gradients", "sgd")
    lines = code.text.split("\n")
    for fn in (model.linreg, model.squared_loss, model.gradients, model.sgd):
        src = _dedented(fn)
        i = lines.index(src[0])
        assert lines[i:i + len(src)] == src, fn.__name__
    assert set(code.tags) == set(cmp.TAGS)
    assert lines[code.tags["grad"]].startswith("    return float(err @ err)")


@needs_ms
def test_the_mindspore_code_is_sgdstep_s_source():
    from core import ms_backend

    code = cmp.read_code(*cmp.MINDSPORE_CODE)
    assert code.functions == ("loss", "construct")
    lines = code.text.split("\n")
    for fn in (ms_backend._SGDStep.loss, ms_backend._SGDStep.construct):
        src = _dedented(fn)
        i = lines.index(src[0])
        assert lines[i:i + len(src)] == src
    assert "self.grad_fn(X, y)" in lines[code.tags["grad"]]
    assert cmp.autodiff_line().startswith("self.grad_fn = ms.value_and_grad(self.loss")


def test_the_pairs_align_tag_by_tag_and_lose_nothing():
    left, right = cmp.source_pairs()
    assert len(left) == len(right)
    for tag in cmp.TAGS:
        rows_l = [i for i, line in enumerate(left) if line.rstrip().endswith(f"# [{tag}]")]
        rows_r = [i for i, line in enumerate(right) if line.rstrip().endswith(f"# [{tag}]")]
        assert len(rows_l) == len(rows_r) == 1 and rows_l == rows_r, tag
    # only blank lines were added, in order: the code itself is unchanged
    for side, spec in ((left, cmp.NUMPY_CODE), (right, cmp.MINDSPORE_CODE)):
        original = cmp.read_code(*spec).text.split("\n")
        assert [x for x in side if x.strip()] == [x for x in original if x.strip()]
        assert len(side) >= len(original)
    # the numpy side is padded between its functions, never inside one
    assert "def squared_loss(y_hat, y):" in left


def _code(tmp_path, text, cls=None, names=("f", "g")):
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(text))
    return cmp.read_code(path, cls, names)


def test_align_pads_the_shorter_side(tmp_path):
    a = _code(tmp_path, """
        def f(x):
            y = x + 1
            return y  # [model]

        def g(x):
            return x  # [loss]
        """)
    b = _code(tmp_path, """
        class C:
            def f(self):
                return 1  # [model]
            def g(self):
                z = 2
                return z  # [loss]
        """, cls="C")
    left, right = cmp.align(a, b, tags=("model", "loss"))
    assert left.index("    return y  # [model]") == right.index("    return 1  # [model]") == 2
    assert left.index("    return x  # [loss]") == right.index("    return z  # [loss]")
    assert len(left) == len(right)


def test_misplaced_tags_and_missing_functions_are_errors(tmp_path):
    swapped = _code(tmp_path, "def f():\n    return 1  # [loss]\ndef g():\n    return 2  # [model]\n")
    fine = _code(tmp_path, "def f():\n    return 1  # [model]\ndef g():\n    return 2  # [loss]\n")
    with pytest.raises(ValueError, match="tags"):
        cmp.align(swapped, fine, tags=("model", "loss"))
    with pytest.raises(ValueError, match="twice"):
        _code(tmp_path, "def f():\n    return 1  # [model]\ndef g():\n    return 2  # [model]\n")
    with pytest.raises(KeyError, match="h"):
        _code(tmp_path, "def f():\n    pass\n", names=("f", "h"))
    with pytest.raises(KeyError, match="class D"):
        _code(tmp_path, "def f():\n    pass\n", cls="D", names=("f",))


# ---- beyond plain SGD: an optimizer in step on every backend, its code on both sides ----------

OPTIMIZERS = ("momentum", "adagrad", "rmsprop", "adadelta", "adam")


@needs_ms
@pytest.mark.mindspore
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_runs_in_step_on_the_same_batches(lesson, name):
    X, y = lesson
    lr = O.BOOK_DEFAULTS[name]["lr"]
    r = cmp.compare(X, y, lr=lr, batch_size=10, num_epochs=1, seed=0, optimizer=name)
    assert list(r.runs) == list(cmp.ORDER) and r.refusals() == {}
    assert r.steps == 100 and r.batches_agree                 # same seed, same batches
    assert r.optimizer == name and r.hyperparams == O.hyperparams_for(name, lr=lr)
    # numpy's trace is core.train's run with that optimizer, not the lesson's SGD
    recs = list(core.train(X, y, lr=lr, batch_size=10, num_epochs=1, seed=0, optimizer=name))
    np.testing.assert_array_equal(r.reference.w[1:], [rec.w for rec in recs])
    sgd = list(core.train(X, y, lr=lr, batch_size=10, num_epochs=1, seed=0))
    assert np.abs(r.reference.w[-1] - sgd[-1].w).max() > 1e-4
    for ms in ("mindspore", "mindspore-pynative"):           # MindSpore's nn optimizer: the same rule
        assert r.param_diff[ms].max() < TOL, (ms, r.param_diff[ms].max())
        assert r.param_diff[ms][1:].max() > 10 * np.finfo(np.float64).eps
    assert (r.form_diff is not None) == (name == "adam")


@needs_ms
@pytest.mark.mindspore
@pytest.mark.parametrize("key", ["beta1", "beta2"])
def test_a_beta_of_zero_is_refused_by_mindspore_as_a_problem_and_numpy_still_runs(lesson, key):
    X, y = lesson
    r = cmp.compare(X, y, lr=0.01, batch_size=10, num_epochs=1, optimizer="adam", hyperparams={key: 0.0})
    assert list(r.runs) == ["numpy"] and r.param_diff == {} and r.steps == 100
    assert set(r.refusals()) == {"mindspore", "mindspore-pynative"}
    for problem in r.refusals().values():
        assert problem.code == "range" and problem.params["key"] == key
        assert problem.params["range"] == "(0, 1)"


def test_the_adam_form_gap_is_the_scaled_eps_alone(lesson, no_mindspore):
    """form_diff: the book's Adam against nn.Adam's formula in float64 on the same batches; step 1
    worked by hand, and it grows with eps (the scaled term) and vanishes as beta2 -> 0's factor 1."""
    X, y = lesson
    hp = O.hyperparams_for("adam", lr=0.01)
    r = cmp.compare(X, y, lr=0.01, batch_size=10, num_epochs=1, optimizer="adam")
    assert list(r.runs) == ["numpy"] and r.form_diff.shape == (r.steps + 1,)
    assert r.form_diff[0] == 0 and np.all(r.form_diff[1:] > 0)
    # step 1 by hand: v_hat = g, s_hat = g², so the step is lr g / (|g| + eps) against eps 31.6x
    _l, gw, gb = model.gradients(X[core.trainer.batch_of(0, 1000, 10, 1, 2)],
                                 y[core.trainer.batch_of(0, 1000, 10, 1, 2)], r.reference.w[0], 0.0)
    g = np.append(gw, gb)
    eff = float(cmp.effective_eps(hp, 1))
    assert eff == pytest.approx(hp["eps"] * 31.6227766, rel=1e-8)
    by_hand = np.max(np.abs(0.01 * g / (np.abs(g) + hp["eps"]) - 0.01 * g / (np.abs(g) + eff)))
    assert r.form_diff[1] == pytest.approx(by_hand, rel=1e-6)
    bigger = cmp.compare(X, y, lr=0.01, batch_size=10, num_epochs=1, optimizer="adam",
                         hyperparams={"eps": 1e-3})
    assert bigger.form_diff[-1] > 10 * r.form_diff[-1]
    other = cmp.compare(X, y, lr=0.02, batch_size=10, num_epochs=1, optimizer="momentum")
    assert other.form_diff is None and other.hyperparams == {"lr": 0.02, "momentum": 0.5}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_optimizer_code_is_read_from_both_files_and_aligned(name):
    left, right = cmp.optimizer_pair(name)
    assert len(left) == len(right)
    fn = O.OPTIMIZERS[name].update
    src = _dedented(fn)
    assert [x for x in left if x.strip()] == [x for x in src if x.strip()]     # the rule, whole
    rows_l = [i for i, line in enumerate(left) if line.rstrip().endswith("# [update]")]
    rows_r = [i for i, line in enumerate(right) if line.rstrip().endswith("# [update]")]
    assert len(rows_l) == len(rows_r) == 1 and rows_l == rows_r
    cls = O.OPTIMIZERS[name].ms_class
    assert right[0] == "def _ms_optimizer(name, params, hp):"
    assert f'if name == "{name}":' in "\n".join(right) and f"return nn.{cls}(params" in right[rows_r[0]]
    assert sum(line.lstrip().startswith("if name ==") for line in right) == 1      # its branch only


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_nn_call_carries_this_run_s_values(name):
    import ast

    hp = O.hyperparams_for(name, {}, 0.123)
    text = cmp.optimizer_call(name, hp)
    call = ast.parse(text).body[0].value
    assert ast.unparse(call.func) == f"nn.{O.OPTIMIZERS[name].ms_class}"
    assert ast.unparse(call.args[0]) == "[w, b]"
    kw = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    assert kw["learning_rate"] == 0.123
    given = {"momentum": "momentum", "decay": "gamma", "rho": "rho", "beta1": "beta1", "beta2": "beta2",
             "eps": "eps", "epsilon": "eps", "accum": "eps"}
    for arg, value in kw.items():
        if given.get(arg) in hp:
            assert value == hp[given[arg]], (arg, value)
    if name == "rmsprop":                       # MindSpore's extras, off: the book's RMSProp
        assert kw["momentum"] == 0.0 and kw["centered"] is False
    assert not any(isinstance(n, ast.Name) and n.id in ("hp", "lr") for n in ast.walk(call))


def test_the_optimizer_code_follows_the_file(tmp_path, monkeypatch):
    """Read now, not copied: an edited rule or branch shows as edited."""
    rules = tmp_path / "optimizers.py"
    rules.write_text("def sgd_momentum(theta, g, state, hp):\n    v = 2 * g  # edited\n"
                     "    return theta - v, state  # [update]\n")
    ms = tmp_path / "ms_backend.py"
    ms.write_text('def _ms_optimizer(name, params, hp):\n    """doc"""\n    if name == "momentum":\n'
                  '        return nn.Momentum(params, momentum=hp["momentum"] / 2)  # [update]\n')
    monkeypatch.setattr(cmp, "OPTIMIZER_FILE", rules)
    monkeypatch.setattr(cmp, "MS_OPTIMIZER", (ms, "_ms_optimizer"))
    left, right = cmp.optimizer_pair("momentum")
    assert "    v = 2 * g  # edited" in left and right[0] == "def _ms_optimizer(name, params, hp):"
    assert cmp.optimizer_call("momentum", {"momentum": 0.5}) == "nn.Momentum([w, b], momentum=0.5 / 2)"
    with pytest.raises(KeyError, match="adagrad"):
        cmp.optimizer_pair("adagrad")
