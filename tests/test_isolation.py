"""No student sees another's numbers: the caches are shared by every session of a server, so two
sessions in one process (two AppTests, as two students on one server) that differ only in their
data must each get the numbers of their own data. Same seed, same step, same parameters before
it and the same batch: only the noise σ, hence y, differs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import open_page

from core import inside
from ui.inside_figures import fmt

PAGE = "views/inside_step.py"


def inside_after_one_step(**query):
    """A session that opened the main page with `query`, pressed Step once and then opened the
    inside page: (its AppTest, its run)."""
    at = open_page(None, timeout=60, speed="0", **query)
    at = at.button(key="step").click().run()
    assert not at.exception
    run = at.session_state["run"]
    at.switch_page(PAGE)
    at = at.run()
    assert not at.exception and not at.error
    assert at.radio(key="inside_source").value == "main"
    return at, run


def metric(at, label):
    (value,) = [m.value for m in at.metric if m.label == label]
    return value


def own_noise(run):
    """What the inside page should show for this run's step 1: the numbers of its own data."""
    return inside.gradient_noise(run.X, run.y, np.asarray(run.w0, dtype=float), float(run.b0),
                                 np.asarray(run.last.batch), batch_size=run.settings["batch_size"],
                                 draws=1000, seed=0)


@pytest.mark.parametrize("sigmas", [("0.01", "1"), ("2", "0.5")])
def test_two_sessions_on_different_data_see_their_own_variances(sigmas):
    first, run_a = inside_after_one_step(noise=sigmas[0], seed="0")
    second, run_b = inside_after_one_step(noise=sigmas[1], seed="0")
    # the same step of the same seed: the same X, start and batch; y differs by the noise
    np.testing.assert_array_equal(run_a.X, run_b.X)
    np.testing.assert_array_equal(run_a.last.batch, run_b.last.batch)
    assert not np.array_equal(run_a.y, run_b.y)
    for at, run in ((first, run_a), (second, run_b)):
        nz = own_noise(run)
        assert metric(at, "Variance, batch 1") == fmt(nz.var_example)
        assert metric(at, "Variance, batch 10: closed form") == fmt(nz.var_batch)
    assert metric(first, "Variance, batch 1") != metric(second, "Variance, batch 1")
    # and the first session, run again after the second, still sees its own
    first = first.run()
    assert metric(first, "Variance, batch 1") == fmt(own_noise(run_a).var_example)



# ---- core.data.fingerprint: names data by what they hold ---------------------------------------

def test_fingerprint_is_the_content():
    from core.data import fingerprint

    X, y = np.arange(12.0).reshape(6, 2), np.arange(6.0)
    assert fingerprint(X, y) == fingerprint(X.copy(), y.copy())          # wherever it came from
    assert fingerprint(X, y) == fingerprint(np.asfortranarray(X), y)     # whatever its memory order
    assert len(fingerprint(X, y)) == 64 and int(fingerprint(X, y), 16) >= 0
    changed = X.copy()
    changed[5, 1] += 1e-12                                               # one value, far from the start
    others = [fingerprint(changed, y), fingerprint(X.reshape(4, 3), y),   # the shape
              fingerprint(X.astype(np.float32), y),                      # the dtype
              fingerprint(y, X), fingerprint(X), fingerprint(X, y, y),    # the order, the count
              fingerprint(X[:, :1], np.concatenate([X[:, 1], y]))]       # the same bytes, split apart
    assert len({fingerprint(X, y), *others}) == 1 + len(others)


def test_fingerprint_reads_every_value_of_a_large_array():
    """st.cache_data hashes an array of 500000 numbers or more from a sample of 100000: the
    fingerprint is what tells such arrays apart."""
    from core.data import fingerprint

    X = np.zeros((300_000, 2))
    changed = X.copy()
    changed[123_457, 1] = 1.0
    assert fingerprint(X) != fingerprint(changed)


def test_fingerprint_refuses_object_arrays():
    from core.data import fingerprint

    with pytest.raises(TypeError):
        fingerprint(np.array([1, "a"], dtype=object))
