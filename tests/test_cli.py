"""python -m core as a user meets it: the lesson's printout, one-line errors, a light import."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, stdin=subprocess.DEVNULL)


def run_core(*flags):
    return run("-m", "core", *flags)


def test_lesson_printout():
    out = run_core()
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert len(lines) == 5
    losses = []
    for k, line in enumerate(lines[:3], start=1):
        m = re.fullmatch(rf"epoch {k}, loss ({NUMBER})", line)
        assert m, line
        losses.append(float(m.group(1)))
    assert losses[0] > losses[1] > 0 and losses[2] < 1e-4
    m_w = re.fullmatch(r"error in estimating w: \[(.*)\]", lines[3])
    m_b = re.fullmatch(rf"error in estimating b: ({NUMBER})", lines[4])
    assert m_w and m_b, lines[3:]
    err_w = [float(t) for t in re.findall(NUMBER, m_w.group(1))]
    assert len(err_w) == 2
    assert all(abs(e) < 5e-3 for e in err_w + [float(m_b.group(1))])


def test_flags_change_the_run():
    out = run_core("--epochs", "1", "--true-w", "1,2,3", "--true-b", "-1", "--seed", "4")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("epoch 1, loss ") and len(lines) == 3
    assert len(re.findall(NUMBER, lines[1].split(":")[1])) == 3


def test_the_start_is_a_flag():
    """--init zeros starts from w0 = 0 and still learns (the book's first exercise); --init value
    --w0 v from every weight = v: different first epochs, same batches."""
    outs = [run_core("--epochs", "1", *flags) for flags in ([], ["--init", "zeros"],
                                                            ["--init", "value", "--w0", "5"])]
    assert all(o.returncode == 0 for o in outs), [o.stderr for o in outs]
    losses = [float(o.stdout.splitlines()[0].split("loss ")[1]) for o in outs]
    assert len(set(losses)) == 3
    assert losses[1] < 0.1 and losses[2] > losses[1]       # from 5 the first epoch has further to go


@pytest.mark.parametrize("flags, key", [
    (["--init", "ones"], "init"), (["--w0", "x"], "w0"),
    (["--lr", "abc"], "lr"), (["--batch-size", "0"], "batch_size"), (["--backend", "torch"], "backend"),
    (["--epochs", "1e9"], "epochs"), (["--noise", "nan"], "noise"), (["--true-w", "1,x"], "w"),
    (["--no-such-flag"], "unrecognized"), (["--lr"], "--lr"),
])
def test_bad_flag_exits_2_with_one_line(flags, key):
    out = run_core(*flags)
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and out.stderr.endswith("\n")
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("python -m core: error:") and key in out.stderr


def test_batch_size_above_n_runs_full_batch():
    out = run_core("--num-examples", "50", "--batch-size", "100")
    # full batch is fine for the trainer: 1 step per epoch
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("epoch ") == 3


def test_too_large_lr_reports_divergence_without_a_traceback():
    out = run_core("--lr", "5")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and out.stderr == ""
    assert re.fullmatch(r"diverged at step \d+ \(epoch 1\): lr 5 is too large; the largest stable lr "
                        rf"for these data is {NUMBER}\n", out.stdout), out.stdout


def test_help_lists_every_flag():
    out = run_core("--help")
    assert out.returncode == 0
    for flag in ("--lr", "--batch-size", "--epochs", "--noise", "--num-examples", "--true-w",
                 "--true-b", "--seed", "--backend", "--mode"):
        assert flag in out.stdout


def test_import_core_stays_light():
    code = ("import core, sys; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('streamlit','plotly','mindspore')))")
    out = run("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# ---- --optimizer and its hyperparameters (d2l-zh chapter 11) ---------------------------------

def _epoch_losses(out):
    return [float(line.split("loss ")[1]) for line in out.stdout.splitlines() if line.startswith("epoch ")]


@pytest.mark.parametrize("name", ["momentum", "adagrad", "rmsprop", "adadelta", "adam"])
def test_optimizer_flag_runs_the_lesson_with_the_books_defaults(name):
    from core.optimizers import BOOK_DEFAULTS
    out = run_core("--optimizer", name, "--epochs", "2")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch 1, loss ")
    losses = _epoch_losses(out)
    assert losses[1] < losses[0] and losses != _epoch_losses(run_core("--epochs", "2"))
    # no flags = the book's: the same run as every default spelled out
    spelled = [f"--{k}={v!r}" for k, v in BOOK_DEFAULTS[name].items()]
    again = run_core("--optimizer", name, "--epochs", "2", *spelled)
    assert again.stdout == out.stdout, again.stderr


def test_hyperparameter_flags_change_the_run():
    base = run_core("--optimizer", "momentum", "--epochs", "1")
    more = run_core("--optimizer", "momentum", "--epochs", "1", "--momentum", "0.9")
    adam = [run_core("--optimizer", "adam", "--epochs", "1", *f)
            for f in ([], ["--beta1", "0.5"], ["--beta2", "0.9"], ["--eps", "0.01"], ["--lr", "0.1"])]
    assert all(o.returncode == 0 for o in [base, more, *adam]), [o.stderr for o in [base, more, *adam]]
    assert base.stdout != more.stdout
    assert len({o.stdout for o in adam}) == 5


def test_sgd_flag_is_the_lesson():
    assert run_core("--optimizer", "sgd").stdout == run_core().stdout


@pytest.mark.parametrize("flags, key", [
    (["--optimizer", "nadam"], "optimizer"), (["--momentum", "1"], "momentum"),
    (["--optimizer", "adam", "--beta1", "1"], "beta1"), (["--optimizer", "adam", "--beta2", "-0.5"], "beta2"),
    (["--optimizer", "adam", "--eps", "0"], "eps"), (["--optimizer", "rmsprop", "--gamma", "x"], "gamma"),
    (["--optimizer", "adadelta", "--rho", "nan"], "rho"), (["--optimizer", "adam", "--lr", "-1"], "lr"),
    (["--momentum", "0.9"], "momentum"), (["--optimizer", "adam", "--rho", "0.5"], "rho"),
])
def test_bad_optimizer_flag_exits_2_with_one_line(flags, key):
    out = run_core(*flags)
    assert out.returncode == 2, out.stdout
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("python -m core: error:") and key in out.stderr


def test_momentum_divergence_names_its_bound():
    out = run_core("--optimizer", "momentum", "--momentum", "0.9", "--lr", "5")
    assert out.returncode == 1 and out.stderr == ""
    assert re.fullmatch(r"diverged at step \d+ \(epoch 1\): lr 5 is too large; the largest stable lr "
                        rf"with momentum 0.9 for these data is {NUMBER}\n", out.stdout), out.stdout


def test_help_lists_the_optimizer_flags():
    out = run_core("--help")
    assert out.returncode == 0
    for flag in ("--optimizer", "--momentum", "--gamma", "--rho", "--beta1", "--beta2", "--eps"):
        assert flag in out.stdout
    assert "adadelta" in out.stdout
