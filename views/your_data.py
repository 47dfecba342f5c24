"""Your data: a real data set or an uploaded file, its columns chosen, trained on live.

The file's bytes go through core.userdata (read_table, choose): what it cannot use is refused as
a Problem, worded here in the user's language; what it assumed is said as a notice. A file is
read once per distinct content for the whole server (ui.datasets.uploaded_table, keyed by its
sha256), within core.userdata's caps, which the uploader's caption states. Nothing of the file
is ever rendered as HTML or Markdown: names and cells go into st.dataframe (a grid of plain
text), widget options (plain text) or say / plain (no emphasis, tag, link or auto-link, emoji
or colour code can come of them). The run is the main page's
player (its own prefix "data_") on the chosen X, y; real data have no true values, so the
charts and the result compare SGD with the least-squares optimum.

Settings (data set, lr, batch size, epochs, speed, standardisation) live in the URL; an uploaded
file cannot (a link to ?dataset=upload opens the uploader).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from core import settings as S
from core import userdata as U
from core.problems import Problem
from core.run import DONE
from core.settings import Setting, row
from ui import controls, datasets, i18n, live, panels
from ui.i18n import N_, _, plain
from ui.page_settings import PageSettings
from ui.player import Player

UPLOAD = "upload"
SETTINGS = (
    Setting("dataset", "choice", "tips", label=N_("Data set"),
            help=N_("A real data set that comes with the app, or a file of your own."),
            choices=(*datasets.BUILTIN, UPLOAD)),
    Setting("std", "int", 1, 0, 1, N_("Standardise the features"),
            N_("Centre each feature and divide it by its standard deviation before training; the "
               "results are given back in the file's units.")),
    row("lr", default=0.1),
    row("batch_size"),
    row("epochs", default=5),
    row("speed"),
)
BY_KEY = {s.key: s for s in SETTINGS}
# this page's settings; its widget keys are "yourdata_<key>" (the switch holds a bool)
PAGE = PageSettings("yourdata", SETTINGS)
STATE = PAGE.state
MAX_MB = U.MAX_BYTES // U.MB    # .streamlit/config.toml's server.maxUploadSize says the same
# notices that are worth a warning's colour: the fit will be poor or not unique
WARN = {"constant_feature", "collinear_features", "ill_conditioned", "few_rows", "rows_dropped",
        "non_numeric_cells", "rows_skipped"}
player = Player("data_")


def say(problem):
    """A Problem as a sentence in the session's language, its "text" (the file's or the link's own
    words) shown literally by plain, whole numbers from 10000 up with thousands separators."""
    params = {k: f"{v:,}" if type(v) is int and abs(v) >= 10_000 else v for k, v in problem.params.items()}
    if "text" in params:
        params["text"] = plain(i18n.clip(params["text"]))
    return problem._replace(params=params).words(_)


def init_state():
    """The settings from the URL (PageSettings); once per session also a built-in data set's
    columns (?x=total_bill,size&y=tip), applied once when it is drawn."""
    if PAGE.init():
        values = st.session_state[STATE]
        x, y = st.query_params.get("x"), st.query_params.get("y")
        if values["dataset"] != UPLOAD and (x is not None or y is not None):
            st.session_state[f"{STATE}_columns"] = (
                values["dataset"], None if x is None else [c for c in x.split(",") if c], y)


def _slider(key, stops, fmt=None, hi=None):
    return PAGE.select_slider(key, stops, fmt=fmt, hi=hi, on_change=PAGE.forget_problems,
                              persist_state="session")


# ---- the data: bytes -> table -> X, y ------------------------------------------------------

def source_picker():
    """The data set picker (and the uploader). Returns (source id, Table or None, Problem or None,
    file name or None)."""
    s = BY_KEY["dataset"]
    labels = {name: _(d.label) for name, d in datasets.BUILTIN.items()}
    labels[UPLOAD] = _("Your own file (CSV, TSV or TXT)")
    name = st.selectbox(_(s.label), s.choices, key=PAGE.key("dataset"), help=_(s.help),
                        format_func=labels.__getitem__, on_change=PAGE.forget_problems,
                        persist_state="session")
    if name != UPLOAD:
        st.caption(_("Source: {source}").format(source=_(datasets.BUILTIN[name].source)))
        return name, datasets.table(name), None, None
    st.caption(_("Files up to {mb} MB: a table of numbers with a header row, separated by commas, "
                 "semicolons, tabs or |. At most {rows} rows, {columns} columns, {cells} cells (rows × "
                 "columns, empty ones too) and {line_kb} KB a line: reading a file then takes at most "
                 "about {budget} MB of the server's memory. An uploaded file stays in this tab's "
                 "session and cannot travel in a link: a link to this page opens it on the "
                 "uploader.").format(
        mb=MAX_MB, rows=f"{U.MAX_ROWS:,}", columns=U.MAX_COLS, cells=f"{U.MAX_CELLS:,}",
        line_kb=U.MAX_LINE_BYTES // 2**10, budget=U.READ_BUDGET_MB))
    upload = st.file_uploader(_("Upload a file"), type=["csv", "tsv", "txt"], key="data_file")
    if upload is None:
        return UPLOAD, None, None, None
    return (f"{UPLOAD}:{upload.file_id}", *read_upload(upload.file_id, upload.getvalue), upload.name)


def read_upload(file_id, get_bytes):
    """(Table, None) or (None, Problem) of the upload `file_id`. The session keeps only the
    sha256 of its bytes (hashed once per upload); the table is the server's, one per distinct
    file (ui.datasets.uploaded_table), however many tabs upload it."""
    kept = st.session_state.get("data_upload")
    if kept is None or kept[0] != file_id:
        kept = (file_id, datasets.digest(get_bytes()))
        st.session_state["data_upload"] = kept
    return datasets.uploaded_table(kept[1], get_bytes)


def show_notices(problems):
    for p in problems:
        (st.warning if p.code in WARN else st.info)(say(p))


def preview(table):
    st.dataframe(table.head, hide_index=True, height=min(390, 38 + 35 * len(table.head)))
    st.caption(_("The first {shown} of {rows} rows as read ({encoding}, separator {sep}). Only columns of "
                 "numbers can be features or the target.").format(
        shown=len(table.head), rows=table.rows, encoding=table.encoding,
        sep={"\t": _("tab")}.get(table.sep, f"“{table.sep}”")))
    if table.rows > len(table.head):
        with st.expander(_("{k} rows drawn at random").format(k=min(20, table.rows))):
            st.dataframe(U.sample(table), height=300)


def column_picker(source, table):
    """The features (1 to 10 columns of numbers) and the target. Returns (features, target)."""
    numeric = list(U.numeric_columns(table))
    builtin = datasets.BUILTIN.get(source)
    features = list(builtin.features) if builtin else numeric[:1]
    target = builtin.target if builtin else numeric[-1]
    fkey, tkey = f"data_features_{source}", f"data_target_{source}"
    linked = st.session_state.get(f"{STATE}_columns")
    if linked is not None and linked[0] == source:        # the link's columns, checked
        del st.session_state[f"{STATE}_columns"]
        bad = [c for c in (linked[1] or []) + ([linked[2]] if linked[2] is not None else [])
               if c not in numeric]
        for c in bad:
            code = "not_numeric" if c in table.columns else "unknown_column"
            st.warning(_("Link setting {problem}").format(problem=say(Problem(code, {"text": repr(c)}))))
        if linked[1] is not None and not bad:
            st.session_state[fkey] = linked[1][:U.MAX_FEATURES]
        if linked[2] is not None and linked[2] in numeric:
            st.session_state[tkey] = linked[2]
    st.session_state.setdefault(fkey, [f for f in features if f in numeric])
    st.session_state.setdefault(tkey, target if target in numeric else numeric[-1])
    i18n.keep([fkey, tkey])
    left, right = st.columns([2, 1])
    chosen = left.multiselect(_("Features (x)"), numeric, key=fkey, max_selections=U.MAX_FEATURES,
                              help=_("1 to {max} columns of numbers: the model is ŷ = Xw + b.")
                              .format(max=U.MAX_FEATURES), persist_state="session")
    target = right.selectbox(_("Target (y)"), numeric, key=tkey, help=_("The column the model predicts."),
                             persist_state="session")
    return chosen, target


def prepare(key, table, features, target, standardise):
    """Prepared or Problem for this choice; computed once per choice (kept in the session, a
    refusal as its Problem: a DataError's traceback would keep the chosen columns alive)."""
    kept = st.session_state.get("data_prepared")
    if kept is None or kept[0] != key:
        try:
            kept = (key, U.Prepared(U.choose(table, features, target, standardise)))
        except U.DataError as exc:
            kept = (key, exc.problem)
        st.session_state["data_prepared"] = kept
    return kept[1]


def _g(v):
    return "∞" if not math.isfinite(v) else f"{v:.3g}"


def conditioning(prep):
    """Why standardise, with this choice's numbers before and after."""
    text = _("**Why standardise?** The loss's curvature (its Hessian [X, 1]ᵀ[X, 1]/n) depends on the "
             "features' units. In the file's units its condition number is κ = {k0} and the largest "
             "stable learning rate 2/λ_max = {lr0}; standardised (each feature mean 0, std 1) κ = {k1} "
             "and 2/λ_max = {lr1}. A large κ is a long narrow valley: every lr small enough to be "
             "stable creeps along it.").format(
        k0=_g(prep.raw.cond), lr0=_g(prep.raw.lr_stable), k1=_g(prep.standardised.cond),
        lr1=_g(prep.standardised.lr_stable))
    st.markdown(text)


# ---- the run ----------------------------------------------------------------------------------

def run_settings(values, prep):
    """The player's settings for this data: the page's lr, batch size, epochs and speed; w and b
    are the least-squares optimum (no true values: "truth" False), noise its residual std."""
    n = prep.X.shape[0]
    th = prep.theory
    settings = {"lr": values["lr"], "batch_size": values["batch_size"], "epochs": values["epochs"],
                "speed": values["speed"], "present": 0, "n": n, "noise": math.sqrt(2 * th.min_loss),
                "w": tuple(float(v) for v in th.w_star), "b": float(th.b_star), "seed": 0,
                "backend": "numpy", "truth": False}
    settings, problems = S.reconcile(settings)
    return settings, problems


def printout(run):
    """The lesson's epoch lines (code output: the same in both languages)."""
    steps, losses = run.history.epoch_ends()
    epochs = run.history.column("epoch")[np.searchsorted(run.history.column("step"), steps)]
    return "\n".join(f"epoch {int(e)}, loss {l:f}" for e, l in zip(epochs, losses))


def results(run, prep, features, target):
    if run.status != DONE:
        return
    st.subheader(_("Result"))
    st.code(printout(run), language=None)
    th = run.theory
    w, b = prep.original_units(run.last.w, run.last.b)
    w_opt, b_opt = prep.original_units(th.w_star, th.b_star)
    d = len(features)
    names = [f"w{j + 1}" if d > 1 else "w" for j in range(d)] + ["b"]
    table = {_("parameter"): names, _("column"): [*features, ""],
             _("estimated (SGD)"): np.append(w, b),
             _("least squares (exact optimum)"): np.append(w_opt, b_opt)}
    if prep.scaling is not None:
        table[_("as trained (standardised)")] = np.append(run.last.w, run.last.b)
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
    st.caption(_("In the file's units: ŷ = Xw + b predicts {target}. Final full-data loss {final}; "
                 "least-squares loss {lsq}: SGD cannot beat it.").format(
        target=plain(target), final=f"{run.last.epoch_loss:.4g}", lsq=f"{th.min_loss:.4g}"))


def export(run, values, query, source, file_name, features, target):
    spec = datasets.export_settings(run.settings, values["dataset"], file_name, features, target,
                                    values["std"])
    panels.export_buttons(run, spec, query, player.ghosts)
    prep = st.session_state["data_prepared"][1]
    st.download_button(_("Download the data trained on (CSV)"), data=lambda: datasets.data_csv(
        prep.X_raw, prep.y, features, target),
                       file_name="data.csv", mime="text/csv", on_click="ignore")


def run():
    i18n.picker()
    st.title(_("Your data"))
    st.markdown(_("Train the same linear model **ŷ = Xw + b** by minibatch SGD on real data: one of the "
                  "data sets below, or a file of your own. Real data have no true w and b to find: "
                  "the goal is the least-squares optimum, which SGD approaches."))
    init_state()
    PAGE.show_warnings(say=say)
    missing = live.check_static_assets()
    if missing:
        st.error(missing)

    source, table, error, file_name = source_picker()
    values = PAGE.remember(PAGE.values())
    if table is None or error is not None:
        PAGE.sync(values)
    if error is not None:
        st.error(say(error))
        return
    if table is None:
        st.info(_("Choose a file to upload, or one of the data sets above."))
        return
    show_notices(table.notices)
    preview(table)
    features, target = column_picker(source, table)
    standardise = st.toggle(_(BY_KEY["std"].label), key=PAGE.key("std"), help=_(BY_KEY["std"].help),
                            on_change=PAGE.forget_problems, persist_state="session")
    values["std"] = int(standardise)
    prep = prepare((source, tuple(features), target, values["std"]), table, features, target, standardise)
    if isinstance(prep, Problem):
        PAGE.sync(values)
        st.error(say(prep))
        return
    show_notices(prep.choice.notices)
    conditioning(prep)

    st.subheader(_("Training"))
    cols = st.columns(4)
    with cols[0]:
        values["lr"] = _slider("lr", controls.LR_STOPS)
    with cols[1]:
        values["batch_size"] = _slider("batch_size", controls.BATCH_STOPS, hi=prep.X.shape[0])
    with cols[2]:
        values["epochs"] = _slider("epochs", controls.EPOCH_STOPS)
    with cols[3]:
        values["speed"] = _slider("speed", controls.SPEED_STOPS, fmt=controls.speed_label)
    columns = {"x": ",".join(features), "y": target} if source in datasets.BUILTIN else {}
    query = PAGE.sync(values, columns)                   # a file's columns cannot go in a link
    settings, problems = run_settings(values, prep)
    for p in problems:
        st.warning(say(p))

    key = (source, tuple(features), target, values["std"])
    run = player.show(settings, data=(key, prep.X, prep.y, prep.theory))
    if prep.scaling is not None:
        note = _("The charts show the parameters of the standardised features; the dashed lines and the "
                 "star are the least-squares optimum. Stable lr for these data: lr < {max_lr} · "
                 "now lr = {lr}.")
    else:
        note = _("The charts show the parameters in the file's units; the dashed lines and the star are "
                 "the least-squares optimum. Stable lr for these data: lr < {max_lr} · now lr = {lr}.")
    st.caption(note.format(max_lr=_g(run.theory.max_stable_lr), lr=f"{run.settings['lr']:g}"))
    results(run, prep, features, target)
    player.show_step()
    with st.expander(_("Export")):
        export(run, values, query, source, file_name, features, target)


run()
