"""Real data sets that need no upload: plotly.express.data's bundled copies (offline), each read
through core.userdata.read_table like an uploaded file, so both take one path to the trainer.

Here and not in core: core never imports plotly. Sources and licences are named as the page
shows them (msgids, translated where drawn).
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from core.userdata import DataError, read_table, safe_frame
from ui.i18n import N_


class Dataset(NamedTuple):
    label: str          # msgid: the name in the picker
    features: tuple     # the columns chosen at first
    target: str
    source: str         # msgid: who made it, where it comes from, its licence


def _tips():
    import plotly.express as px
    return px.data.tips()


def _gapminder():
    import plotly.express as px
    df = px.data.gapminder(year=2007)
    df.insert(df.columns.get_loc("gdpPercap") + 1, "log10_gdpPercap", np.log10(df["gdpPercap"]))
    return df


def _iris():
    import plotly.express as px
    return px.data.iris()


LOADERS = {"tips": _tips, "gapminder": _gapminder, "iris": _iris}
BUILTIN = {
    "tips": Dataset(N_("Restaurant tips (244 bills): tip against total_bill"), ("total_bill",), "tip",
                    N_("Bryant & Smith (1995), *Practical Data Analysis: Case Studies in Business "
                       "Statistics*; the copy in R's reshape2 package (Rdatasets), seaborn and "
                       "plotly.express.data. No licence is stated with it.")),
    "gapminder": Dataset(N_("Gapminder 2007 (142 countries): lifeExp against log10 of gdpPercap"),
                         ("log10_gdpPercap",), "lifeExp",
                         N_("Gapminder Foundation (gapminder.org/data), the 2007 rows of the copy in "
                            "plotly.express.data; free material under CC BY 4.0. log10_gdpPercap is "
                            "computed here.")),
    "iris": Dataset(N_("Iris flowers (150): petal_width against petal_length"), ("petal_length",),
                    "petal_width",
                    N_("R. A. Fisher (1936), measurements by E. Anderson (1935); the copy in "
                       "plotly.express.data, also in the UCI Machine Learning Repository "
                       "(CC BY 4.0).")),
}


def csv_bytes(name):
    """The data set `name` (a key of BUILTIN) as the CSV bytes a user could have uploaded."""
    return LOADERS[name]().to_csv(index=False).encode("utf-8")


@st.cache_data(max_entries=len(BUILTIN), show_spinner=False)
def table(name):
    """The data set `name` as a core.userdata.Table (read once per process: it is pure)."""
    return read_table(csv_bytes(name))


# distinct uploaded files whose tables the server keeps: each at most core.userdata.MAX_CELLS
# numbers (76 MB), so at most about 230 MB of tables however many tabs show them
UPLOADS_KEPT = 3


def digest(raw):
    """The name of a file's content in the uploads' cache: the sha256 of its bytes (hex)."""
    return hashlib.sha256(raw).hexdigest()


@st.cache_resource(max_entries=UPLOADS_KEPT, show_spinner=False)
def uploaded_table(sha256, _get_bytes):
    """(Table, None) or (None, Problem) for the file whose bytes' sha256 is `sha256`; _get_bytes()
    returns those bytes (hidden from the key: the digest names them).

    Read once per distinct file for the whole server, not once per tab: every session that
    uploads the same bytes is given the same Table, whose values are read-only. A resource
    cache, not st.cache_data, because st.cache_data would unpickle a fresh copy of the table
    (up to 76 MB) for every session on every rerun. A refusal is kept as its Problem only: the
    DataError's traceback would keep the reader's frames (the file's bytes) alive."""
    try:
        return read_table(_get_bytes()), None
    except DataError as exc:
        return None, exc.problem


def data_csv(X, y, features, target):
    """X (n, d) and y (n,) as CSV under their columns' names, safe to open in a spreadsheet (no
    cell or name runs as a formula: core.userdata.safe_frame)."""
    df = pd.DataFrame(np.asarray(X), columns=[str(f) for f in features])
    df[str(target)] = np.asarray(y)
    return safe_frame(df).to_csv(index=False)


def export_settings(run_settings, dataset, file_name, features, target, standardise):
    """The settings a run on chosen data exports (JSON): the trainer's, and which data — the data
    set (a key of BUILTIN, or "upload" with the file's name), the feature columns, the target and
    whether the features were standardised. w and b are the least-squares optimum the run aimed at."""
    spec = {k: v for k, v in run_settings.items() if k != "data"}    # the player's internal key
    spec.update(dataset=dataset, file=file_name, features=[str(f) for f in features], target=str(target),
                standardise=bool(standardise))
    return spec
