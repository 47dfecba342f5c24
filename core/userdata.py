"""Your own data: the raw bytes of an uploaded file made into a table of numbers, or Problems.

read_table(raw) guesses what a spreadsheet program would (encoding, separator, decimal comma,
thousands marks, header), reads the file with pandas' C parser in bounded memory and says what
it assumed or changed as notices; choose(table, features, target) picks X and y for the trainer.
What cannot be used is refused with a DataError holding a core.problems.Problem: a code and its
parameters, worded by the UI in the user's language.

Column names and cells are the file's own text, kept verbatim as plain strings: nothing here is
markup, and a name such as "<b>x</b>" or "**x**" is just that name. Wherever such text goes into a
Problem it is the parameter "text" (names repr'd and comma-joined), which ui.i18n.word shows
literally. Plain numpy and pandas; never imports streamlit or plotly.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from typing import NamedTuple

import numpy as np
import pandas as pd

from .data import DATA_BOUND
from .landscape import Standardised, standardise
from .problems import Problem

MAX_BYTES = 100 * 2**20     # Streamlit's uploader allows 200 MB; a million rows of 3 floats is ~60 MB
MAX_ROWS = 1_000_000
MAX_COLS = 100
MAX_FEATURES = 10
HUGE = 1e150                # beyond this even standardising squares past float64 range
HEAD_ROWS = 10              # rows of the file kept as read, every column, for display
SEPARATORS = ("\t", ";", "|", ",")          # preferred in this order when equally good
# (decimal mark, thousands mark), preferred in this order when equally good
FORMATS = ((".", None), (",", None), (".", ","), (",", "."), (".", " "), (",", " "))
# pandas' default missing-value tokens (read_csv keep_default_na)
NA_TOKENS = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
_SNIFF_BYTES = 64 * 1024
_SNIFF_RECORDS = 200
_CHUNK = 4 * 2**20


class DataError(ValueError):
    """A file or a choice that cannot be used; .problem holds why, as data."""

    def __init__(self, problem: Problem):
        super().__init__(problem.english())
        self.problem = problem


def _refuse(code, **params):
    raise DataError(Problem(code, params))


def _names(names, limit=8):
    """Names as one "text" parameter: 'a', 'b', … (repr'd, so quotes and spaces show)."""
    names = list(names)
    text = ", ".join(repr(str(n)) for n in names[:limit])
    return text + (", …" if len(names) > limit else "")


class Table(NamedTuple):
    """A file read. n rows (header excluded, skipped rows excluded), c columns."""

    columns: tuple          # (c,) every column's name, unique, in file order
    numeric: tuple          # the columns of numbers, in file order (a subset of columns)
    values: np.ndarray      # (n, len(numeric)) float64, column-major; NaN: empty or not a number
    head: pd.DataFrame      # the first HEAD_ROWS rows, every column, as read: for display only
    notices: tuple          # Problems: what was assumed or changed while reading
    encoding: str           # "UTF-8", "UTF-8 (BOM)", "UTF-16 LE", "Windows-1252", ...
    sep: str                # "," ";" "\t" "|"
    decimal: str            # "." or ","
    thousands: str | None   # ",", ".", " " or None
    header: bool            # False: the columns were named "column 1", "column 2", ...

    @property
    def rows(self):
        return self.values.shape[0]


# ---- bytes to text --------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32 LE"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 BE"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (BOM)"),
         (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE"))


def _decodes(raw, encoding):
    """True when raw is valid in encoding, checked in chunks (no copy of the whole text)."""
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        for i in range(0, len(raw), _CHUNK):
            dec.decode(raw[i:i + _CHUNK])
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _to_text_bytes(raw):
    """(data, codec, label, guessed): data is ASCII-compatible bytes (UTF-16/32 re-encoded as
    UTF-8, a UTF-8 BOM dropped) that pandas reads with codec. DataError when not a text table."""
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        _refuse("spreadsheet_file")          # xlsx / ods (zip) or an old .xls
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as exc:
                _refuse("not_text", offset=int(exc.start))
            text = text.lstrip("\ufeff")
            if "\x00" in text:
                _refuse("not_text", offset=text.index("\x00"))
            return text.encode("utf-8"), "utf-8", label, False
    nul = raw.find(b"\x00")
    if nul >= 0:
        _refuse("not_text", offset=nul)
    if _decodes(raw, "utf-8"):
        return raw, "utf-8", "UTF-8", False
    if _decodes(raw, "cp1252"):
        return raw, "cp1252", "Windows-1252", True
    return raw, "latin-1", "Latin-1", True


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _looks_binary(text):
    return len(_CONTROL.findall(text)) > max(2, len(text) // 100)


# ---- what the file looks like ---------------------------------------------------------------

def _number_re(decimal, thousands):
    d = re.escape(decimal)
    whole = r"\d+" if thousands is None else rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+"
    return re.compile(rf"[+-]?(?:(?:(?:{whole})(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)",
                      re.IGNORECASE)


def _cells(records):
    return [c.strip() for r in records for c in r if c.strip() not in NA_TOKENS]


def _best_format(records, sep):
    """(decimal, thousands, share of non-empty cells that are numbers) for these records."""
    cells = _cells(records)
    best = (".", None, 0.0)
    for decimal, thousands in FORMATS:
        if decimal == sep:
            continue
        number = _number_re(decimal, thousands)
        share = sum(1 for c in cells if number.fullmatch(c)) / max(len(cells), 1)
        if share > best[2]:
            best = (decimal, thousands, share)
    return best


def _sniff_records(text, sep):
    rows = []
    for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
        if "".join(r).strip():
            rows.append(r)
            if len(rows) == _SNIFF_RECORDS:
                break
    return rows


def _sniff(text, forced_sep=None):
    """(sep, decimal, thousands, records) from the first lines of the file."""
    scored = []
    for pref, sep in enumerate(SEPARATORS):
        if forced_sep is not None and sep != forced_sep:
            continue
        records = _sniff_records(text, sep)
        widths = Counter(len(r) for r in records)
        mode, count = widths.most_common(1)[0] if widths else (0, 0)
        body = records[1:] or records
        decimal, thousands, share = _best_format(body, sep)
        consistent = count / max(len(records), 1)
        scored.append(((mode >= 2, round(share, 2), round(consistent, 1), -pref),
                       (sep, decimal, thousands, records)))
    if not scored:                      # a "sep=" line naming a separator we do not read
        return _sniff(text)
    return max(scored, key=lambda s: s[0])[1]


def _has_header(records, number):
    """The first record is a header when none of its cells is a number, or when it has a word
    above a column of numbers."""
    if not records:
        return False
    first = [c.strip() for c in records[0]]
    words = [bool(c) and c not in NA_TOKENS and not number.fullmatch(c) for c in first]
    filled = [bool(c) and c not in NA_TOKENS for c in first]
    if any(filled) and all(w for w, f in zip(words, filled) if f):
        return True
    for j, word in enumerate(words):
        column = [r[j].strip() for r in records[1:] if j < len(r) and r[j].strip() not in NA_TOKENS]
        if word and column and sum(1 for c in column if number.fullmatch(c)) >= len(column) / 2:
            return True
    return False


def _widths(data, sep, codec):
    """(widths, lines): fields per non-blank record and its 1-based line, both (records,) int.

    Without quotes, counted on the bytes with numpy in chunks; with quotes, by the csv module
    (streaming). Blank lines (spaces only) are skipped, as pandas skips them."""
    if b'"' in data:
        widths, lines = [], []
        reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline=""),
                            delimiter=sep)
        for r in reader:
            if len(r) > 1 or (r and r[0].strip(" \t" if sep != "\t" else " ")):
                widths.append(len(r))
                lines.append(reader.line_num)
        return np.asarray(widths, dtype=np.int64), np.asarray(lines, dtype=np.int64)
    arr = np.frombuffer(data, dtype=np.uint8)
    code = ord(sep)
    ends, seps = [], []
    for start in range(0, arr.size, _CHUNK):
        chunk = arr[start:start + _CHUNK]
        ends.append(np.flatnonzero(chunk == 10) + start)
        seps.append(np.flatnonzero(chunk == code) + start)
    ends = np.concatenate(ends + [np.array([arr.size])])
    starts = np.concatenate([[0], ends[:-1] + 1])
    count = np.zeros(ends.size, dtype=np.int64)
    for s in seps:
        count += np.bincount(np.searchsorted(ends, s), minlength=ends.size)
    del seps
    length = ends - starts
    maybe_blank = (count == 0) & ((length == 0) | np.isin(arr[np.minimum(starts, arr.size - 1)],
                                                            (32, 13, 9)))
    blank = maybe_blank.copy()
    for i in np.flatnonzero(maybe_blank & (length > 0)):
        blank[i] = not data[starts[i]:ends[i]].strip(b" \r" if sep == "\t" else b" \t\r")
    keep = ~blank
    return count[keep] + 1, np.flatnonzero(keep) + 1


def _clean_name(cell, j):
    name = " ".join(str(cell).split())              # newlines and tabs in a quoted header
    return name if name else f"column {j + 1}"


def _unique(names):
    """("x", "x", "y") -> ("x", "x (2)", "y"), and which names were repeated."""
    seen, out, repeated = set(names), [], []
    counts = Counter()
    for name in names:
        counts[name] += 1
        if counts[name] == 1:
            out.append(name)
            continue
        if counts[name] == 2:
            repeated.append(name)
        k = counts[name]
        while f"{name} ({k})" in seen:
            k += 1
        counts[name] = k
        seen.add(f"{name} ({k})")
        out.append(f"{name} ({k})")
    return out, repeated


def _as_numbers(column, decimal, thousands):
    """A column pandas left as text: (float64 (n,), cells that are not numbers, non-empty cells)."""
    text = column.astype("string").str.strip()
    if thousands is not None:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    filled = int(column.notna().sum())
    return values, filled - int(np.count_nonzero(~np.isnan(values))), filled


# ---- the reader -----------------------------------------------------------------------------

def read_table(raw: bytes, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_cols=MAX_COLS) -> Table:
    """The file's bytes as a Table; DataError(Problem) when it cannot be used at all.

    Encoding: a BOM (UTF-8, UTF-16 LE/BE, UTF-32) decides; else UTF-8 if valid, else
    Windows-1252, else Latin-1 (a notice says which). Separator: tab, ";", "|" or "," (or an
    Excel "sep=;" first line), with decimal comma and thousands marks ("1,234.5", "1.234,5",
    "1 234") guessed from the first 200 records. Rows with more fields than the header are
    skipped, shorter ones padded with missing values; both counted in notices. Numbers are read
    exactly (a float written with repr reads back bit for bit). Memory: about three times the
    file at most, plus the numbers, 8 bytes each.
    """
    raw = bytes(raw)
    if len(raw) > max_bytes:
        _refuse("file_too_big", size=len(raw), limit=int(max_bytes),
                size_mb=round(len(raw) / 2**20, 1), limit_mb=round(max_bytes / 2**20, 1))
    if not raw.strip():
        _refuse("file_empty")
    data, codec, encoding, guessed = _to_text_bytes(raw)
    del raw
    if b"\n" not in data and b"\r" in data:         # classic Mac line ends
        data = data.replace(b"\r", b"\n")
    head_text = data[:_SNIFF_BYTES].decode(codec, errors="replace")
    if len(data) > _SNIFF_BYTES and "\n" in head_text:
        head_text = head_text[:head_text.rindex("\n")]
    if not head_text.strip(" \t\r\n\ufeff"):
        _refuse("file_empty")
    if _looks_binary(head_text):
        _refuse("not_text", offset=_CONTROL.search(head_text).start())
    forced = re.match(r"\s*sep=(.)\s*\n", head_text)
    if forced:
        skip = data.index(b"\n") + 1
        data, head_text = data[skip:], head_text[forced.end():]
    if "\u00a0" in head_text or "\u202f" in head_text:      # French thousands marks
        data = data.decode(codec).replace("\u00a0", " ").replace("\u202f", " ").encode(codec)
        head_text = head_text.replace("\u00a0", " ").replace("\u202f", " ")

    sep, decimal, thousands, records = _sniff(head_text, forced.group(1) if forced else None)
    if not records:
        _refuse("file_empty")
    number = _number_re(decimal, thousands)
    header = _has_header(records, number)
    if data.count(b"\n") > 2 * (max_rows + 1) + 1000:  # refuse before counting fields per line
        _refuse("too_many_rows", rows=data.count(b"\n"), limit=int(max_rows))
    widths, lines = _widths(data, sep, codec)
    head_width = len(records[0]) if header else 0
    body, body_lines = widths[int(header):], lines[int(header):]
    if body.size > max_rows:
        _refuse("too_many_rows", rows=int(body.size), limit=int(max_rows))
    width = max(head_width, int(np.bincount(body).argmax()) if body.size else 0)
    if width > max_cols:
        _refuse("too_many_columns", columns=width, limit=int(max_cols))
    if body.size == 0:
        _refuse("header_only", columns=head_width)
    # pandas truncates every row when the first one is longer than the names: give it room
    read_width = max(width, int(body[0]))
    if read_width > max_cols:
        _refuse("too_many_columns", columns=read_width, limit=int(max_cols))

    df = pd.read_csv(io.BytesIO(data), sep=sep, header=0 if header else None,
                     names=list(range(read_width)), index_col=False, decimal=decimal,
                     thousands=thousands, encoding=codec, engine="c", on_bad_lines="skip",
                     skipinitialspace=thousands != " ", float_precision="round_trip",
                     skip_blank_lines=True)
    del data
    long_rows = body > width
    if read_width > width and len(df) == int(np.count_nonzero(body <= read_width)):
        df = df[~long_rows[body <= read_width]].iloc[:, :width].reset_index(drop=True)
    skipped = body.size - len(df)
    short = body < width

    notices = []
    if guessed:
        notices.append(Problem("encoding_guessed", {"encoding": encoding}))
    if decimal == ",":
        notices.append(Problem("decimal_comma", {}))
    if thousands is not None:
        notices.append(Problem("thousands_separator", {"mark": thousands}))
    if not header:
        notices.append(Problem("no_header", {"columns": width}))
    if skipped:
        notices.append(Problem("rows_skipped", {"count": int(skipped), "expected": width,
                                                "line": int(body_lines[long_rows][0])
                                                if long_rows.any() else 0}))
    if short.any():
        notices.append(Problem("rows_padded", {"count": int(short.sum()), "expected": width,
                                               "line": int(body_lines[short][0])}))
    if len(df) < 2:
        _refuse("too_few_rows", rows=len(df), needed=2, features=1)

    cells = [c for c in records[0]] if header else []
    names = [_clean_name(cells[j] if j < len(cells) else "", j) for j in range(width)]
    unnamed = sum(1 for j in range(width) if header and not (j < len(cells) and cells[j].strip()))
    if unnamed:
        notices.append(Problem("unnamed_columns", {"count": unnamed}))
    empty = [j for j in range(width) if df[j].isna().all()]
    if empty:
        notices.append(Problem("empty_columns", {"count": len(empty),
                                                 "text": _names(names[j] for j in empty)}))
    kept = [j for j in range(width) if j not in set(empty)]
    unique, repeated = _unique([names[j] for j in kept])
    if repeated:
        notices.append(Problem("duplicate_names", {"count": len(repeated), "text": _names(repeated)}))

    numeric, columns, text_cols = {}, {}, []
    for j, name in zip(kept, unique):
        col = df[j]
        columns[name] = col
        if col.dtype.kind in "iuf":
            numeric[name] = col.to_numpy(dtype=float)
            continue
        if col.dtype.kind == "b":
            text_cols.append(name)
            continue
        values, bad, filled = _as_numbers(col, decimal, thousands)
        if bad * 2 > filled:
            text_cols.append(name)
            continue
        numeric[name] = values
        if bad:
            notices.append(Problem("non_numeric_cells", {"text": repr(name), "count": bad}))
    if text_cols:
        notices.append(Problem("text_columns", {"count": len(text_cols), "text": _names(text_cols)}))
    if len(numeric) < 2:
        _refuse("too_few_numeric_columns", count=len(numeric), needed=2, text=_names(text_cols))

    head = pd.DataFrame({name: (pd.Series(numeric[name][:HEAD_ROWS]) if name in numeric
                                else col.iloc[:HEAD_ROWS].reset_index(drop=True))
                         for name, col in columns.items()})
    values = np.empty((len(df), len(numeric)), order="F")
    for k, name in enumerate(numeric):
        values[:, k] = numeric[name]
    del df
    return Table(tuple(unique), tuple(n for n in unique if n not in set(text_cols)), values, head,
                 tuple(notices), encoding, sep, decimal, thousands, header)


def numeric_columns(table: Table) -> tuple:
    """The columns that can be features or the target."""
    return table.numeric


def text_columns(table: Table) -> tuple:
    """The columns that are not numbers, so can be neither features nor the target."""
    return tuple(c for c in table.columns if c not in set(table.numeric))


def sample(table: Table, k=20, seed=0) -> pd.DataFrame:
    """k rows drawn at random (without replacement, in file order) from the numeric columns,
    indexed by their row number (1-based, header excluded): a look at a big file."""
    n = table.rows
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=min(int(k), n), replace=False))
    return pd.DataFrame(table.values[rows], columns=list(table.numeric), index=rows + 1)


# ---- choosing X and y -----------------------------------------------------------------------

class Choice(NamedTuple):
    """What the trainer gets: X (n, d) and y (n,) float64, finite, |values| <= data.DATA_BOUND,
    rows with a missing value dropped; scaling (mean (d,), std (d,)) when X was standardised,
    for landscape.to_original_units, else None."""

    X: np.ndarray
    y: np.ndarray
    notices: tuple
    scaling: Standardised | None = None


def choose(table: Table, features, target, standardise_features=False) -> Choice:
    """X from the columns `features` (1 to MAX_FEATURES names) and y from `target`;
    DataError(Problem) when they cannot be used. standardise_features=True centres and scales
    each feature (constant ones are only centred); it is required for features beyond
    data.DATA_BOUND."""
    features = list(dict.fromkeys(str(f) for f in features))
    if not features:
        _refuse("no_features", max=MAX_FEATURES)
    if len(features) > MAX_FEATURES:
        _refuse("too_many_features", count=len(features), max=MAX_FEATURES)
    for name in [*features, target]:
        if name not in table.columns:
            _refuse("unknown_column", text=repr(str(name)))
        if name not in table.numeric:
            _refuse("not_numeric", text=repr(str(name)))
    if target in features:
        _refuse("target_is_feature", text=repr(str(target)))
    names = [*features, target]
    idx = [table.numeric.index(name) for name in names]
    for name, k in zip(names, idx):
        inf = int(np.count_nonzero(np.isinf(table.values[:, k])))
        if inf:
            _refuse("not_finite", text=repr(name), count=inf)
    data = table.values[:, idx]                       # (n, d + 1), a copy
    missing = np.isnan(data)
    notices = []
    if missing.any():
        drop = missing.any(axis=1)
        notices.append(Problem("rows_dropped", {
            "count": int(drop.sum()), "total": table.rows,
            "text": _names(n for n, m in zip(names, missing.any(axis=0)) if m)}))
        data = data[~drop]
    d, n = len(features), data.shape[0]
    if n < d + 1:
        _refuse("too_few_rows", rows=n, needed=d + 1, features=d)
    top = np.abs(data).max(axis=0)
    for name, t in zip(names, top):
        if t > HUGE:
            _refuse("too_large", text=repr(name), value=f"{t:.3g}", bound=f"{HUGE:g}")
    if top[-1] > DATA_BOUND:
        _refuse("too_large", text=repr(target), value=f"{top[-1]:.3g}", bound=f"{DATA_BOUND:g}")
    if not standardise_features and top[:-1].max() > DATA_BOUND:
        k = int(np.argmax(top[:-1]))
        _refuse("needs_standardising", text=repr(features[k]), value=f"{top[k]:.3g}",
                bound=f"{DATA_BOUND:g}")
    X, y = np.ascontiguousarray(data[:, :d]), data[:, d].copy()
    del data
    constant = X.min(axis=0) == X.max(axis=0)
    for k in np.flatnonzero(constant):
        notices.append(Problem("constant_feature", {"text": repr(features[k])}))
    scaling = None
    if standardise_features:
        mean, std = X.mean(axis=0), np.ones(d)
        live = ~constant
        if live.any():
            s = standardise(X[:, live])
            X[:, live], mean[live], std[live] = s.X, s.mean, s.std
        X[:, constant] = 0.0
        scaling = Standardised(X, mean, std)
    notices += _conditioning(X, constant, standardise_features)
    if n < 10 * (d + 1):
        notices.append(Problem("few_rows", {"rows": n, "features": d, "advised": 10 * (d + 1)}))
    return Choice(X, y, tuple(notices), scaling)


def _conditioning(X, constant, standardised):
    """Notices on the Hessian [X, 1]^T [X, 1] / n: dependent features (beyond constant ones),
    or, unstandardised, a condition number that makes SGD creep."""
    live = ~constant
    if live.sum() >= 2:
        Z = X[:, live] - X[:, live].mean(axis=0)
        std = Z.std(axis=0)
        Z /= np.where(std > 0, std, 1.0)
        ev = np.linalg.eigvalsh(Z.T @ Z / Z.shape[0])
        rank = int(np.count_nonzero(ev > 1e-10 * ev[-1]))
        if rank < ev.size:
            return [Problem("collinear_features", {"rank": rank, "count": int(ev.size)})]
    if standardised or constant.any():
        return []
    n = X.shape[0]
    mean = X.mean(axis=0)
    H = np.block([[X.T @ X / n, mean[:, None]], [mean[None, :], np.ones((1, 1))]])
    ev = np.linalg.eigvalsh(H)
    kappa = ev[-1] / ev[0] if ev[0] > 0 else np.inf
    if kappa > 1e3:
        return [Problem("ill_conditioned", {"kappa": f"{kappa:.3g}"})]
    return []


# ---- export -------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell for CSV export that a spreadsheet will not run as a formula: text starting with
    = + - @ tab or CR gets a leading ' (OWASP's advice). Numbers, and text that is just a
    number such as "-1.5", are returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df with safe_cell applied to its column names and its text cells."""
    out = df.copy()
    out.columns = [safe_cell(str(c)) for c in df.columns]
    for c in out.columns:
        if out[c].dtype == object or isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].map(safe_cell)
    return out
