"""Any Python from 3.11 up. requirements.txt holds two pinned sets chosen by environment markers:
NumPy 1 with MindSpore on Python 3.11 and 3.12, NumPy 2 without MindSpore from 3.13 (Streamlit
Community Cloud's default; mindspore 2.10.0 has no wheel there).

- Always (cheap): the markers pick the intended set for 3.11 to 3.14; the MindSpore hint names a
  Python whose set installs it.
- On NumPy 2 only (skipped in the project's .venv, which has NumPy 1): every page in both
  languages, the lesson run to its printout, and no NumPy scalar repr (`np.float64(0.5)`) anywhere
  on a page.
- When a Python 3.13 is found ($LRVIZ_PY313, pyenv's 3.13.x, or python3.13 on PATH): a venv in
  ~/.cache/lrviz-py313/<hash of the requirements> (made once and reused: a cold install costs
  about 30 s here, BENCHMARKS.md), requirements.txt installed into it, `streamlit run app.py`
  answering its health check and serving the page, and the NumPy-2 checks above run in that
  interpreter. Skipped without a Python 3.13.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import CJK, ROOT, open_page
from packaging.markers import default_environment
from packaging.requirements import Requirement

from core import backends
from core.settings import SETTINGS, format_value

NUMPY2 = int(np.__version__.split(".")[0]) >= 2
needs_numpy2 = pytest.mark.skipif(not NUMPY2, reason="checks what NumPy 2 changes; run on Python 3.13 "
                                                     "by test_python313_installs_and_serves_every_page")
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "views").glob("*.py"))
# a NumPy 2 scalar's repr: np.float64(0.5), np.int64(3), np.True_, np.str_('a')
SCALAR_REPR = re.compile(r"np\.((float|int|uint|bool|str_|complex|longdouble)\w*\(|True_\b|False_\b)")


def requirements(version):
    """{name: pin} that requirements.txt installs on Python `version` ("3.13")."""
    env = {**default_environment(), "python_version": version, "python_full_version": version + ".0"}
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            assert req.name not in out, f"{req.name} twice for Python {version}"
            out[req.name] = str(req.specifier)
    return out


# ---- the markers ----------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["3.11", "3.12"])
def test_python_311_and_312_get_numpy_1_with_mindspore(version):
    req = requirements(version)
    assert req["numpy"] == "==1.26.4" and req["mindspore"] == "==2.10.0"


@pytest.mark.parametrize("version", ["3.13", "3.14"])
def test_python_313_and_up_get_numpy_2_without_mindspore(version):
    req = requirements(version)
    assert "mindspore" not in req
    assert re.fullmatch(r"==2\.\d+\.\d+", req["numpy"]), req["numpy"]


def test_both_sets_pin_every_package_and_share_all_but_numpy_and_mindspore():
    old, new = requirements("3.12"), requirements("3.13")
    assert all(re.fullmatch(r"==[\w.]+", pin) for pin in {**old, **new}.values()), (old, new)
    assert {k: v for k, v in old.items() if k not in ("numpy", "mindspore")} == \
        {k: v for k, v in new.items() if k != "numpy"}
    assert {"pandas", "pyarrow", "streamlit", "plotly"} <= set(new)


def test_the_mindspore_hint_names_a_python_that_installs_it():
    assert backends.mindspore_install((3, 11)).startswith("pip install -r requirements.txt")
    hint = backends.mindspore_install((3, 13, 0))
    version = re.match(r"python(3\.\d+) -m venv", hint).group(1)
    assert "mindspore" in requirements(version), hint            # that Python's set has it
    assert "pip install -r requirements.txt" in hint
    assert backends.MINDSPORE_INSTALL == backends.mindspore_install(sys.version_info)


def test_a_setting_as_text_is_never_a_numpy_repr():
    lr = next(s for s in SETTINGS if s.key == "lr")
    x = np.float64(0.1) + np.float64(0.2)                         # 0.30000000000000004: no short form
    assert format_value(lr, x) == "0.30000000000000004"
    assert format_value(lr, np.float64(0.03)) == "0.03"


# ---- on NumPy 2: the pages ------------------------------------------------------------------

def scalar_reprs(at):
    """Every NumPy scalar repr in what the page sent (texts, code, tables, charts, widgets)."""
    found = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            text = str(proto)
            found.extend(text[max(0, m.start() - 80): m.end() + 40] for m in SCALAR_REPR.finditer(text))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return found


@needs_numpy2
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_numpy2_every_page_renders(page, lang):
    at = open_page(None if page == "views/lesson.py" else page, lang=lang)
    assert not at.exception and not at.error
    assert len(at.title) == 1 and (lang == "en" or CJK.search(at.title[0].value))
    assert not scalar_reprs(at)


@needs_numpy2
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_numpy2_the_lesson_runs_to_its_printout(lang):
    at = open_page(None, lang=lang, speed="0")
    at = at.button(key="train").click().run()
    for _ in range(2000):
        if at.exception or at.session_state["run"].status != "running":
            break
        at = at.run()
    assert not at.exception and not at.error
    (printout,) = [c.value for c in at.code if "epoch 3, loss" in c.value]
    assert "np." not in printout, printout
    errors = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", printout.split("epoch 3")[1])]
    assert len(errors) == 4 and all(abs(e) < 5e-3 for e in errors), printout   # 2 of w, 1 of b, + loss
    assert not scalar_reprs(at)


# ---- Python 3.13: install, serve, run the checks above there --------------------------------

def python313():
    """A Python 3.13 interpreter, or None."""
    candidates = [os.environ.get("LRVIZ_PY313")]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=20).stdout.strip()
        candidates += sorted(glob.glob(f"{root}/versions/3.13*/bin/python"), reverse=True)
    candidates.append(shutil.which("python3.13"))
    for py in filter(None, candidates):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([py, "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
                                 capture_output=True, text=True, timeout=30)
            if out.stdout.strip() == "True":
                return py
    return None


def dev_pin(name):
    """The pin of `name` in requirements-dev.txt ("pytest==9.2.0")."""
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        if re.match(rf"{name}\s*==", line):
            return line.split("#", 1)[0].strip()
    raise LookupError(name)


def cached_venv(py):
    """A venv of `py` with requirements.txt and pytest, under ~/.cache/lrviz-py313/<hash>: made once
    (a file lock keeps two runs from making it together; `ok` is written last, so a venv left
    half-made by an interrupted run is made again) and reused while the requirements are the same."""
    pins = (ROOT / "requirements.txt").read_bytes() + dev_pin("pytest").encode()
    version = subprocess.run([py, "-c", "import sys; print(sys.version)"], capture_output=True,
                             text=True, timeout=30).stdout
    key = hashlib.sha256(pins + version.encode()).hexdigest()[:12]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lrviz-py313"
    base.mkdir(parents=True, exist_ok=True)
    venv = base / key
    with open(base / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "ok").exists():
            shutil.rmtree(venv, ignore_errors=True)
            for cmd in ([py, "-m", "venv", str(venv)],
                        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                         "--disable-pip-version-check", "-r", str(ROOT / "requirements.txt"),
                         dev_pin("pytest")]):
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
                assert r.returncode == 0, f"{' '.join(cmd)}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
            (venv / "ok").write_text(version)
    return venv / "bin" / "python"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as r:
        return r.status, r.read().decode(errors="replace")


@contextlib.contextmanager
def streamlit(python, log):
    """`streamlit run app.py` by `python`, headless on a free port, until healthy: its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(python), "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                 "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError):
                if get(url + "/_stcore/health") == (200, "ok"):
                    break
            assert proc.poll() is None and time.monotonic() < deadline, \
                f"streamlit on Python 3.13 did not become healthy:\n{Path(log).read_text()[-3000:]}"
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=20)


def test_python313_installs_and_serves_every_page(tmp_path):
    py = python313()
    if py is None:
        pytest.skip("no Python 3.13 here ($LRVIZ_PY313, pyenv's 3.13.x or python3.13 on PATH)")
    python = cached_venv(py)
    probe = ("import sys, importlib.util, numpy; "
             "print(sys.version_info[:2], numpy.__version__[0], importlib.util.find_spec('mindspore'))")
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["(3,", "13)", "2", "None"], out.stdout + out.stderr

    with streamlit(python, tmp_path / "streamlit.log") as url:
        status, index = get(url + "/")
        assert status == 200 and '<div id="root">' in index
        status, charts = get(url + "/app/static/live_charts.js")
        assert status == 200 and charts.strip()
    log = (tmp_path / "streamlit.log").read_text()
    assert "Traceback" not in log, log

    # the NumPy-2 checks of this file, in that interpreter: every one must run and pass
    r = subprocess.run([str(python), "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                        "tests/test_py313.py", "-k", "numpy2 or never_a_numpy_repr"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-3000:]
    assert "skipped" not in r.stdout, r.stdout[-3000:]
    passed = int(re.search(r"(\d+) passed", r.stdout).group(1))
    assert passed == 2 * len(PAGES) + 2 + 1, r.stdout[-3000:]
