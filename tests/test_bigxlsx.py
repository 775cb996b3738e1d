"""The fast writer of large tables (survey.render.bigxlsx): text stays text, codes are integers, bytes are stable."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from survey.inputs.read import Workbook
from survey.render.bigxlsx import table_xlsx_bytes
from survey.render.files import csv_bytes


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "code": [1.0, np.nan, 5.0],                       # float64 item codes with a missing answer
        "nullable": pd.array([2, None, 3], dtype="Int64"),
        "weight": [1.25, 0.5, np.nan],
        "estimate": [0.9743, 1.0, 0.5],                   # a rate column: percent format
        "text": ["=HYPERLINK(\"x\")", "+1", "a\x07b <&>"],
        "flag": [True, False, True],
        "when": pd.to_datetime(["2021-11-05 09:32:17", None, "2021-11-30 23:59:59"]),
        "mixed": ["x", 3, None],
    })


def _sheet(data: bytes, name: str = "t"):
    return load_workbook(io.BytesIO(data))[name]


def test_values_types_and_styles():
    ws = _sheet(table_xlsx_bytes({"t": _table()}))
    rows = [[c for c in r] for r in ws.iter_rows()]
    assert [c.value for c in rows[0]] == list(_table().columns)
    assert all(c.font.b for c in rows[0])
    code, nullable, weight, est, text, flag, when, mixed = rows[1]
    assert code.value == 1 and isinstance(code.value, int) and code.number_format == "General"
    assert nullable.value == 2 and isinstance(nullable.value, int)
    assert weight.value == 1.25 and weight.number_format == "0.00"
    assert est.value == 0.9743 and est.number_format == "0.00%"
    # a formula-looking answer is a text cell, never a formula
    assert text.value == '=HYPERLINK("x")' and text.data_type == "s"
    assert flag.value is True
    assert str(when.value) == "2021-11-05 09:32:17"
    assert mixed.value == "x"
    assert [c.value for c in rows[2]][:3] == [None, None, 0.5]
    assert rows[2][4].value == "+1" and rows[2][7].value == 3
    assert rows[3][4].value == "ab <&>"  # control characters Excel rejects are dropped, XML escaped
    assert ws.freeze_panes == "A2"


def test_deterministic_bytes():
    assert table_xlsx_bytes({"t": _table(), "u": _table()}) == table_xlsx_bytes({"t": _table(), "u": _table()})


def test_wide_and_long_table_reads_back_with_calamine(tmp_path):
    n, k = 12_001, 30  # more than one chunk of rows, more than 26 columns (AA, AB, …)
    rng = np.random.default_rng(7)
    df = pd.DataFrame(rng.integers(1, 6, size=(n, k)).astype(float), columns=[f"c{j}" for j in range(k)])
    df.iloc[::5, 3] = np.nan
    path = tmp_path / "big.xlsx"
    path.write_bytes(table_xlsx_bytes({"数据": df}))
    back = Workbook(path).table("数据").data
    assert back.shape == df.shape
    assert list(back.columns) == list(df.columns)
    np.testing.assert_array_equal(back.to_numpy(dtype=float), df.to_numpy())


def test_empty_table():
    ws = _sheet(table_xlsx_bytes({"t": pd.DataFrame(columns=["a", "b"])}))
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["a", "b"]]


def test_csv_utf8_bom_and_no_formula():
    data = csv_bytes(pd.DataFrame({"区": ["玄武区", "@x"], "code": [1, -2]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["区,code", "玄武区,1", "'@x,-2"]


def test_nullable_boolean_and_categorical():
    df = pd.DataFrame({"b": pd.array([True, None], dtype="boolean"), "c": pd.Categorical(["玄武区", None]), "n": [1, 2]})
    ws = _sheet(table_xlsx_bytes({"t": df}))
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["b", "c", "n"], [True, "玄武区", 1], [None, None, 2]]


def test_one_style_per_column_across_chunks(monkeypatch):
    import survey.render.bigxlsx as bigxlsx

    monkeypatch.setattr(bigxlsx, "CHUNK_ROWS", 2)  # the whole numbers and the fraction in different chunks
    ws = _sheet(bigxlsx.table_xlsx_bytes({"t": pd.DataFrame({"w": [1.0, 2.0, 2.5]})}))
    cells = [r[0] for r in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [1, 2, 2.5]
    assert {c.number_format for c in cells} == {"0.00"}
