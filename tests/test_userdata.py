"""core.userdata: uploaded files to numbers or Problems. Every file is made here, in the test."""

import codecs
import io
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import core
from core.data import check_data
from core.landscape import to_original_units
from core.problems import MESSAGES
from core.userdata import (
    FIELD_LIMIT,
    MAX_CELLS,
    MAX_LINE_BYTES,
    READ_BUDGET_MB,
    DataError,
    choose,
    numeric_columns,
    read_table,
    safe_cell,
    safe_frame,
    sample,
    text_columns,
)


def refused(raw, **kw):
    with pytest.raises(DataError) as info:
        read_table(raw, **kw)
    return info.value.problem


def refused_choice(table, features, target, **kw):
    with pytest.raises(DataError) as info:
        choose(table, features, target, **kw)
    return info.value.problem


def codes(problems):
    return [p.code for p in problems]


def notice(problems, code):
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, (code, problems)
    return found[0].params


def csv_of(header, rows, sep=","):
    lines = ([sep.join(header)] if header else []) + [sep.join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def num(x):
    """The shortest text that reads back as x (numpy 2 reprs a float64 as 'np.float64(...)')."""
    return repr(float(x))


def line_data(n=50, seed=0):
    """x1, x2, y = 2 x1 - 3.4 x2 + 4.2 + noise, as a header and rows of repr'd floats."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X @ [2.0, -3.4] + 4.2 + rng.normal(0, 0.01, n)
    return np.column_stack([X, y])


# ---- refusals: the file ---------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused_with_both_sizes():
    p = refused(b"a,b\n1,2\n" * 200_000, max_bytes=10**6)
    assert p.code == "file_too_big"
    assert p.params["size"] == 1_600_000 and p.params["limit"] == 10**6
    assert p.params["limit_mb"] == 1.0 and p.params["size_mb"] == 1.6


@pytest.mark.parametrize("raw", [b"", b"  \n\r\n\t\n", codecs.BOM_UTF8,
                                 codecs.BOM_UTF16_LE + "\n".encode("utf-16-le")])
def test_an_empty_file_is_refused(raw):
    assert refused(raw).code == "file_empty"


def test_a_header_without_rows_is_refused_with_its_width():
    p = refused(b"height,weight,age\n\n")
    assert p.code == "header_only" and p.params == {"columns": 3}


def test_a_single_row_is_not_enough_and_says_how_many_are_needed():
    p = refused(b"x,y\n1.5,2.5\n")
    assert p.code == "too_few_rows" and p.params == {"rows": 1, "needed": 2, "features": 1}


def test_a_single_line_of_numbers_is_one_row_not_a_header():
    p = refused(b"1.5,2.5,3\n")
    assert p.code == "too_few_rows" and p.params["rows"] == 1


def test_binary_data_is_not_a_text_table():
    raw = b"x,y\n" + np.arange(100, dtype=np.float64).tobytes()
    p = refused(raw)
    assert p.code == "not_text" and p.params["offset"] == raw.index(b"\x00")


def test_binary_data_without_nul_bytes_is_not_a_text_table_either():
    assert refused(bytes(range(1, 256)) * 50).code == "not_text"


@pytest.mark.parametrize("magic", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_a_spreadsheet_workbook_is_told_to_be_saved_as_csv(magic):
    assert refused(magic + b"\x14\x00\x06\x00[Content_Types].xml").code == "spreadsheet_file"


def test_a_very_wide_file_is_refused_with_its_width_and_the_limit():
    raw = csv_of([f"x{j}" for j in range(150)], [range(150), range(150)])
    p = refused(raw, max_cols=100)
    assert p.code == "too_many_columns" and p.params == {"columns": 150, "limit": 100}


def test_too_many_rows_are_refused_with_the_count_and_the_limit():
    p = refused(csv_of(["x", "y"], [(i, i) for i in range(12)]), max_rows=10)
    assert p.code == "too_many_rows" and p.params == {"rows": 12, "limit": 10}


def test_a_file_of_words_has_too_few_columns_of_numbers():
    p = refused(b"name,city\nAda,London\nLin,Beijing\n")
    assert p.code == "too_few_numeric_columns"
    assert p.params["count"] == 0 and p.params["needed"] == 2
    assert p.params["text"] == "'name', 'city'"


def test_every_code_has_an_english_message_with_its_params():
    problems = [refused(b""), refused(b"a,b\n"), refused(b"x,y\n1,2\n"), refused(b"PK\x03\x04"),
                refused(b"a\x00"), refused(b"a,b\n" * 30, max_rows=5)]
    for p in problems:
        assert p.code in MESSAGES and "{" not in p.english()


# ---- reading: round trips and formats -------------------------------------------------------

def test_a_clean_csv_gives_back_the_exact_numbers():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(500, 3)) * 10.0 ** rng.integers(-300, 300, (500, 3))
    v[:5, 0] = [0.0, -0.0, 1.0, -7.0, 2.0**53]
    raw = csv_of(["a", "b", "c"], [[repr(float(x)) for x in row] for row in v])
    t = read_table(raw)
    assert t.columns == ("a", "b", "c") and t.numeric == t.columns and t.header
    assert (t.encoding, t.sep, t.decimal, t.thousands) == ("UTF-8", ",", ".", None)
    assert t.values.dtype == np.float64 and t.rows == 500
    np.testing.assert_array_equal(t.values, v)
    assert t.notices == ()


def test_integers_read_as_floats():
    t = read_table(b"n,m\n1,-2\n3,40000000000\n")
    np.testing.assert_array_equal(t.values, [[1, -2], [3, 4e10]])


@pytest.mark.parametrize("bom, codec, label", [(codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
                                              (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
                                              (codecs.BOM_UTF8, "utf-8", "UTF-8 (BOM)")])
def test_a_bom_decides_the_encoding(bom, codec, label):
    raw = bom + "Größe,Gewicht\n1.5,2\n2.5,3\n".encode(codec)
    t = read_table(raw)
    assert t.encoding == label and t.columns == ("Größe", "Gewicht")
    np.testing.assert_array_equal(t.values, [[1.5, 2], [2.5, 3]])
    assert "encoding_guessed" not in codes(t.notices)


def test_latin1_is_the_fallback_and_says_so():
    t = read_table("Größe;Preis €\n1,5;2\n2,5;3\n".encode("cp1252"))
    assert t.columns == ("Größe", "Preis €") and t.encoding == "Windows-1252"
    assert notice(t.notices, "encoding_guessed") == {"encoding": "Windows-1252"}
    np.testing.assert_array_equal(t.values, [[1.5, 2], [2.5, 3]])
    t = read_table("Gr\u00f6\u00dfe,x\n1,\x81\n2,3\n4,5\n".encode("latin-1"))   # 0x81: not cp1252
    assert t.encoding == "Latin-1" and t.columns[0] == "Größe"


def test_semicolons_with_decimal_commas():
    t = read_table(b"x;y;z\n1,5;-2,25;3\n0,125;1e3;-4,0\n")
    assert (t.sep, t.decimal, t.thousands) == (";", ",", None)
    np.testing.assert_array_equal(t.values, [[1.5, -2.25, 3], [0.125, 1000, -4]])
    assert codes(t.notices) == ["decimal_comma"]


@pytest.mark.parametrize("text, sep, decimal, mark", [
    ('x,y\n"1,234.5",1\n"12,345,678.25",2\n7.5,3\n', ",", ".", ","),
    ("x;y\n1.234,5;1\n12.345.678,25;2\n7,5;3\n", ";", ",", "."),
    ("x;y\n1 234,5;1\n12 345 678,25;2\n7,5;3\n", ";", ",", " "),
    ("x;y\n1\u00a0234,5;1\n12\u202f345\u202f678,25;2\n7,5;3\n", ";", ",", " "),
    ("x\ty\n1,234.5\t1\n12,345,678.25\t2\n7.5\t3\n", "\t", ".", ","),
])
def test_thousands_separators(text, sep, decimal, mark):
    t = read_table(text.encode())
    assert (t.sep, t.decimal, t.thousands) == (sep, decimal, mark)
    np.testing.assert_array_equal(t.values, [[1234.5, 1], [12345678.25, 2], [7.5, 3]])
    assert notice(t.notices, "thousands_separator") == {"mark": mark}


@pytest.mark.parametrize("sep", ["\t", "|", ";", ","])
def test_each_separator_is_found(sep):
    v = line_data(20)
    t = read_table(csv_of(["x 1", "x 2", "y"], [[num(x) for x in r] for r in v], sep=sep))
    assert t.sep == sep and t.columns == ("x 1", "x 2", "y")
    np.testing.assert_array_equal(t.values, v)


def test_an_excel_sep_line_names_the_separator():
    t = read_table(b"sep=;\r\na;b\r\n1;2\r\n3;4\r\n")
    assert t.sep == ";" and t.columns == ("a", "b")
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4]])


def test_old_mac_line_ends():
    t = read_table(b"a,b\r1,2\r3,4\r")
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4]])


def test_no_header_names_the_columns_and_says_so():
    t = read_table(b"1.5,2,3\n4,5,6\n")
    assert not t.header and t.columns == ("column 1", "column 2", "column 3")
    assert notice(t.notices, "no_header") == {"columns": 3}
    np.testing.assert_array_equal(t.values, [[1.5, 2, 3], [4, 5, 6]])


def test_a_word_column_without_header_is_data_not_a_header():
    t = read_table(b"red,1.5,2\nblue,2.5,3\ngreen,3,4\n")
    assert not t.header and t.numeric == ("column 2", "column 3")
    assert text_columns(t) == ("column 1",)


@pytest.mark.parametrize("quote", [False, True])
def test_ragged_rows_are_skipped_or_padded_and_counted(quote):
    q = '"' if quote else ""
    raw = (f"{q}a{q},b,c\n1,2,3\n4,5,6,7\n8,9\n\n10,11,12\n13,14,15,16,17\n18\n19,20,21\n").encode()
    t = read_table(raw)
    assert notice(t.notices, "rows_skipped") == {"count": 2, "expected": 3, "line": 3}
    assert notice(t.notices, "rows_padded") == {"count": 2, "expected": 3, "line": 4}
    np.testing.assert_array_equal(t.values, [[1, 2, 3], [8, 9, np.nan], [10, 11, 12],
                                             [18, np.nan, np.nan], [19, 20, 21]])


def test_a_long_first_row_does_not_cut_every_row():
    # pandas alone, given 2 names, would drop the third field of every row here
    t = read_table(b"a,b\n1,2,99\n3,4\n5,6\n")
    assert notice(t.notices, "rows_skipped")["count"] == 1
    np.testing.assert_array_equal(t.values, [[3, 4], [5, 6]])


def test_a_trailing_separator_on_every_line_leaves_no_column_behind():
    t = read_table(b"a;b;\n1;2;\n3;4;\n")
    assert t.columns == ("a", "b")
    assert notice(t.notices, "empty_columns") == {"count": 1, "text": "'column 3'"}
    assert notice(t.notices, "unnamed_columns") == {"count": 1}


def test_duplicate_names_are_made_unique():
    t = read_table(b"x,x,y,x,x (2)\n1,2,3,4,5\n6,7,8,9,10\n")
    assert t.columns == ("x", "x (3)", "y", "x (4)", "x (2)")
    assert notice(t.notices, "duplicate_names") == {"count": 1, "text": "'x'"}
    np.testing.assert_array_equal(choose(t, ["x (3)"], "x (2)").X[:, 0], [2, 7])


def test_html_and_markdown_names_stay_plain_strings():
    names = ["<b>x</b>", "**y**", "[z](http://example.com)", "<script>alert(1)</script>", "$a_1$"]
    t = read_table(csv_of(names, [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]))
    assert t.columns == tuple(names) and all(type(c) is str for c in t.columns)
    assert list(t.head.columns) == names
    p = refused_choice(t, ["<b>x</b>"], "<b>x</b>")
    assert p.params["text"] == repr("<b>x</b>")


def test_cells_that_are_not_numbers_count_as_missing_in_a_column_of_numbers():
    t = read_table(b"x,y,label\n1,2,a\n?,3,b\n4,-,c\n5,6,d\n")
    assert t.numeric == ("x", "y") and text_columns(t) == ("label",)
    assert [p.params for p in t.notices if p.code == "non_numeric_cells"] == [
        {"text": "'x'", "count": 1}, {"text": "'y'", "count": 1}]
    assert notice(t.notices, "text_columns") == {"count": 1, "text": "'label'"}
    assert list(t.head["label"]) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(t.values, [[1, 2], [np.nan, 3], [4, np.nan], [5, 6]])


def test_a_million_rows_parse_in_bounded_memory(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(0)
    v = rng.normal(size=(n, 3))
    path = tmp_path / "big.csv"
    pd.DataFrame(v, columns=["x1", "x2", "y"]).to_csv(path, index=False)
    np.save(tmp_path / "v.npy", v)
    child = textwrap.dedent(f"""
        import sys, time
        import numpy as np
        sys.path.insert(0, {str(core.__path__[0] + '/..')!r})
        from core.userdata import read_table, sample
        raw = open({str(path)!r}, "rb").read()
        t0 = time.perf_counter()
        t = read_table(raw)
        seconds = time.perf_counter() - t0
        # VmHWM: this process's own peak. ru_maxrss is not: spawned by vfork, a child's
        # ru_maxrss starts at its parent's RSS (pytest's, ~700 MB late in the suite)
        peak = next(int(ln.split()[1]) for ln in open("/proc/self/status")
                    if ln.startswith("VmHWM:")) / 1024
        del raw
        v = np.load({str(tmp_path / 'v.npy')!r})
        assert t.rows == {n} and t.columns == ("x1", "x2", "y")
        assert np.array_equal(t.values, v)
        assert sample(t, 5, seed=1).shape == (5, 3)
        print(f"{{peak:.0f}} {{seconds:.2f}}")
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    peak_mb, _seconds = map(float, out.stdout.split())
    assert peak_mb < 400, f"peak RSS {peak_mb} MB"          # the file alone is ~58 MB


def test_sample_draws_rows_in_file_order_by_their_number():
    v = line_data(100)
    t = read_table(csv_of(["a", "b", "c"], [[num(x) for x in r] for r in v]))
    s = sample(t, 7, seed=3)
    assert list(s.columns) == ["a", "b", "c"] and len(s) == 7
    assert list(s.index) == sorted(s.index) and 1 <= s.index.min() and s.index.max() <= 100
    np.testing.assert_array_equal(s.to_numpy(), v[s.index - 1])
    assert sample(t, 7, seed=3).equals(s) and len(sample(t, 1000)) == 100


# ---- choosing X and y -----------------------------------------------------------------------

@pytest.fixture
def table():
    v = line_data(200)
    return read_table(csv_of(["x1", "x2", "y", "name"],
                             [[*map(num, r), f"row{i}"] for i, r in enumerate(v)])), v


def test_choose_gives_what_the_trainer_takes(table):
    t, v = table
    assert numeric_columns(t) == ("x1", "x2", "y")
    c = choose(t, ["x1", "x2"], "y")
    np.testing.assert_array_equal(c.X, v[:, :2])
    np.testing.assert_array_equal(c.y, v[:, 2])
    check_data(c.X, c.y)
    assert c.notices == () and c.scaling is None
    w_star, b_star = core.lstsq_optimum(c.X, c.y)
    np.testing.assert_allclose(w_star, [2, -3.4], atol=0.01)


@pytest.mark.parametrize("features, target, code, params", [
    ([], "y", "no_features", {"max": 10}),
    ([f"x{i}" for i in range(11)], "y", "too_many_features", {"count": 11, "max": 10}),
    (["x1", "height"], "y", "unknown_column", {"text": "'height'"}),
    (["x1"], "nope", "unknown_column", {"text": "'nope'"}),
    (["x1", "name"], "y", "not_numeric", {"text": "'name'"}),
    (["x1"], "name", "not_numeric", {"text": "'name'"}),
    (["x1", "y"], "y", "target_is_feature", {"text": "'y'"}),
])
def test_a_bad_choice_is_refused(table, features, target, code, params):
    p = refused_choice(table[0], features, target)
    assert (p.code, p.params) == (code, params)


def test_rows_with_a_missing_value_are_dropped_and_counted():
    t = read_table(b"a,b,c,y\n1,2,,1\n2,,5,2\n3,4,6,3\n4,5,7,4\n5,6,8,\n")
    c = choose(t, ["a", "b"], "y")
    assert notice(c.notices, "rows_dropped") == {"count": 2, "total": 5, "text": "'b', 'y'"}
    np.testing.assert_array_equal(c.X, [[1, 2], [3, 4], [4, 5]])
    np.testing.assert_array_equal(c.y, [1, 3, 4])


def test_too_few_complete_rows_for_the_features():
    t = read_table(b"a,b,y\n1,2,3\n4,,6\n7,8,9\n")
    p = refused_choice(t, ["a", "b"], "y")
    assert p.code == "too_few_rows" and p.params == {"rows": 2, "needed": 3, "features": 2}


def test_infinities_are_refused_never_a_nan_later():
    t = read_table(b"a,y\n1,2\ninf,3\n-1e400,4\n5,6\n")
    p = refused_choice(t, ["a"], "y")
    assert p.code == "not_finite" and p.params == {"text": "'a'", "count": 2}


def test_values_near_the_float_limit_are_refused():
    t = read_table(b"a,b,y\n1,1e200,2\n2,3,3\n3,4,1\n")
    p = refused_choice(t, ["a", "b"], "y", standardise_features=True)
    assert p.code == "too_large" and p.params == {"text": "'b'", "value": "1e+200", "bound": "1e+150"}


def test_a_huge_target_is_refused_with_the_data_bound():
    t = read_table(b"a,y\n1,2e13\n2,3\n3,4\n")
    p = refused_choice(t, ["a"], "y", standardise_features=True)
    assert p.code == "too_large" and p.params == {"text": "'y'", "value": "2e+13", "bound": "1e+12"}


def test_huge_features_need_standardising_and_then_fit():
    rng = np.random.default_rng(0)
    x = 1e14 + 1e13 * rng.normal(size=300)
    y = 3e-13 * x + 1 + rng.normal(0, 0.01, 300)
    t = read_table(csv_of(["x", "y"], [(num(a), num(b)) for a, b in zip(x, y)]))
    p = refused_choice(t, ["x"], "y")
    assert p.code == "needs_standardising" and p.params["text"] == "'x'"
    assert p.params["bound"] == "1e+12"
    c = choose(t, ["x"], "y", standardise_features=True)
    check_data(c.X, c.y)
    assert abs(c.X.mean()) < 1e-9 and abs(c.X.std() - 1) < 1e-9
    w, b = to_original_units(*core.lstsq_optimum(c.X, c.y), c.scaling.mean, c.scaling.std)
    assert w[0] == pytest.approx(3e-13, rel=1e-2) and b == pytest.approx(1, abs=0.5)


def test_a_constant_column_is_a_notice_and_the_trainer_still_runs():
    v = line_data(100)
    rows = [(num(a), "7", num(y)) for a, _, y in v]
    t = read_table(csv_of(["x", "k", "y"], rows))
    for standardised in (False, True):
        c = choose(t, ["x", "k"], "y", standardise_features=standardised)
        assert notice(c.notices, "constant_feature") == {"text": "'k'"}
        assert "collinear_features" not in codes(c.notices)
        last = list(core.train(c.X, c.y, lr=0.01, batch_size=10, num_epochs=2))[-1]
        assert not last.diverged and np.all(np.isfinite(last.w))
    assert c.scaling.std[1] == 1 and c.scaling.mean[1] == 7 and np.all(c.X[:, 1] == 0)


def test_dependent_features_are_a_notice():
    v = line_data(100)
    t = read_table(csv_of(["a", "b", "y"], [(num(a), num(2 * a - 1), num(y)) for a, _, y in v]))
    assert notice(choose(t, ["a", "b"], "y").notices, "collinear_features") == {"rank": 1, "count": 2}


def test_badly_scaled_features_suggest_standardising():
    v = line_data(100)
    t = read_table(csv_of(["a", "b", "y"], [(num(a * 1e4), num(b), num(y)) for a, b, y in v]))
    assert float(notice(choose(t, ["a", "b"], "y").notices, "ill_conditioned")["kappa"]) > 1e7
    assert "ill_conditioned" not in codes(choose(t, ["a", "b"], "y", standardise_features=True).notices)


def test_few_rows_for_the_features_is_a_notice():
    t = read_table(csv_of(["a", "b", "y"], [(1, 2, 3), (2, 1, 5), (4, 4, 4), (3, 5, 1)]))
    assert notice(choose(t, ["a", "b"], "y").notices, "few_rows") == {"rows": 4, "features": 2,
                                                                     "advised": 30}


# ---- malformed files: each its own refusal, bounded before pandas reads -------------------------

def pandas_rows(raw):
    """How many rows pandas itself reads from raw (the header excluded): what a cap must count."""
    return len(pd.read_csv(io.BytesIO(raw), on_bad_lines="skip", engine="c"))


@pytest.fixture
def no_parse(monkeypatch):
    """pandas must not be asked to read: the file is refused by counting its bytes."""
    def parse(*a, **kw):
        raise AssertionError("pandas was asked to read a file that the caps refuse")
    monkeypatch.setattr(pd, "read_csv", parse)


def test_lone_crs_count_as_the_rows_pandas_reads(no_parse):
    # one row by LFs, 40,001 rows to pandas: a lone CR is a line end to it (and to spreadsheets)
    raw = b"a,b\n1,2\n" + b"2\r" * 40_000
    p = refused(raw, max_rows=30_000)
    assert p.code == "too_many_rows_cr"
    assert p.params == {"rows": 40_001, "count": 40_000, "limit": 30_000, "cells_limit": MAX_CELLS}


def test_the_lone_cr_count_is_what_pandas_reads():
    raw = b"a,b\n1,2\n" + b"2\r" * 40_000
    p = refused(raw, max_rows=30_000)
    assert p.params["rows"] == pandas_rows(raw)


def test_a_lone_cr_flood_under_a_wide_header_is_refused_by_the_cell_cap(no_parse):
    # 400 kB became a 100-column table of 168 MB: 800 bytes of memory per byte of file
    raw = (",".join(f"c{j}" for j in range(100)) + "\n" + ",".join("1" * 100) + "\n").encode() \
        + b"2\r" * 200_000
    p = refused(raw)
    assert p.code == "too_many_rows_cr" and p.params["rows"] == 200_001
    assert 200_001 * 100 > MAX_CELLS


def test_mixed_line_ends_are_read_as_pandas_reads_them_and_said():
    raw = b"a,b\n1,2\r3,4\r\n5,6\r7,8\n"
    t = read_table(raw)
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4], [5, 6], [7, 8]])
    assert t.rows == pandas_rows(raw)
    assert notice(t.notices, "lone_cr") == {"count": 2}
    assert "lone_cr" not in codes(read_table(b"a,b\r1,2\r3,4\r").notices)     # an old Mac file


def test_sparse_rows_are_refused_by_the_cell_cap_before_parsing(no_parse):
    # empty cells are 8-byte NaNs: a 101-byte row of commas is 800 bytes of table
    header = ",".join(f"c{j}" for j in range(100)) + "\n"
    rows = MAX_CELLS // 100 + 1
    raw = (header + "1" + "," * 99 + "\n" + ("," * 99 + "\n") * (rows - 1)).encode()
    assert len(raw) < 11 * 2**20
    p = refused(raw)
    assert p.code == "too_many_cells"
    assert p.params == {"rows": rows, "columns": 100, "cells": rows * 100, "limit": MAX_CELLS,
                        "limit_mb": round(MAX_CELLS * 8 / 10**6)}


def test_the_cell_cap_is_rows_times_columns():
    raw = csv_of(["a", "b", "c"], [(i, i, i) for i in range(10)])
    assert read_table(raw, max_cells=30).rows == 10
    p = refused(raw, max_cells=29)
    assert p.code == "too_many_cells" and p.params["cells"] == 30


def test_one_huge_line_is_refused_with_its_number_and_length(no_parse):
    raw = b"a,b\n1,2\n" + b"3" * (MAX_LINE_BYTES + 1) + b",4\n5,6\n"
    p = refused(raw)
    assert p.code == "line_too_long"
    assert p.params == {"line": 3, "size_kb": round((MAX_LINE_BYTES + 3) / 1024),
                        "limit_kb": MAX_LINE_BYTES // 1024}


@pytest.mark.parametrize("process_limit", [None, 10 * 2**20])
def test_a_quoted_field_past_the_csv_limit_is_refused_not_a_csv_error(process_limit):
    # importing MindSpore sets the csv module's process-wide limit to 10 MiB: the same refusal
    import csv

    before = csv.field_size_limit()
    try:
        if process_limit:
            csv.field_size_limit(process_limit)
        cell = "x\n" * (FIELD_LIMIT // 2 + 10)              # short lines, one long closed field
        p = refused(f'a,b\n1,2\n3,"{cell}"\n5,6\n'.encode())
        assert p.code == "field_too_long" and p.params == {"line": 3, "limit": FIELD_LIMIT}
    finally:
        csv.field_size_limit(before)


@pytest.mark.parametrize("tail", [1, 70_000])
def test_an_unclosed_quote_is_refused_with_its_line(tail):
    # a short rest is a pandas ParserError, a long one a csv field-limit error: the same Problem
    p = refused(b'a,b\n1,2\n"3,4\n' + b"5,6\n" * tail)
    assert p.code == "unclosed_quote" and p.params == {"line": 3}


def test_quotes_that_pandas_reads_still_read():
    t = read_table(b'a,"b, c"\n1,"2"\n"3",4\n5,"6\n"\n')
    assert t.columns == ("a", "b, c")
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4], [5, 6]])


def test_a_bom_that_does_not_decode_says_which_encoding():
    p = refused(codecs.BOM_UTF16_LE + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xd8")
    assert p.code == "bad_encoding" and p.params["encoding"] == "UTF-16 LE"


def test_any_other_parser_error_is_a_refusal_not_a_traceback(monkeypatch):
    def broken(*a, **kw):
        raise pd.errors.ParserError("Error tokenizing data. C error: Buffer overflow caught")
    monkeypatch.setattr(pd, "read_csv", broken)
    assert refused(csv_of(["a", "b"], [(1, 2), (3, 4)])).code == "unreadable"


def test_every_refusal_of_a_file_has_its_own_message():
    classes = ("file_too_big", "file_empty", "spreadsheet_file", "not_text", "bad_encoding",
               "too_many_rows", "too_many_rows_cr", "too_many_columns", "too_many_cells",
               "line_too_long", "field_too_long", "unclosed_quote", "unreadable", "header_only")
    assert len({MESSAGES[c] for c in classes}) == len(classes)


def test_pandas_is_told_how_many_rows_to_read_in_bounded_chunks(monkeypatch):
    seen, real = [], pd.read_csv

    def spy(*a, **kw):
        seen.append(kw)
        return real(*a, **kw)
    monkeypatch.setattr(pd, "read_csv", spy)
    monkeypatch.setattr(core.userdata, "_READ_CELLS", 3000)
    raw = csv_of(["a", "b", "c"], [(i, i % 7, i % 5) for i in range(5000)]) + b"\n\n"
    t = read_table(raw)
    assert t.rows == 5000 and t.values[-1].tolist() == [4999, 4999 % 7, 4999 % 5]
    (kw,) = seen
    assert kw["nrows"] == 5000 and kw["chunksize"] * 3 == 3000        # 1000 rows of 3 cells


def test_chunks_give_the_whole_files_answer(monkeypatch):
    # a column of numbers with words after row 400 is text over the whole file, however chunked;
    # a column with a few words counts them all
    monkeypatch.setattr(core.userdata, "_READ_CELLS", 30)
    rows = [(i, f"w{i}" if i >= 400 else i, "?" if i % 250 == 0 else i) for i in range(1000)]
    t = read_table(csv_of(["x", "mixed", "y"], rows))
    assert t.numeric == ("x", "y") and text_columns(t) == ("mixed",)
    assert notice(t.notices, "non_numeric_cells") == {"text": "'y'", "count": 4}
    assert list(t.head["mixed"][:3]) == [0, 1, 2] or list(t.head["mixed"][:3]) == ["0", "1", "2"]
    expected = np.array([[i, np.nan if i % 250 == 0 else i] for i in range(1000)], dtype=float)
    np.testing.assert_array_equal(t.values, expected)


def test_the_table_cannot_be_changed_by_one_of_the_sessions_sharing_it():
    t = read_table(csv_of(["a", "b"], [(1, 2), (3, 4)]))
    with pytest.raises(ValueError):
        t.values[0, 0] = 99.0


def test_the_worst_sparse_table_within_the_caps_stays_within_the_budget(tmp_path):
    """The most cells (all but one of each row empty) read in a child process: its peak RSS above
    the file's own bytes, against READ_BUDGET_MB (bench/bench_upload.py --worst: every kind)."""
    header = ",".join(f"c{j}" for j in range(100)) + "\n"
    path = tmp_path / "sparse.csv"
    path.write_bytes((header + ("1,2" + "," * 98 + "\n") * (MAX_CELLS // 100 - 1)).encode())
    child = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(core.__path__[0] + '/..')!r})
        from core.userdata import read_table
        def status(key):
            return next(int(ln.split()[1]) for ln in open("/proc/self/status")
                        if ln.startswith(key)) * 1024 / 1e6    # MB
        raw = open({str(path)!r}, "rb").read()
        base = status("VmRSS:")
        open("/proc/self/clear_refs", "w").write("5")        # VmHWM from here
        t = read_table(raw)
        print(t.rows, t.values.shape[1], round(status("VmHWM:") - base))
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows, cols, peak = map(int, out.stdout.split())
    assert (rows, cols) == (MAX_CELLS // 100 - 1, 2)
    assert peak < READ_BUDGET_MB, f"{peak} MB above the file"


# ---- export ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, safe", [
    ("=1+1", "'=1+1"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-1.5", "-1.5"), ("+2e3", "+2e3"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
    (-1.5, -1.5), (-3, -3),
    # the full-width forms, which a spreadsheet set to Chinese evaluates too
    ("＝1＋1", "'＝1＋1"), ("＋cmd|' /C calc'!A0", "'＋cmd|' /C calc'!A0"), ("－2＋3", "'－2＋3"),
    ("＠SUM(A1)", "'＠SUM(A1)"), ("\n=1", "'\n=1"), ("a＝b", "a＝b"),
])
def test_safe_cell_defuses_formulas_and_keeps_numbers(cell, safe):
    assert safe_cell(cell) == safe and type(safe_cell(cell)) is type(cell)


def test_safe_frame_makes_names_and_text_cells_safe_for_csv():
    df = pd.DataFrame({"=HYPERLINK(\"x\")": [-1.5, 2.0], "note": ["=1+1", "ok"], "k": [-3, 4]})
    out = safe_frame(df)
    assert list(out.columns) == ["'=HYPERLINK(\"x\")", "note", "k"]
    assert list(out["note"]) == ["'=1+1", "ok"]
    assert out.iloc[:, 0].tolist() == [-1.5, 2.0] and out["k"].tolist() == [-3, 4]
    assert "=1+1" in df["note"].tolist()                       # the original is untouched
    assert "\n-1.5,'=1+1,-3\n" in out.to_csv(index=False)


def test_names_that_collide_after_prefixing_are_numbered_not_a_crash():
    df = pd.DataFrame([[1.0, "=1", "x"]], columns=["=a", "'=a", "＝b"])
    out = safe_frame(df)
    assert list(out.columns) == ["'=a", "'=a (2)", "'＝b"]
    assert out.iloc[0].tolist() == [1.0, "'=1", "x"]
    assert out.to_csv(index=False).splitlines()[0] == "'=a,'=a (2),'＝b"


def test_prepared_gives_back_the_files_units_and_both_curvatures():
    """core.userdata.Prepared: X as trained, X in the file's units, the loss's curvature both
    ways, and a model trained on standardised features said in the file's units."""
    from core.userdata import Prepared
    rng = np.random.default_rng(3)
    x1, x2 = 50 + 10 * rng.normal(size=300), 0.01 * rng.normal(size=300)
    y = 0.3 * x1 - 200 * x2 + 5 + rng.normal(0, 0.1, 300)
    t = read_table(csv_of(["x1", "x2", "y"], [(num(a), num(b), num(c)) for a, b, c in zip(x1, x2, y)]))
    raw, std = Prepared(choose(t, ["x1", "x2"], "y")), Prepared(choose(t, ["x1", "x2"], "y", True))
    assert raw.scaling is None and raw.X is raw.X_raw
    np.testing.assert_allclose(std.X_raw, raw.X, rtol=1e-12)
    assert abs(std.X.mean()) < 1e-12 and std.scaling is not None
    # the same curvature either way: one in the file's units, one standardised
    assert raw.raw.cond == pytest.approx(std.raw.cond, rel=1e-6)
    assert raw.standardised.cond == pytest.approx(std.standardised.cond, rel=1e-6)
    assert raw.standardised.cond < 10 < raw.raw.cond
    # the optimum: the same model in the file's units, whichever X was trained on
    w, b = std.original_units(std.theory.w_star, std.theory.b_star)
    w_raw, b_raw = raw.original_units(raw.theory.w_star, raw.theory.b_star)
    np.testing.assert_allclose(w, w_raw, rtol=1e-6)
    assert b == pytest.approx(b_raw, rel=1e-6) and w_raw[0] == pytest.approx(0.3, rel=0.05)
    # no noise known: the floor is the optimum's own loss
    assert std.theory.loss_floor == std.theory.min_loss == pytest.approx(raw.theory.min_loss, rel=1e-9)
