"""The main page as a user meets it, driven by AppTest: train, step, reset, bad links, backends.

AppTest runs the script in this process but has no browser to re-run the live fragment every
frame, so `click` re-runs the page itself while the run is running: each run is one frame's work.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.run import DIVERGED, DONE, PAUSED, READY

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TOL = 5e-3        # |true - estimated| after the lesson's default run


def run_app(timeout=60, **query):
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def click(at, label, finish=True):
    """Click a button; with finish, keep re-running (as the browser's frame timer would) until
    the run stops running."""
    (button,) = [b for b in at.button if b.label == label]
    at = button.click().run()
    for _ in range(2000):
        if not finish or at.exception or the_run(at).status != "running":
            break
        at = at.run()
    return at


def the_run(at):
    return at.session_state["run"]


def texts(elements):
    return [e.value for e in elements]


def estimation_errors(printout):
    """The errors in the lesson's printout: 'error in estimating w: [..]' and '... b: ..'."""
    w = re.search(r"error in estimating w: \[([^\]]*)\]", printout)
    b = re.search(r"error in estimating b: (\S+)", printout)
    assert w and b, printout
    return [float(v) for v in w.group(1).split()] + [float(b.group(1))]


def result_printout(at):
    codes = [c for c in texts(at.code) if "error in estimating w" in c]
    assert len(codes) == 1, texts(at.code)
    return codes[0]


def test_default_render():
    at = run_app()
    assert not at.exception
    assert texts(at.title) == ["Linear regression, step by step"]
    assert {"Train", "Pause", "Step", "Reset"} <= {b.label for b in at.button}
    assert not at.warning and not at.error
    assert the_run(at).status == READY


def test_short_run_to_completion():
    at = click(run_app(speed="0"), "Train")
    assert not at.exception
    text = result_printout(at)
    assert "epoch 1, loss" in text and "epoch 3, loss" in text
    errors = estimation_errors(text)
    assert len(errors) == 3 and all(abs(e) < TOL for e in errors), errors
    run = the_run(at)
    assert run.status == DONE and len(run.history) == 300
    assert not at.error


def test_step_shows_the_gradient_and_pauses():
    at = click(run_app(speed="0"), "Step")
    assert not at.exception
    run = the_run(at)
    assert len(run.history) == 1 and run.status == PAUSED
    latex = texts(at.latex)
    assert any(r"\partial L" in t and r"\partial w" in t for t in latex), latex
    assert any(r"w \leftarrow" in t for t in latex)
    assert not at.code            # no results yet
    at = click(at, "Step")
    assert len(the_run(at).history) == 2 and the_run(at).status == PAUSED


def test_reset_goes_back_to_step_zero():
    at = run_app(speed="0")
    for _ in range(3):
        at = click(at, "Step")
    assert len(the_run(at).history) == 3
    at = click(at, "Reset")
    assert not at.exception
    assert len(the_run(at).history) == 0 and the_run(at).status == READY


def test_paced_run_advances_frame_by_frame_and_pauses():
    at = click(run_app(speed="20"), "Train", finish=False)
    assert the_run(at).status == "running"
    assert not texts(at.latex)                 # no equations redrawn while running
    done = []
    for _ in range(3):
        # frames (reruns) until the run's clock has moved it on: each frame does the steps its
        # speed says are due by now, none when a frame comes before the next step is due
        before = len(the_run(at).history)
        for _ in range(2000):
            at = at.run()
            if len(the_run(at).history) > before or the_run(at).status != "running":
                break
        done.append(len(the_run(at).history))
    assert 0 < done[0] < done[1] < done[2] < 300 and the_run(at).status == "running"
    at = click(at, "Pause")
    assert the_run(at).status == PAUSED and not at.exception
    assert any(r"w \leftarrow" in t for t in texts(at.latex))


def test_browser_pause_rewinds_to_the_step_it_showed():
    """While the charts play, the browser answers Pause/Step itself and sends the step it shows
    (here set as its callback would): the run goes back there, identical to a run paused there."""
    at = click(run_app(speed="0"), "Train")
    assert the_run(at).status == DONE
    at.session_state["action"] = ("pause", 120)
    at = at.run()
    run = the_run(at)
    assert run.status == PAUSED and len(run.history) == 120 and run.last.step == 120
    assert any("Step 120, epoch 2:" in t for t in texts(at.markdown)), texts(at.markdown)
    at.session_state["action"] = ("step", 60)
    at = at.run()
    assert len(the_run(at).history) == 61 and the_run(at).status == PAUSED
    at = click(at, "Train")
    ref = click(run_app(speed="0"), "Train")
    assert the_run(at).status == DONE
    assert the_run(at).history.column("w").tolist() == the_run(ref).history.column("w").tolist()
    assert result_printout(at) == result_printout(ref)


BAD = {"lr": "abc", "batch_size": "-4", "epochs": "1e9", "noise": "nan", "seed": "x",
       "backend": "torch", "w": "1,zz"}


def test_bad_query_params_warn_clamp_and_still_train():
    at = run_app(timeout=240, speed="0", **BAD)
    assert not at.exception
    warnings = texts(at.warning)
    assert len(warnings) == len(BAD), warnings
    for key, value in BAD.items():
        assert any(w.startswith(key) and repr(value) in w and "using" in w for w in warnings), key
    s = the_run(at).settings
    assert (s["lr"], s["batch_size"], s["epochs"], s["noise"], s["seed"], s["backend"]) == \
        (0.03, 1, 100, 0.01, 0, "numpy")
    assert s["w"] == (2.0, -3.4)
    at = click(at, "Train")      # 100 epochs of batch size 1: 100,000 steps
    assert not at.exception
    assert the_run(at).status == DONE and len(the_run(at).history) == 100_000
    assert all(abs(e) < TOL for e in estimation_errors(result_printout(at)))
    assert at.query_params["batch_size"] == "1" and at.query_params["epochs"] == "100"


def test_batch_larger_than_n_is_full_batch():
    at = run_app(speed="0", batch_size="5000", n="1000")
    assert not at.exception
    (warning,) = texts(at.warning)
    assert "5000" in warning and "full-batch" in warning
    run = the_run(at)
    assert run.settings["batch_size"] == 1000 and run.steps_per_epoch == 1


def test_divergence_is_explained_and_the_trajectory_kept():
    at = click(run_app(lr="5", speed="0"), "Train")
    assert not at.exception
    run = the_run(at)
    assert run.status == DIVERGED and len(run.history) > 0
    (error,) = texts(at.error)
    assert "Diverged at step" in error
    assert f"{run.theory.max_stable_lr:.3g}" in error and 1.8 < run.theory.max_stable_lr < 2.0
    assert "1.89" in error


def test_settings_change_keeps_the_paused_run_then_train_starts_a_new_one():
    at = click(run_app(speed="0"), "Step")
    old = the_run(at)
    at.select_slider(key="ctl_lr").set_value(0.05).run()
    assert not at.exception
    assert the_run(at) is old and old.status == PAUSED and len(old.history) == 1
    assert any("Settings changed" in t for t in texts(at.info))
    at = click(at, "Train")
    new = the_run(at)
    assert new is not old and new.settings["lr"] == 0.05 and new.status == DONE
    assert not at.info


def test_settings_are_written_to_the_url():
    at = run_app(speed="0", lr="0.05", epochs="2", seed="7")
    at.select_slider(key="ctl_batch_size").set_value(20).run()
    at = click(at, "Train")
    assert not at.exception and the_run(at).status == DONE
    q = at.query_params
    assert (q["lr"], q["epochs"], q["seed"], q["batch_size"], q["speed"], q["backend"]) == \
        ("0.05", "2", "7", "20", "0", "numpy")
    assert q["w"] == "2,-3.4" and q["n"] == "1000"


@pytest.mark.mindspore
@pytest.mark.skipif(importlib.util.find_spec("mindspore") is None, reason="mindspore is not installed")
def test_mindspore_backend_trains():
    at = run_app(timeout=300, backend="mindspore", speed="0", epochs="1")
    assert not at.exception and not at.warning
    at = click(at, "Train")
    assert not at.exception and not at.error
    run = the_run(at)
    assert run.settings["backend"] == "mindspore"
    assert run.status == DONE and run.error is None and len(run.history) == 100
    text = result_printout(at)
    assert "epoch 1, loss" in text
    assert all(abs(e) < 0.5 for e in estimation_errors(text))     # one epoch: close, not there


@pytest.fixture
def mindspore_missing(monkeypatch):
    # ui.controls imports backend_installed by name: patch the name it looks up
    import ui.controls
    monkeypatch.setattr(ui.controls, "backend_installed", lambda name: name == "numpy")


def _falls_back_to_numpy(at):
    assert not at.exception
    warnings = [w for w in texts(at.warning) if "not available" in w]
    assert len(warnings) == 1 and "pip install -r requirements.txt" in warnings[0]
    assert the_run(at).settings["backend"] == "numpy"
    at = click(at, "Train")
    assert not at.exception and the_run(at).status == DONE and the_run(at).error is None


def test_mindspore_missing_chosen_in_sidebar_falls_back(mindspore_missing):
    at = run_app(speed="0")
    radio = at.radio(key="ctl_backend")
    assert any("not installed" in o for o in radio.options)
    radio.set_value("mindspore").run()
    _falls_back_to_numpy(at)
    assert at.query_params["backend"] == "numpy"


def test_mindspore_missing_from_url_falls_back(mindspore_missing):
    _falls_back_to_numpy(run_app(speed="0", backend="mindspore"))
