"""Large tables as xlsx (and CSV) bytes, fast: the cleaned data, the audit, per-respondent weights.

:func:`survey.render.office.xlsx_bytes` makes the small formatted report workbooks
cell by cell (a style per cell, row heights, print setup): 16 s at 100,000 × 40, about
4 µs a cell (openpyxl, which wrote them until issue 15, took over a minute, 15 µs a cell).
These tables need no layout beyond a bold frozen header and column widths, so this
module writes each ``<sheetData>`` itself, a column at a time, streamed into the zip
(about 0.5 µs a cell); the rest of the package (styles, workbook, document properties,
the zip) is :func:`survey.render.spreadsheet.package_bytes`, shared with the small
workbooks. XlsxWriter's constant-memory mode, the fastest maintained library measured
here, takes about 7 µs a cell through its per-cell calls: too slow for the 15-second
budget of ``survey clean`` at 100,000 rows.

The same guarantees as ``office``:

- **text is text**: every string is an inline string cell (``t="inlineStr"``),
  never a formula, whatever it starts with; control characters Excel rejects are
  dropped;
- **numbers are numbers, one style per column**: a column whose values are all
  whole numbers (item codes, counts — also float columns holding whole numbers
  and NaN) is written as integers without a style; other numbers get the
  column's format, ``0.00%`` for rate columns and ``0.00`` otherwise; dates a
  date format; missing values are empty cells;
- **deterministic bytes**: fixed document dates and zip timestamps
  (:data:`survey.render.office.FIXED_TIME`), so equal tables give equal files.

The same table as CSV, for further analysis in R, Stata or pandas, is
:func:`survey.render.files.csv_bytes` (the one CSV writer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from survey.errors import excel_column
from survey.render.office import FIXED_TIME, PERCENT_COLUMNS
from survey.render.spreadsheet import Style, Styles, package_bytes
from survey.render.xmltext import xml_text

CHUNK_ROWS = 5000
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# cellXfs of styles.xml: 0 default, 1 "0.00", 2 "0.00%", 3 date-time, 4 bold (header)
STYLES = Styles(Style(number_format="0.00"), Style(number_format="0.00%"),
                Style(number_format="yyyy-mm-dd hh:mm:ss"), Style(bold=True, size=11, font="Calibri"))
_STYLE_DECIMAL, _STYLE_PERCENT, _STYLE_DATETIME, _STYLE_HEADER = 1, 2, 3, 4




def _text(v: object) -> str:
    return escape(xml_text(str(v)))


def is_whole(values: np.ndarray) -> bool:
    """Float values that are all whole numbers Excel holds exactly (NaN aside)."""
    finite = values[~np.isnan(values)]
    return bool(np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2 ** 53))


def _column(s: pd.Series, letter: str, percent: bool) -> Callable[[int, int, range], list[str]]:
    """A column's cell writer: ``cells(a, b, rows)`` gives the cells of its values a..b−1
    on sheet rows ``rows`` ('' for a missing value: no cell). The column's kind and
    style are decided once, on all its values, and its values converted once."""
    kind = s.dtype.kind
    if kind in "biu":  # booleans, numpy or nullable integers (whole numbers, no style)
        missing = s.isna().to_numpy().tolist()
        vals = [None if m else int(v) for v, m in zip(s.to_numpy(dtype=object).tolist(), missing)]
        if kind == "b":
            return lambda a, b, rows: ["" if v is None else f'<c r="{letter}{r}" t="b"><v>{v}</v></c>'
                                       for r, v in zip(rows, vals[a:b])]
        return lambda a, b, rows: ["" if v is None else f'<c r="{letter}{r}"><v>{v}</v></c>'
                                   for r, v in zip(rows, vals[a:b])]
    if kind in "fM":
        if kind == "M":
            v = ((s - _EXCEL_EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float)
            style = f' s="{_STYLE_DATETIME}"'
        else:
            v = s.to_numpy(dtype=float)
            style = f' s="{_STYLE_PERCENT if percent else _STYLE_DECIMAL}"'
        bad = ~np.isfinite(v)
        if kind == "f" and is_whole(np.where(bad, np.nan, v)):
            nums: list = np.where(bad, 0, v).astype(np.int64).tolist()
            style = ""
        else:
            nums = [repr(x) for x in v.tolist()]
        vals = [None if m else x for x, m in zip(nums, bad.tolist())]
        return lambda a, b, rows: ["" if v is None else f'<c r="{letter}{r}"{style}><v>{v}</v></c>'
                                   for r, v in zip(rows, vals[a:b])]
    objects = s.tolist()
    if all(v is None or v.__class__ is str for v in objects):  # a text column: each distinct text escaped once
        escaped: dict[str, str] = {}
        texts = [None if v is None else escaped[v] if v in escaped else escaped.setdefault(v, _text(v))
                 for v in objects]
        return lambda a, b, rows: ["" if t is None else
                                   f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>'
                                   for r, t in zip(rows, texts[a:b])]
    return lambda a, b, rows: [_any_cell(f"{letter}{r}", v, percent) for r, v in zip(rows, objects[a:b])]


def _any_cell(ref: str, v: object, percent: bool) -> str:
    """A cell of a column of mixed values (object dtype): each value by its own type."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, str):
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(v)}</t></is></c>'
    if isinstance(v, (bool, np.bool_)):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, np.integer)):
        return f'<c r="{ref}"><v>{int(v)}</v></c>'
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if not np.isfinite(x):
            return ""
        if x.is_integer() and abs(x) < 2 ** 53:
            return f'<c r="{ref}"><v>{int(x)}</v></c>'
        return f'<c r="{ref}" s="{_STYLE_PERCENT if percent else _STYLE_DECIMAL}"><v>{x!r}</v></c>'
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        x = (pd.Timestamp(v).tz_localize(None) - _EXCEL_EPOCH) / pd.Timedelta(days=1)
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{x!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(v)}</t></is></c>'


def _width(df: pd.DataFrame, col) -> float:
    head = df[col].head(200)
    longest = max([len(str(col))] + [len(str(x)) for x in head[head.notna()].tolist()])
    return min(60.0, max(8.0, longest * 1.6 + 2))


def _sheet_xml(df: pd.DataFrame, widths: dict | None) -> Iterator[bytes]:
    cols = list(df.columns)
    letters = [excel_column(j) for j in range(len(cols))]
    dims = f"A1:{letters[-1] if cols else 'A'}{len(df) + 1}"
    head = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
            f'<dimension ref="{dims}"/>',
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>',
            '<sheetFormatPr defaultRowHeight="15"/>']
    if cols:
        head.append("<cols>" + "".join(
            f'<col min="{j + 1}" max="{j + 1}" width="{(widths or {}).get(c) or _width(df, c):g}" customWidth="1"/>'
            for j, c in enumerate(cols)) + "</cols>")
    head.append('<sheetData><row r="1">' + "".join(
        f'<c r="{letter}1" s="{_STYLE_HEADER}" t="inlineStr"><is><t xml:space="preserve">{_text(c)}</t></is></c>'
        for letter, c in zip(letters, cols)) + "</row>")
    yield "".join(head).encode("utf-8")
    writers = [_column(df[c], letter, c in PERCENT_COLUMNS) for c, letter in zip(cols, letters)]
    for start in range(0, len(df), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(df))
        rows = range(start + 2, stop + 2)
        cells = [cells_of(start, stop, rows) for cells_of in writers]
        yield "".join(f'<row r="{r}">{"".join(row)}</row>' for r, row in zip(rows, zip(*cells))).encode("utf-8")
    yield b"</sheetData></worksheet>"


def table_xlsx_bytes(sheets: dict[str, pd.DataFrame], *, widths: dict[str, dict[str, float]] | None = None,
                     compresslevel: int = 1) -> bytes:
    """Large tables as an xlsx workbook (one sheet per frame), fast and byte-for-byte reproducible.

    Same contract as :func:`survey.render.office.xlsx_bytes` for plain tables: the
    index is not written, the header is bold and frozen, strings are text.

    >>> import io, openpyxl
    >>> data = table_xlsx_bytes({"t": pd.DataFrame({"code": [1.0, None, 3.0], "text": ["=1+1", "a", None]})})
    >>> ws = openpyxl.load_workbook(io.BytesIO(data))["t"]
    >>> [[c.value for c in row] for row in ws.iter_rows()]
    [['code', 'text'], [1, '=1+1'], [None, 'a'], [3, None]]
    >>> data == table_xlsx_bytes({"t": pd.DataFrame({"code": [1.0, None, 3.0], "text": ["=1+1", "a", None]})})
    True
    """
    return package_bytes([(name, _sheet_xml(df.reset_index(drop=True), (widths or {}).get(name)))
                          for name, df in sheets.items()], STYLES, when=FIXED_TIME, titles=[],
                         compresslevel=compresslevel)
