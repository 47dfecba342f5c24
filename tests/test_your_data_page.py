"""The page "Your data" (/data) as a user meets it (AppTest through app.py): the built-in data
sets trained to the least-squares optimum, an uploaded file read, its columns chosen and
trained on, every refusal said in the user's language, and a file's text never taken as markup."""

from __future__ import annotations

import gettext
import re

import numpy as np
import pytest
from conftest import ROOT, open_page

from core.problems import MESSAGES, Problem
from ui import datasets

PAGE = "views/your_data.py"
ZH = gettext.translation("messages", ROOT / "ui" / "locale", languages=["zh"])
CJK = re.compile(r"[\u4e00-\u9fff]")
REFUSALS = ("file_too_big", "file_empty", "spreadsheet_file", "not_text", "too_many_rows",
            "too_many_columns", "header_only", "too_many_cells", "too_many_rows_cr", "line_too_long",
            "field_too_long", "unclosed_quote", "unreadable", "bad_encoding", "too_few_rows",
            "too_few_numeric_columns", "no_features",
            "too_many_features", "unknown_column", "not_numeric", "target_is_feature", "not_finite",
            "too_large", "needs_standardising")
NOTICES = ("lone_cr", "encoding_guessed", "decimal_comma", "thousands_separator", "no_header",
           "unnamed_columns",
           "rows_skipped", "rows_padded", "empty_columns", "duplicate_names", "non_numeric_cells",
           "text_columns", "rows_dropped", "constant_feature", "collinear_features", "ill_conditioned",
           "few_rows")


def texts(elements):
    return [e.value for e in elements]


def train(at, prefix="data_"):
    at.button(key=prefix + "train").click().run()
    for _ in range(500):
        if at.exception or at.session_state[prefix + "run"].status != "running":
            break
        at.run()
    return at


def upload(at, content, name="data.csv"):
    at.file_uploader(key="data_file").set_value((name, content, "text/csv"))
    return at.run()


def open_upload(lang="en", **query):
    return open_page(PAGE, timeout=60, lang=lang, dataset="upload", speed="0", **query)


def test_every_problem_code_of_user_data_is_worded_in_both_languages():
    assert set(REFUSALS) | set(NOTICES) <= set(MESSAGES)
    for code in REFUSALS + NOTICES:
        names = set(re.findall(r"\{(\w+)\}", MESSAGES[code]))
        problem = Problem(code, {k: "7" for k in names})
        english, chinese = problem.words(), problem.words(ZH.gettext)
        assert chinese != english and CJK.search(chinese), (code, chinese)
        assert not re.search(r"[A-Za-z]{4,}", re.sub(r"UTF|CSV|column|SGD|xlsx|ods|xls", "", chinese)), \
            (code, chinese)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(datasets.BUILTIN))
def test_a_builtin_data_set_trains_to_its_least_squares_optimum(name, lang):
    at = open_page(PAGE, timeout=60, lang=lang, dataset=name, speed="0", epochs="30", lr="0.1")
    assert not at.exception
    title = "Your data" if lang == "en" else ZH.gettext("Your data")
    assert texts(at.title) == [title] and not at.error and not at.warning
    assert at.query_params["dataset"] == name and at.query_params["lang"] == lang
    source = ZH.gettext(datasets.BUILTIN[name].source) if lang == "zh" else datasets.BUILTIN[name].source
    assert any(source in c for c in texts(at.caption))
    train(at)
    run = at.session_state["data_run"]
    assert run.status == "done" and not at.exception
    # the result, in the file's units, next to numpy's least squares on the raw columns
    d = datasets.BUILTIN[name]
    df = datasets.LOADERS[name]()
    slope, intercept = np.polyfit(df[d.features[0]], df[d.target], 1)
    result = at.dataframe[-1].value
    lsq = result.iloc[:, 3].to_numpy()
    np.testing.assert_allclose(lsq, [slope, intercept], rtol=1e-6)
    np.testing.assert_allclose(result.iloc[:, 2].to_numpy(), lsq, rtol=0.1, atol=0.05)
    if lang == "zh":
        assert all(CJK.search(c) for c in result.columns[[0, 1, 2, 3]])


def test_a_bad_data_set_in_the_link_is_explained_in_chinese():
    at = open_page(PAGE, lang="zh", dataset="<b>x</b>", lr="abc")
    assert not at.exception
    warnings = texts(at.warning)
    assert len(warnings) == 2 and all(CJK.search(w) for w in warnings), warnings
    assert any(r"\<b\>x\</b\>" in w for w in warnings), warnings      # shown literally
    assert at.session_state["yourdata_dataset"] == "tips"


def test_the_column_choice_and_standardisation_change_the_run():
    at = open_page(PAGE, timeout=60, lang="en", dataset="tips", speed="0")
    assert "κ" in at.markdown[-1].value or any("κ" in m for m in texts(at.markdown))
    at.multiselect(key="data_features_tips").set_value(["total_bill", "size"]).run()
    assert at.session_state["data_run"].X.shape[1] == 2
    at.toggle(key="yourdata_std").set_value(False).run()
    assert at.query_params["std"] == "0"
    run = at.session_state["data_run"]
    assert abs(run.X[:, 0].mean() - 19.79) < 0.01       # the file's units
    at.selectbox(key="data_target_tips").set_value("size").run()
    assert texts(at.error) == ["The target 'size' cannot also be a feature."]


CSV = "x1,x2,y\n" + "\n".join(f"{i % 7},{(i * 3) % 5},{2 * (i % 7) - (i * 3) % 5 + 1}" for i in range(60))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_uploaded_file_is_read_chosen_and_trained_on(lang):
    at = open_upload(lang, epochs="50")
    assert not at.exception and not at.error
    assert at.file_uploader(key="data_file")
    at = upload(at, CSV.encode())
    assert not at.exception and not at.error, texts(at.error)
    assert list(at.dataframe[0].value.columns) == ["x1", "x2", "y"]
    at.multiselect[0].set_value(["x1", "x2"]).run()
    train(at)
    run = at.session_state["data_run"]
    assert run.status == "done" and run.X.shape == (60, 2)
    result = at.dataframe[-1].value
    np.testing.assert_allclose(result.iloc[:, 3].to_numpy(), [2, -1, 1], atol=1e-9)
    np.testing.assert_allclose(result.iloc[:, 2].to_numpy(), [2, -1, 1], atol=0.05)


WIDE = (",".join(f"c{j}" for j in range(100)) + "\n").encode()
BAD = {
    "file_empty": b"",
    "spreadsheet_file": b"PK\x03\x04" + b"\x00" * 100,
    "not_text": b"a,b\n1,2\n\x00\x01\x02",
    "header_only": b"a,b,c\n",
    "too_few_numeric_columns": b"name,x\nann,1\nbob,2\n",
    # each malformed-file class its own message, none a traceback
    "field_too_long": b'a,b\n1,2\n3,"' + b"x\n" * 70_000 + b'"\n5,6\n',
    "unclosed_quote": b'a,b\n1,2\n"3,4\n5,6\n7,8\n',
    "too_many_rows_cr": WIDE + b"1" * 1 + b"," * 99 + b"\n" + b"2\r" * 200_000,
    "too_many_cells": WIDE + ("," * 99 + "\n").encode() * 100_001,
    "line_too_long": b"a,b\n1,2\n" + b"3" * 70_000 + b",4\n5,6\n",
    "bad_encoding": b"\xff\xfe" + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xd8",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code", list(BAD))
def test_a_bad_file_is_refused_in_the_users_language(code, lang):
    at = upload(open_upload(lang), BAD[code])
    assert not at.exception
    (error,) = texts(at.error)
    from core import userdata
    with pytest.raises(userdata.DataError) as exc:
        userdata.read_table(BAD[code])
    assert exc.value.problem.code == code
    if lang == "zh":
        assert CJK.search(error) and error != exc.value.problem.english(), error
    else:
        assert re.sub(r"(?<=\d),(?=\d{3})", "", error) == exc.value.problem.english()
    if exc.value.problem.code == "too_many_rows_cr":           # numbers with thousands separators
        assert "200,001" in error and "10,000,000" in error, error


def test_html_and_markdown_in_column_names_show_literally():
    names = ["<b>bold</b>", "**star**", "[link](http://x)", "$x^2$"]
    content = (",".join(names) + "\n" + "\n".join(f"{i},{i % 3},{i * 2},{i % 5}" for i in range(30)))
    at = upload(open_upload("en"), content.encode())
    assert not at.exception
    assert list(at.dataframe[0].value.columns) == names
    at.multiselect[0].set_value(["<b>bold</b>", "**star**"]).run()
    at.selectbox[1].set_value("**star**").run()          # [0] is the data set
    (error,) = texts(at.error)
    assert r"'\*\*star\*\*'" in error                  # escaped for Markdown: it reads **star**
    for md in texts(at.markdown) + texts(at.caption) + texts(at.info) + texts(at.warning):
        assert "<b>" not in md and "](http" not in md, md


def test_an_ill_conditioned_upload_warns_and_its_export_is_safe_for_spreadsheets():
    rows = "\n".join(f"{i * 1000},{i % 7},{3 * i - 2}" for i in range(50))
    at = upload(open_upload("en"), ("=cmd(),x,y\n" + rows).encode())
    at.multiselect[0].set_value(["=cmd()", "x"]).run()
    at.toggle(key="yourdata_std").set_value(False).run()
    assert not at.exception
    assert any("condition number" in w for w in texts(at.warning)), texts(at.warning)
    run = at.session_state["data_run"]
    csv = datasets.data_csv(run.X, run.y, ["=cmd()", "x"], "y")
    assert csv.splitlines()[0] == "'=cmd(),x,y" and csv.splitlines()[1] == "0.0,0.0,-2.0"


def test_the_caps_and_the_memory_budget_are_said_in_the_users_language():
    from core import userdata as U
    for lang in ("en", "zh"):
        caption = next(c for c in texts(open_upload(lang).caption) if "MB" in c)
        for figure in (f"{U.MAX_ROWS:,}", f"{U.MAX_CELLS:,}", f"{U.MAX_COLS}", f"{U.READ_BUDGET_MB} MB",
                       f"{U.MAX_LINE_BYTES // 1024} KB", f"{U.MAX_BYTES // 10**6} MB"):
            assert figure in caption, (lang, figure, caption)
        assert bool(CJK.search(caption)) == (lang == "zh"), caption


def test_a_file_is_read_once_for_every_tab_that_uploads_it(monkeypatch):
    reads = []
    real = datasets.read_table
    monkeypatch.setattr(datasets, "read_table", lambda raw: reads.append(len(raw)) or real(raw))
    datasets.uploaded_table.clear()
    content = CSV.encode()
    tables = []
    for lang in ("en", "zh"):                       # two sessions, as two browser tabs
        at = upload(open_upload(lang), content)
        assert not at.exception and not at.error
        file_id, sha = at.session_state["data_upload"]          # the session keeps a name, no table
        assert sha == datasets.digest(content) and len(sha) == 64
        tables.append(datasets.uploaded_table(sha, lambda: pytest.fail("read again")))
    assert reads == [len(content)]
    assert tables[0] is tables[1] and tables[0][0].rows == 60
    other = upload(open_upload("en"), content.replace(b"\n0,", b"\n1,", 1))
    assert not other.exception and len(reads) == 2              # other bytes, another table


def test_a_link_in_a_column_name_is_text_not_a_link():
    names = ["https://evil.example/x", "www.evil.example", "me@evil.example", ":smile:"]
    rows = "\n".join(f"a{i},b{i},c{i},d{i},{i},{i % 3}" for i in range(20))
    at = upload(open_upload("en"), (",".join(names) + ",x,y\n" + rows).encode())
    assert not at.exception
    (notice,) = [t for t in texts(at.info) if "cannot be used" in t]
    # reads as typed once the invisible word joiners (U+2060) that break each pattern are gone
    assert "'https://evil.example/x', 'www.evil.example'" in notice.replace("\u2060", "")
    shown = [t for t in texts(at.markdown) + texts(at.caption) + texts(at.info) + texts(at.warning)
             if "evil" in t]
    assert shown
    for md in shown:                                # every trigger of an auto-link or emoji broken
        assert not re.search(r"://|www\.|@\w|:smile", md), md


def test_the_uploader_limit_is_the_readers():
    import tomllib

    from core.userdata import MAX_BYTES
    with open(ROOT / ".streamlit" / "config.toml", "rb") as f:
        # Streamlit's MB: 10^6 bytes (bundled frontend: `st = isWindows() ? 1024 : 1e3`), which a
        # 100,000,030-byte file through Chromium on Linux showed ("File must be 100.0MB or smaller")
        assert tomllib.load(f)["server"]["maxUploadSize"] * 10**6 == MAX_BYTES


def test_the_page_in_chinese_asks_for_nothing_untranslated(misses):
    for name in datasets.BUILTIN:
        at = open_page(PAGE, timeout=60, lang="zh", dataset=name, speed="0", std="0", lr="5")
        train(at)
        assert at.session_state["data_run"].status == "diverged" and not at.exception
        at.toggle(key="yourdata_std").set_value(True).run()
        at.select_slider(key="yourdata_lr").set_value(0.1).run()
        train(at)
        assert at.session_state["data_run"].status == "done"
    messy = ("a;b;c;c\n" + "\n".join(f"{i},5;{i % 3};x{i};{i * 2}" for i in range(8)) + "\n1;2\n1;2;3;4;5\n")
    at = upload(open_upload("zh"), messy.encode("cp1252") + "é".encode("cp1252"))
    assert not at.exception
    at.multiselect[0].set_value(["a", "b"]).run()
    train(at)
    assert not at.exception and misses == [], sorted(set(misses))


def test_a_builtin_data_sets_columns_travel_in_the_link():
    at = open_page(PAGE, lang="en", dataset="tips", x="total_bill,size", y="tip")
    assert not at.exception and not at.warning
    assert at.session_state["data_run"].X.shape[1] == 2
    assert at.query_params["x"] == "total_bill,size" and at.query_params["y"] == "tip"
    at.multiselect(key="data_features_tips").set_value(["size"]).run()
    assert at.query_params["x"] == "size"
    at = open_page(PAGE, lang="zh", dataset="iris", x="species,nope", y="petal_width")
    assert not at.exception
    warnings = texts(at.warning)
    assert len(warnings) == 2 and all(CJK.search(w) for w in warnings), warnings
    assert at.session_state["data_run"].X.shape[1] == 1          # the data set's own choice
    assert at.query_params["x"] == "petal_length"


def test_the_exported_settings_name_the_data_and_its_columns():
    import json

    at = open_page(PAGE, lang="en", dataset="gapminder", speed="0")
    run = at.session_state["data_run"]
    spec = datasets.export_settings(run.settings, "gapminder", None, ["log10_gdpPercap"], "lifeExp", 1)
    spec = json.loads(json.dumps(spec))
    assert spec["dataset"] == "gapminder" and spec["features"] == ["log10_gdpPercap"]
    assert spec["target"] == "lifeExp" and spec["standardise"] is True and "data" not in spec
    assert spec["lr"] == 0.1 and spec["truth"] is False and len(spec["w"]) == 1
