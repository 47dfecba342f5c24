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
from array import array
from collections import Counter
from typing import NamedTuple

import numpy as np
import pandas as pd

from .data import DATA_BOUND
from .landscape import Curvature, Standardised, curvature, standardise, to_original_units
from .problems import Problem
from .run import Theory

# Streamlit's uploader counts its maxUploadSize (100) in MB of 10^6 bytes (in MiB only in a browser
# on Windows): the reader's limit is the uploader's, so no file between the two gets Streamlit's
# English-only refusal on one side and this reader's on the other. A million rows of 3 floats is ~60 MB.
MB = 10**6
MAX_BYTES = 100 * MB
MAX_ROWS = 1_000_000
MAX_COLS = 100
# the memory budget: reading one file takes at most READ_BUDGET_MB above its own bytes (a copy
# of the bytes with LF line ends while counting, then the table and one chunk of pandas' objects;
# the worst file within the caps peaked at 165 MB: bench_upload.py --worst, BENCHMARKS.md), and
# the table kept is at most MAX_CELLS float64 numbers (80 MB): a million rows of ten
MAX_CELLS = 10_000_000
MAX_LINE_BYTES = 64 * 2**10  # a physical line; the sniffer reads whole first lines within 64 KB
READ_BUDGET_MB = 200
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
_SEP_CHUNK = 2**20          # bytes per pass when counting separators (8 bytes of position each)
_READ_CELLS = 250_000       # cells per chunk pandas parses (its text cells cost ~60 bytes each)
_READ_BYTES = 8 * 2**20     # and bytes of the file per chunk (a text cell holds its text too)
# the csv module's default longest field (characters). The limit is process-wide and importing
# MindSpore raises it to 10 MiB (mindspore/utils/runtime_execution_order_check.py): each read sets
# it back, so an upload is judged the same whether or not a student has used MindSpore first
FIELD_LIMIT = 131_072


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
                _refuse("bad_encoding", encoding=label.split(" (")[0], offset=int(exc.start))
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


def _line_ends(data):
    """(ends,): the position of every "\n" in data, int64, found in chunks (8 bytes a line)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = [np.flatnonzero(arr[i:i + _CHUNK] == 10) + i for i in range(0, arr.size, _CHUNK)]
    return np.concatenate(ends + [np.array([arr.size])]).astype(np.int64)


def _normalise_line_ends(data):
    """(data, lone, mixed): CR LF and a lone CR made LF, as pandas and spreadsheets read both as
    line ends, so that every count below counts what the parser reads; lone: how many lone CRs;
    mixed: whether the file also had other line ends (a lone CR in a file of LFs is unusual)."""
    if b"\r" not in data:
        return data, 0, False
    crlf = data.count(b"\r\n")
    lone = data.count(b"\r") - crlf
    mixed = bool(lone) and (crlf > 0 or data.count(b"\n") > crlf)
    if crlf:
        data = data.replace(b"\r\n", b"\n")
    if lone:
        data = data.replace(b"\r", b"\n")
    return data, lone, mixed


def _quoted_widths(data, sep, codec, ends):
    """(widths, lines, last): fields per non-blank record, the 1-based line it starts on, and
    the line where the last record starts; by the csv module, streaming. DataError when a quoted
    field runs past the csv module's limit: an unclosed quote (an odd number of quotes from
    there to the end), or a field that long."""
    widths, lines = array("q"), array("q")
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline=""),
                        delimiter=sep)
    start = 1
    try:
        for r in reader:
            if len(r) > 1 or (r and r[0].strip(" \t" if sep != "\t" else " ")):
                widths.append(len(r))
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field limit" not in str(exc):
            _refuse("unreadable")
        offset = int(ends[start - 2]) + 1 if start > 1 else 0
        if data.count(b'"', offset) % 2:
            _refuse("unclosed_quote", line=start)
        _refuse("field_too_long", line=start, limit=FIELD_LIMIT)
    return (np.frombuffer(widths, dtype=np.int64), np.frombuffer(lines, dtype=np.int64),
            int(lines[-1]) if lines else 1)


def _widths(data, sep, codec, ends):
    """(widths, lines, last): fields per non-blank record, its 1-based line, both (records,)
    int64, and the line where the last record starts.

    Without quotes, counted on the bytes with numpy in chunks (8 bytes per separator of one
    chunk at a time); with quotes, by the csv module (streaming). Blank lines (spaces only) are
    skipped, as pandas skips them."""
    if b'"' in data:
        return _quoted_widths(data, sep, codec, ends)
    arr = np.frombuffer(data, dtype=np.uint8)
    code = ord(sep)
    starts = np.concatenate([[0], ends[:-1] + 1])
    count = np.zeros(ends.size, dtype=np.int64)
    for start in range(0, arr.size, _SEP_CHUNK):
        at = np.flatnonzero(arr[start:start + _SEP_CHUNK] == code) + start
        count += np.bincount(np.searchsorted(ends, at), minlength=ends.size)
    length = ends - starts
    maybe_blank = (count == 0) & ((length == 0) | np.isin(arr[np.minimum(starts, arr.size - 1)],
                                                            (32, 13, 9)))
    blank = maybe_blank.copy()
    for i in np.flatnonzero(maybe_blank & (length > 0)):
        blank[i] = not data[starts[i]:ends[i]].strip(b" \r" if sep == "\t" else b" \t\r")
    keep = np.flatnonzero(~blank)
    return count[keep] + 1, keep + 1, int(keep[-1]) + 1 if keep.size else 1


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
    """A column (or a chunk of it) as pandas read it: (float64 (n,), cells that are not numbers,
    non-empty cells). Text is read as numbers here; true/false is not a number."""
    if column.dtype.kind in "iuf":
        values = column.to_numpy(dtype=float)
        return values, 0, int(np.count_nonzero(~np.isnan(values)))
    if column.dtype.kind == "b":
        return np.full(len(column), np.nan), len(column), len(column)
    text = column.astype("string").str.strip()
    if thousands is not None:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    filled = int(column.notna().sum())
    return values, filled - int(np.count_nonzero(~np.isnan(values))), filled


# ---- the reader -----------------------------------------------------------------------------

def read_table(raw: bytes, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_cols=MAX_COLS,
               max_cells=MAX_CELLS, max_line=MAX_LINE_BYTES) -> Table:
    """The file's bytes as a Table; DataError(Problem) when it cannot be used at all.

    Encoding: a BOM (UTF-8, UTF-16 LE/BE, UTF-32) decides; else UTF-8 if valid, else
    Windows-1252, else Latin-1 (a notice says which). Line ends: LF, CR LF or a lone CR, as
    pandas reads them (counted after they are made LF). Separator: tab, ";", "|" or "," (or an
    Excel "sep=;" first line), with decimal comma and thousands marks ("1,234.5", "1.234,5",
    "1 234") guessed from the first 200 records. Rows with more fields than the header are
    skipped, shorter ones padded with missing values; both counted in notices. Numbers are read
    exactly (a float written with repr reads back bit for bit).

    Memory, bounded before pandas reads a byte: at most max_rows rows, max_cols columns,
    max_cells cells (rows × columns, 8 bytes each in the table) and lines of max_line bytes; the
    parser is told how many rows to read and reads them in chunks of about _READ_CELLS cells, so
    its text cells never pile up. The peak is about the file once more plus the table
    (READ_BUDGET_MB at the limits; bench/bench_upload.py --worst measures it). The table's
    values are read-only: one Table may be shared by every session that uploads the same file.
    """
    raw = bytes(raw)
    if len(raw) > max_bytes:
        _refuse("file_too_big", size=len(raw), limit=int(max_bytes),
                size_mb=round(len(raw) / MB, 1), limit_mb=round(max_bytes / MB, 1))
    if not raw.strip():
        _refuse("file_empty")
    data, codec, encoding, guessed = _to_text_bytes(raw)
    del raw
    # pandas reads CR, CR LF and LF alike: it is given the bytes as they are, and the copy with
    # LF line ends, made only to count them, is freed before it reads (unless changed below)
    as_read = data
    data, lone_cr, mixed = _normalise_line_ends(data)
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
        data, head_text, as_read = data[skip:], head_text[forced.end():], None
    if "\u00a0" in head_text or "\u202f" in head_text:      # French thousands marks
        for space in ("\u00a0", "\u202f"):
            try:
                data = data.replace(space.encode(codec), b" ")
            except UnicodeEncodeError:                     # not in this code page
                pass
        head_text = head_text.replace("\u00a0", " ").replace("\u202f", " ")
        as_read = None

    sep, decimal, thousands, records = _sniff(head_text, forced.group(1) if forced else None)
    if not records:
        _refuse("file_empty")
    number = _number_re(decimal, thousands)
    header = _has_header(records, number)

    def too_many_rows(rows, width=None):
        if lone_cr:
            _refuse("too_many_rows_cr", rows=int(rows), count=int(lone_cr), limit=int(max_rows),
                    cells_limit=int(max_cells))
        if width is not None:
            _refuse("too_many_cells", rows=int(rows), columns=int(width), cells=int(rows) * int(width),
                    limit=int(max_cells), limit_mb=round(max_cells * 8 / MB))
        _refuse("too_many_rows", rows=int(rows), limit=int(max_rows))

    lines_total = data.count(b"\n") + 1
    if lines_total > 2 * (max_rows + 1) + 1000:      # refuse before counting fields per line
        too_many_rows(lines_total - 1)
    ends = _line_ends(data)
    length = np.diff(ends, prepend=-1) - 1
    if length.size and int(length.max()) > max_line:
        i = int(np.argmax(length > max_line))
        _refuse("line_too_long", line=i + 1, size_kb=round(int(length[i]) / 1024),
                limit_kb=round(max_line / 1024))
    del length
    widths, lines, last_line = _widths(data, sep, codec, ends)
    del ends
    head_width = len(records[0]) if header else 0
    body, body_lines = widths[int(header):], lines[int(header):]
    if body.size > max_rows:
        too_many_rows(body.size)
    width = max(head_width, int(np.bincount(body).argmax()) if body.size else 0)
    if width > max_cols:
        _refuse("too_many_columns", columns=width, limit=int(max_cols))
    if body.size == 0:
        _refuse("header_only", columns=head_width)
    if body.size * width > max_cells:
        too_many_rows(body.size, width)
    # pandas truncates every row when the first one is longer than the names: give it room
    read_width = max(width, int(body[0]))
    if read_width > max_cols:
        _refuse("too_many_columns", columns=read_width, limit=int(max_cols))

    long_rows = body > width
    n_read = int(np.count_nonzero(body <= read_width))      # the rest pandas skips as bad lines
    drop = long_rows[body <= read_width] if read_width > width else None   # (n_read,) left out
    full = np.empty((n_read - (int(drop.sum()) if drop is not None else 0), width), order="F")
    filled, bad = np.zeros(width, dtype=np.int64), np.zeros(width, dtype=np.int64)
    head, got, n = None, 0, 0
    # a chunk of at most _READ_CELLS cells and about _READ_BYTES of the file: its text cells
    # are Python strings (~50 bytes more than their text), freed before the next chunk
    mean_line = len(data) / max(lines_total, 1)
    chunk_rows = max(100, min(_READ_CELLS // read_width, int(_READ_BYTES / mean_line)))
    if as_read is not None:
        data = as_read
    del as_read
    try:
        reader = pd.read_csv(io.BytesIO(data), sep=sep, header=0 if header else None,
                             names=list(range(read_width)), index_col=False, decimal=decimal,
                             thousands=thousands, encoding=codec, engine="c", on_bad_lines="skip",
                             skipinitialspace=thousands != " ", float_precision="round_trip",
                             skip_blank_lines=True, nrows=n_read,
                             chunksize=chunk_rows)
        with reader:
            for chunk in reader:
                k = min(len(chunk), n_read - got)
                chunk = chunk.iloc[:k, :width]
                if drop is not None:
                    chunk = chunk[~drop[got:got + k]]
                got += k
                m = min(len(chunk), full.shape[0] - n)
                if head is None:
                    head = chunk.iloc[:HEAD_ROWS].reset_index(drop=True)
                for j in range(width):
                    if bad[j] * 2 > n_read:              # text whatever follows: not read as numbers
                        continue
                    v, b, f = _as_numbers(chunk[j].iloc[:m], decimal, thousands)
                    full[n:n + m, j] = v
                    bad[j] += b
                    filled[j] += f
                n += m
                del chunk
    except (pd.errors.ParserError, csv.Error, UnicodeDecodeError, ValueError) as exc:
        if "EOF inside string" in str(exc):
            _refuse("unclosed_quote", line=last_line)
        _refuse("unreadable")
    del data
    skipped = body.size - n
    short = body < width

    notices = []
    if guessed:
        notices.append(Problem("encoding_guessed", {"encoding": encoding}))
    if lone_cr and mixed:
        notices.append(Problem("lone_cr", {"count": int(lone_cr)}))
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
    if n < 2:
        _refuse("too_few_rows", rows=n, needed=2, features=1)

    cells = [c for c in records[0]] if header else []
    names = [_clean_name(cells[j] if j < len(cells) else "", j) for j in range(width)]
    unnamed = sum(1 for j in range(width) if header and not (j < len(cells) and cells[j].strip()))
    if unnamed:
        notices.append(Problem("unnamed_columns", {"count": unnamed}))
    empty = [j for j in range(width) if filled[j] == 0]
    if empty:
        notices.append(Problem("empty_columns", {"count": len(empty),
                                                 "text": _names(names[j] for j in empty)}))
    kept = [j for j in range(width) if j not in set(empty)]
    unique, repeated = _unique([names[j] for j in kept])
    if repeated:
        notices.append(Problem("duplicate_names", {"count": len(repeated), "text": _names(repeated)}))

    numeric, text_cols = [], []
    for j, name in zip(kept, unique):
        if bad[j] * 2 > filled[j]:
            text_cols.append(name)
            continue
        numeric.append(j)
        if bad[j]:
            notices.append(Problem("non_numeric_cells", {"text": repr(name), "count": int(bad[j])}))
    if text_cols:
        notices.append(Problem("text_columns", {"count": len(text_cols), "text": _names(text_cols)}))
    if len(numeric) < 2:
        _refuse("too_few_numeric_columns", count=len(numeric), needed=2, text=_names(text_cols))

    for k, j in enumerate(numeric):                 # the columns of numbers first, in place
        if k != j:
            full[:n, k] = full[:n, j]
    values = full[:n, :len(numeric)]
    if len(numeric) * 2 <= width:                   # keep the numbers, not the text columns' room
        values = np.array(values, order="F")
    del full
    values.flags.writeable = False
    as_number = {j: k for k, j in enumerate(numeric)}
    table_head = pd.DataFrame({name: pd.Series(values[:HEAD_ROWS, as_number[j]]) if j in as_number
                               else head[j] for j, name in zip(kept, unique)})
    return Table(tuple(unique), tuple(name for j, name in zip(kept, unique) if j in as_number),
                 values, table_head, tuple(notices), encoding, sep, decimal, thousands, header)


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


class Prepared:
    """A Choice made ready to train on, with what theory says of it: X (n, d) as trained
    (standardised or not), X_raw (n, d) in the file's units, y (n,), scaling (mean, std) or
    None; raw and standardised, the loss's Curvature in the file's units and with every
    feature standardised (why standardise, in numbers); theory, core.run.Theory of X, y, whose
    loss floor is the optimum's own loss (real data: no noise level is known)."""

    choice: Choice
    raw: Curvature
    standardised: Curvature
    theory: Theory

    def __init__(self, choice: Choice):
        self.choice, self.X, self.y, self.scaling = choice, choice.X, choice.y, choice.scaling
        if choice.scaling is not None:
            self.X_raw = choice.X * choice.scaling.std + choice.scaling.mean
            X_std = choice.X
        else:
            self.X_raw = choice.X
            std = choice.X.std(axis=0)
            X_std = (choice.X - choice.X.mean(axis=0)) / np.where(std > 0, std, 1.0)
        self.raw, self.standardised = curvature(self.X_raw), curvature(X_std)
        self.theory = Theory(self.X, self.y, 0.0)
        self.theory.loss_floor = self.theory.min_loss      # no noise known: the optimum's loss

    def original_units(self, w, b):
        """(w (d,), b) of the model as trained, in the file's units."""
        if self.scaling is None:
            return np.asarray(w, dtype=float), float(b)
        return to_original_units(w, b, self.scaling.mean, self.scaling.std)


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
# = + - @, tab, CR and LF, and the full-width and small forms of the four signs (and the minus
# sign), which a spreadsheet set to Chinese or Japanese reads as the signs themselves
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20",
                  "\ufe66", "\ufe62", "\ufe63", "\ufe6b", "\u2212")


def safe_cell(value):
    """A cell for CSV export that a spreadsheet will not run as a formula: text starting with
    = + - @ (or their full-width forms ＝ ＋ － ＠), tab, CR or LF gets a leading ' (OWASP's
    advice). Numbers, and text that is just a number such as "-1.5", are returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df with safe_cell applied to its column names and its text cells; names that
    become the same ("=a" and "'=a") are numbered as the reader numbers repeats ("'=a (2)")."""
    out = df.copy()
    out.columns = _unique([safe_cell(str(c)) for c in df.columns])[0]
    for k in range(out.shape[1]):
        col = out.iloc[:, k]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            out.isetitem(k, col.map(safe_cell))
    return out
