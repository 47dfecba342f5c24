"""NumPy beside MindSpore: one lesson run on every backend in step, and the code each one runs.

compare() drives core.train on numpy, MindSpore compiled (graph mode) and MindSpore PyNative from
the same seed (same data, same start, same batches), one update of each per round, and keeps
every backend's (w, b) and gradients, the largest difference to numpy per step and the wall time
of each update. source_pairs() reads the hand-derived functions of core.model and MindSpore's
_SGDStep from this project's own files at run time (ast, no import: it works without MindSpore)
and lines them up by their tags: the lines that end in `# [model]`, `# [loss]`, `# [grad]`,
`# [update]` do the same job on both sides and land on the same row. optimizer_pair() does the
same for an optimizer of d2l-zh chapter 11: its rule in core.optimizers beside the branch of
core.ms_backend._ms_optimizer that builds MindSpore's nn optimizer, both `# [update]` lines level.
Plain Python + numpy; no streamlit, no plotly.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import backends as _backends
from . import model as _model
from . import optimizers as _optimizers
from .problems import SettingError
from .trainer import initial_params, steps_per_epoch, train

ORDER = ("numpy", "mindspore", "mindspore-pynative")
REFERENCE = "numpy"
MAX_STEPS = 600         # a round of all three takes ~5 ms (PyNative ~4): at most ~3 s a comparison
EPS32 = float(np.finfo(np.float32).eps)     # 1.19e-7: float32's relative rounding step
TAGS = ("model", "loss", "grad", "update")
TAG = re.compile(r"#\s*\[(\w+)\]\s*$")
HERE = Path(__file__).resolve().parent
NUMPY_CODE = (HERE / "model.py", None, ("linreg", "squared_loss", "gradients", "sgd"))
MINDSPORE_CODE = (HERE / "ms_backend.py", "_SGDStep", ("loss", "construct"))
OPTIMIZER_FILE = HERE / "optimizers.py"          # the book's rules, one function each
MS_OPTIMIZER = (HERE / "ms_backend.py", "_ms_optimizer")    # one `if name == "...":` branch each
OPTIMIZER_TAGS = ("update",)


class Trace(NamedTuple):
    """One backend's run. Arrays are float64; row 0 of w and b is the start (before step 1)."""

    backend: str
    w: np.ndarray               # (steps + 1, d)
    b: np.ndarray               # (steps + 1,)
    grad_w: np.ndarray          # (steps, d) at the parameters before each update
    grad_b: np.ndarray          # (steps,)
    loss: np.ndarray            # (steps,) batch loss before each update
    seconds: np.ndarray         # (steps,) wall time of each update (core.train's next())
    warmup: np.ndarray          # (steps,) bool: first update with its batch length (graph: a compile)
    diverged: bool

    @property
    def median_step(self):
        """Median seconds of an update after warm-up (nan when every step was a warm-up)."""
        rest = self.seconds[~self.warmup]
        return float(np.median(rest)) if rest.size else float("nan")

    @property
    def first_step(self):
        """Seconds of the first update: for the compiled backend, its compile."""
        return float(self.seconds[0]) if self.seconds.size else float("nan")


class Comparison(NamedTuple):
    """What compare() measured. runs: {backend: Trace} of those that ran; missing: {backend:
    reason} of those that could not (MindSpore not installed, say); param_diff / grad_diff:
    {backend: (steps + 1,) / (steps,)} max |θ_numpy − θ_backend| over (w, b) / over the gradients,
    one entry per backend other than numpy; total_steps: the settings' steps (more than were run
    when they exceed max_steps)."""

    runs: dict
    missing: dict
    param_diff: dict
    grad_diff: dict
    steps: int
    total_steps: int
    batches_agree: bool
    optimizer: str = "sgd"
    hyperparams: dict | None = None     # the full dict, lr included (None: sgd's)
    refused: dict | None = None         # {backend: core.problems.Problem} it refused the settings with
    form_diff: np.ndarray | None = None  # (steps + 1,) max |θ_book − θ_MindSpore's formula|, float64

    def refusals(self):
        return self.refused or {}

    @property
    def reference(self):
        return self.runs[REFERENCE]

    def largest(self, backend, kind="param"):
        """(largest difference, step where it is; 0 = the start) of a backend to numpy."""
        diff = (self.param_diff if kind == "param" else self.grad_diff)[backend]
        i = int(np.argmax(diff))
        return float(diff[i]), i + (kind != "param")

    def float32_scale(self, kind="param"):
        """(steps + 1,) or (steps,): EPS32 x the largest |value| of numpy's (w, b) or gradient,
        the size of one float32 rounding at that step."""
        r = self.reference
        if kind == "param":
            mag = np.maximum(np.abs(r.w).max(axis=1), np.abs(r.b))
        else:
            mag = np.maximum(np.abs(r.grad_w).max(axis=1), np.abs(r.grad_b))
        return EPS32 * mag


def available(names=ORDER):
    """{backend: None if it runs here, else the reason and how to install it}."""
    status = _backends.available_backends()
    return {name: status[name] for name in names}


def compare(X, y, *, lr, batch_size, num_epochs, seed=0, backends=ORDER, max_steps=MAX_STEPS,
            optimizer="sgd", hyperparams=None):
    """Train on each of `backends` (numpy first, always) from the same seed, in step: round k does
    update k on every backend before any does update k + 1, so each update's time is measured
    under the same load. Stops after max_steps updates, or when a run diverges or ends.
    Backends that cannot run here are reported in .missing, not raised; a backend that refuses
    the optimizer's settings (nn.Adam with beta1 = 0) in .refused as its Problem. Bad arguments
    raise ValueError as core.train does (numpy's). optimizer, hyperparams: as for core.train;
    with an optimizer whose MindSpore form keeps a numeric difference (DIFFERENCES, kept), also
    .form_diff: the book's rule against MindSpore's formula, both float64 on numpy's batches."""
    names = [REFERENCE] + [b for b in backends if b != REFERENCE]
    for name in names:
        _backends.check_backend(name)
    status = _backends.available_backends()
    missing = {name: status[name] for name in names if status[name] is not None}
    names = [name for name in names if name not in missing]
    hp = _optimizers.hyperparams_for(optimizer, hyperparams, lr)
    kw = dict(lr=lr, batch_size=batch_size, num_epochs=num_epochs, seed=seed, optimizer=optimizer,
              hyperparams={k: v for k, v in hp.items() if k != "lr"})
    gens, refused = {}, {}
    for name in names:          # train() checks its arguments here, numpy's first
        try:
            gens[name] = train(X, y, backend=name, **kw)
        except _backends.BackendUnavailableError as exc:       # failed on making its stepper
            missing[name] = str(exc)
        except SettingError as exc:
            if name == REFERENCE:
                raise
            refused[name] = exc.problem                        # MindSpore's range is narrower
    total = num_epochs * steps_per_epoch(np.asarray(X).shape[0], batch_size)
    names = [name for name in names if name in gens]
    rows = {name: [] for name in names}
    agree = True
    seen_sizes = {name: set() for name in names}
    steps = 0
    while steps < min(max_steps, total):
        recs = {}
        for name in names:
            t0 = time.perf_counter()
            rec = next(gens[name], None)
            dt = time.perf_counter() - t0
            if rec is None:
                break
            recs[name] = (rec, dt)
        if len(recs) < len(names):
            break
        steps += 1
        ref_batch = recs[REFERENCE][0].batch
        for name, (rec, dt) in recs.items():
            agree &= bool(np.array_equal(rec.batch, ref_batch))
            warm = len(rec.batch) not in seen_sizes[name]
            seen_sizes[name].add(len(rec.batch))
            rows[name].append((rec, dt, warm))
        if any(rec.diverged for rec, _dt in recs.values()):
            break
    w0, b0 = initial_params(seed, np.asarray(X).shape[1])
    runs = {name: _trace(name, rows[name], w0, b0) for name in names}
    form = None
    if optimizer in MINDSPORE_FORMS and rows.get(REFERENCE):
        form = form_gap(X, y, w0, b0, [r.batch for r, _t, _k in rows[REFERENCE]], optimizer, hp)
    param_diff, grad_diff = {}, {}
    ref = runs.get(REFERENCE)
    for name, run in runs.items():
        if name == REFERENCE:
            continue
        param_diff[name] = np.maximum(np.abs(run.w - ref.w).max(axis=1), np.abs(run.b - ref.b))
        grad_diff[name] = np.maximum(np.abs(run.grad_w - ref.grad_w).max(axis=1),
                                     np.abs(run.grad_b - ref.grad_b))
    return Comparison(runs, missing, param_diff, grad_diff, steps, total, agree, optimizer, hp, refused,
                      form)


# the optimizers whose MindSpore form differs from the book's in a way no argument undoes
MINDSPORE_FORMS = {"adam": _optimizers.adam_mindspore_form}


def form_gap(X, y, w0, b0, batches, optimizer, hp):
    """(steps + 1,) max |θ_book − θ_ms| over (w, b) after each step: the book's rule and
    MindSpore's formula (MINDSPORE_FORMS) run side by side in float64 on the same batches from
    the same start, so what is left is the formula's difference alone, no float32 rounding."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    book, ms_form = _optimizers.OPTIMIZERS[optimizer].update, MINDSPORE_FORMS[optimizer]
    p = X.shape[1] + 1
    a = b = np.append(np.asarray(w0, dtype=float), b0)
    sa = sb = _optimizers.init_state(optimizer, p)
    out = [0.0]
    with np.errstate(all="ignore"):
        for idx in batches:
            Xb, yb = X[idx], y[idx]
            _l, gw, gb = _model.gradients(Xb, yb, a[:-1], a[-1])
            a, sa = book(a, np.append(gw, gb), sa, hp)
            _l, gw, gb = _model.gradients(Xb, yb, b[:-1], b[-1])
            b, sb = ms_form(b, np.append(gw, gb), sb, hp)
            out.append(float(np.max(np.abs(a - b))))
    return np.array(out)


def effective_eps(hp, t):
    """nn.Adam's eps as the book's rule would need it at step t (1-based): eps / sqrt(1 − β2^t)."""
    return hp["eps"] / np.sqrt(1 - hp["beta2"] ** np.asarray(t, dtype=float))


def _trace(name, rows, w0, b0):
    d = len(w0)
    # MindSpore holds its parameters in float32, so its start is w0 rounded to float32
    start = np.float32 if name != REFERENCE else np.float64
    w = np.vstack([np.asarray(w0, dtype=start).astype(float)] + [r.w for r, _t, _k in rows])
    b = np.array([float(start(b0))] + [r.b for r, _t, _k in rows])
    return Trace(
        name, w, b,
        np.array([r.grad_w for r, _t, _k in rows]).reshape(-1, d),
        np.array([r.grad_b for r, _t, _k in rows], dtype=float),
        np.array([r.batch_loss for r, _t, _k in rows], dtype=float),
        np.array([t for _r, t, _k in rows], dtype=float),
        np.array([k for _r, _t, k in rows], dtype=bool),
        bool(rows and rows[-1][0].diverged))


# ---- the code of both sides, from the source files ------------------------------------------

class Code(NamedTuple):
    """One side's code: the functions' source, dedented and joined by a blank line; tags: {tag:
    0-based line index} of the line carrying `# [tag]`."""

    text: str
    functions: tuple            # the names found, in order
    tags: dict


def _functions(path, cls, names):
    """Source of the named functions (methods of class `cls` when given) in `path`, in the order
    asked, each dedented to column 0. KeyError names one that is missing."""
    text = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(text)
    scope = tree.body
    if cls is not None:
        (node,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls] or [None]
        if node is None:
            raise KeyError(f"class {cls} not found in {Path(path).name}")
        scope = node.body
    found = {n.name: n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    lines = text.splitlines()
    out = []
    for name in names:
        if name not in found:
            raise KeyError(f"function {name} not found in {Path(path).name}")
        node = found[name]
        first = min([node.lineno] + [dec.lineno for dec in node.decorator_list])
        block = lines[first - 1:node.end_lineno]
        indent = len(block[0]) - len(block[0].lstrip())
        out.append([line[indent:] if line[:indent].strip() == "" else line for line in block])
    return out


def read_code(path, cls, names):
    """Code of the named functions of `path` (in class `cls` if given), as Code."""
    blocks = _functions(path, cls, names)
    lines = []
    for i, block in enumerate(blocks):
        if i:
            lines.append("")
        lines.extend(block)
    tags = {}
    for i, line in enumerate(lines):
        m = TAG.search(line)
        if m:
            if m.group(1) in tags:
                raise ValueError(f"tag [{m.group(1)}] appears twice in {Path(path).name}")
            tags[m.group(1)] = i
    return Code("\n".join(lines), tuple(names), tags)


def align(left, right, tags=TAGS):
    """Two Code sides as two lists of lines of equal length, where the line of each tag sits on
    the same row: before each tag (in the order of `tags`) the side that reaches it sooner gets
    blank lines. Tags must appear on both sides in that order; ValueError otherwise."""
    for code in (left, right):
        got = [t for t in sorted(code.tags, key=code.tags.get)]
        if got != list(tags):
            raise ValueError(f"tags {got} do not follow {list(tags)}")
    a, b = left.text.split("\n"), right.text.split("\n")
    out_a, out_b, ia, ib = [], [], 0, 0
    for tag in tags:
        ta, tb = left.tags[tag], right.tags[tag]
        chunk_a, chunk_b = a[ia:ta], b[ib:tb]
        pad = len(chunk_a) - len(chunk_b)
        out_a += _padded(chunk_a, max(-pad, 0))
        out_b += _padded(chunk_b, max(pad, 0))
        out_a.append(a[ta])
        out_b.append(b[tb])
        ia, ib = ta + 1, tb + 1
    rest_a, rest_b = a[ia:], b[ib:]
    width = max(len(rest_a), len(rest_b))
    out_a += rest_a + [""] * (width - len(rest_a))
    out_b += rest_b + [""] * (width - len(rest_b))
    return out_a, out_b


def _padded(chunk, k):
    """chunk (the lines before a tagged line) with k blank lines added: at the last boundary
    between two functions in it (a blank line before a `def` at column 0), else right before the
    tagged line and the comments just above it."""
    bounds = [i + 1 for i in range(len(chunk) - 1)
              if not chunk[i].strip() and chunk[i + 1].startswith("def ")]
    if bounds:
        at = bounds[-1]
    else:
        at = len(chunk)
        while at and chunk[at - 1].lstrip().startswith("#"):
            at -= 1
    return chunk[:at] + [""] * k + chunk[at:]


def source_pairs():
    """(numpy lines, mindspore lines): the lesson's hand-derived model, loss, gradients and update
    (core.model) beside MindSpore's loss and autodiff step (core.ms_backend._SGDStep), read from
    the files now and aligned by tag. Needs no MindSpore."""
    return align(read_code(*NUMPY_CODE), read_code(*MINDSPORE_CODE))


def autodiff_line():
    """The statement of _SGDStep.__init__ that asks MindSpore for the gradient function
    (`self.grad_fn = ms.value_and_grad(...)`), as one line of source. KeyError if it is gone."""
    path, cls, _names = MINDSPORE_CODE
    text = Path(path).read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for fn in node.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == "__init__":
                    for st in ast.walk(fn):
                        if isinstance(st, ast.Assign) and "value_and_grad" in ast.unparse(st.value):
                            return " ".join(ast.get_source_segment(text, st).split())
    raise KeyError(f"no value_and_grad in {cls}.__init__ of {Path(path).name}")


# ---- an optimizer's code on both sides --------------------------------------------------------

def _branch(path, func, name):
    """(lines, call): the `if name == "<name>":` branch of function `func` in `path`, with the
    function's first line and the statements before its first branch, as lines (4-space body);
    call: the ast.Call of the branch's return. KeyError if there is none."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    fn = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == func), None)
    if fn is None:
        raise KeyError(f"function {func} not found in {Path(path).name}")
    body = [n for n in fn.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    ifs = [n for n in body if isinstance(n, ast.If)]
    pre = [n for n in body if n.lineno < (ifs[0].lineno if ifs else 10**9)]
    found = None
    for node in ifs:
        test = node.test
        if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "name"
                and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == name):
            found = node
    if found is None:
        raise KeyError(f"no branch for {name!r} in {func} of {Path(path).name}")
    out = lines[fn.lineno - 1:fn.body[0].lineno - 1] if not body or fn.body[0] is body[0] else \
        [lines[fn.lineno - 1]]
    for node in pre:
        out += lines[node.lineno - 1:node.end_lineno]
    if found is not ifs[0]:
        out.append(" " * found.col_offset + "...")
    out += lines[found.lineno - 1:found.end_lineno]
    call = next((n.value for n in ast.walk(found) if isinstance(n, ast.Return)), None)
    if not isinstance(call, ast.Call):
        raise KeyError(f"the branch for {name!r} in {func} returns no call")
    return out, call


def _code(lines, path, tags):
    tagged = {}
    for i, line in enumerate(lines):
        m = TAG.search(line)
        if m and m.group(1) in tags:
            if m.group(1) in tagged:
                raise ValueError(f"tag [{m.group(1)}] appears twice in {Path(path).name}")
            tagged[m.group(1)] = i
    return Code("\n".join(lines), (), tagged)


def optimizer_pair(name):
    """(numpy lines, mindspore lines) of optimizer `name` (not "sgd": the lesson's update is in
    source_pairs): its rule in core/optimizers.py beside the branch of
    core/ms_backend._ms_optimizer that builds MindSpore's nn optimizer, read from the files now
    and aligned by their `# [update]` lines. Needs no MindSpore."""
    fn = _optimizers.OPTIMIZERS[_optimizers.check_optimizer(name)].update.__name__
    (left,) = _functions(OPTIMIZER_FILE, None, (fn,))
    right, _call = _branch(*MS_OPTIMIZER, name)
    return align(_code(left, OPTIMIZER_FILE, OPTIMIZER_TAGS), _code(right, MS_OPTIMIZER[0], OPTIMIZER_TAGS),
                 OPTIMIZER_TAGS)


class _Values(ast.NodeTransformer):
    """hp["key"] and lr as their values, params as [w, b]: the call as this run makes it."""

    def __init__(self, hp):
        self.hp = hp

    def visit_Subscript(self, node):
        if (isinstance(node.value, ast.Name) and node.value.id == "hp"
                and isinstance(node.slice, ast.Constant) and node.slice.value in self.hp):
            return ast.Constant(self.hp[node.slice.value])
        return self.generic_visit(node)

    def visit_Name(self, node):
        if node.id == "lr" and "lr" in self.hp:
            return ast.Constant(self.hp["lr"])
        if node.id == "params":
            return ast.List([ast.Name("w"), ast.Name("b")])
        return node


def optimizer_call(name, hp):
    """The `nn.<Optimizer>(...)` that core.ms_backend makes for optimizer `name` with the full
    hyperparameters hp, its arguments as values: 'nn.Adam([w, b], learning_rate=0.01, ...)'."""
    _lines, call = _branch(*MS_OPTIMIZER, name)
    return ast.unparse(_Values({k: float(v) for k, v in hp.items()}).visit(call))
