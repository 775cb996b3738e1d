"""Office files as reproducible bytes: xlsx tables and deterministic zips.

Every workbook and Word file the package writes goes through here: strings are
always text cells (a free-text answer starting with ``=`` is never a formula), and
equal content gives equal bytes (fixed document dates and zip timestamps).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

import pandas as pd

from survey.render.spreadsheet import PLAIN, Style, Workbook, cell_value

FIXED_TIME = (2021, 1, 1, 0, 0, 0)  # the default document time (reproducible outputs)
_TIME: ContextVar[tuple[int, ...] | None] = ContextVar("document_time", default=None)


def stamp() -> tuple[int, int, int, int, int, int]:
    """The time Office files are stamped with.

    The one set by :func:`document_time`, else ``SOURCE_DATE_EPOCH`` (seconds, UTC; the
    reproducible-builds convention), else FIXED_TIME. Always within what a zip can date
    (1980–2107): an evaluation dated 1950 by mistake is stamped 1980-01-01.

    >>> with document_time((2023, 1, 1)):
    ...     stamp()
    (2023, 1, 1, 0, 0, 0)
    >>> with document_time((1950,)):
    ...     stamp()
    (1980, 1, 1, 0, 0, 0)
    """
    t = _TIME.get()
    if t is not None:
        when = (*t, 1, 1, 0, 0, 0)[:3] + (*t[3:], 0, 0, 0)[:3]
        return min(max(when, (1980, 1, 1, 0, 0, 0)), (2107, 12, 31, 23, 59, 58))  # type: ignore[return-value]
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        d = dt.datetime.fromtimestamp(max(int(epoch), 315532800), tz=dt.UTC)  # zip dates start in 1980
        return (d.year, d.month, d.day, d.hour, d.minute, d.second)
    return FIXED_TIME


@contextmanager
def document_time(when: tuple[int, ...] | None):
    """Stamp the Office files written inside the block with ``when`` (year, month, day …).

    None keeps the default (:func:`stamp`).
    """
    token = _TIME.set(tuple(when) if when is not None else None)
    try:
        yield
    finally:
        _TIME.reset(token)
# columns shown as percentages, by their English or Chinese header
PERCENT_COLUMNS = {
    "estimate", "ci_low", "ci_high", "rate", "se", "return_rate", "valid_rate",
    "估计值", "置信下限", "置信上限", "标准误", "满意度", "满意率", "回收率", "有效率", "有效率（按回收）", "有效率（按发放）",
    "区间半宽", "抽样误差", "抽样误差（FPC）", "保守抽样误差（p=50%）", "总体占比", "样本占比", "占比差", "样本/总体",
    "天花板比例", "加权估计值", "加权置信下限", "加权置信上限", "加权标准误", "满分概率",
}
P_VALUE = "p"  # a `formats` entry: p-values, below 0.001 written as the text "<0.001"
WIDE = 110     # characters of column width beyond which a sheet prints landscape


_WIDE_CHARS = re.compile("[\u2e80-\U0010ffff]")  # CJK and beyond: two character units each


def excel_width(text: str) -> int:
    """Display width in Excel character units: a CJK character takes two.

    >>> excel_width("满意率 97%")
    10
    """
    return len(text) + len(_WIDE_CHARS.findall(text))


def wrapped_lines(value, width: float) -> int:
    """Lines a text takes when wrapped in a column ``width`` characters wide."""
    if not isinstance(value, str) or len(value) * 2 < width - 1:
        return 1
    per_line = max(1, int(width) - 1)
    return sum(max(1, -(-int(excel_width(part)) // per_line)) for part in value.split("\n"))


def column_format(name: str, values: list, given: str | None = None) -> str:
    """The number format of a column: given, else % for rate columns, integers for whole numbers, else 0.00."""
    if given:
        return given
    if str(name) in PERCENT_COLUMNS or str(name).removesuffix("_w") in PERCENT_COLUMNS:
        return "0.00%"
    nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if nums and all(float(v).is_integer() for v in nums):
        return "0"
    return "0.00"


HEADER = Style(bold=True, fill="F2F2F2", horizontal="center", vertical="center", wrap=True)
WRAPPED = Style(vertical="top", wrap=True)  # text in a column of 40 characters or more


def _column_widths(cols, columns, given: dict[str, float]) -> tuple[list[float], set[int]]:
    """Each column's width (given, else from its longest text, CJK counted double) and the wrapped ones."""
    out, wrapped = [], set()
    for j, col in enumerate(cols):
        w = given.get(col)
        if w is None:
            shown = [9 if isinstance(x, float) else excel_width(str(x)) for x in columns[j][:200] if x is not None]
            w = min(60, max(8, max([excel_width(str(col)) / 2 + 2, *shown]) * 1.1 + 2))
        out.append(w)
        if w >= 40:
            wrapped.add(j)
    return out, wrapped


def _write_sheet(book: Workbook, name: str, df: pd.DataFrame, widths: dict[str, float],
                 formats: dict[str, str]) -> None:
    """One table: the header bold on grey, frozen and repeated on every page; A4, one page wide."""
    cols = list(df.columns)
    columns = [[cell_value(v) for v in df[col].tolist()] for col in cols]
    col_widths, wrapped = _column_widths(cols, columns, widths)
    ws = book.add_sheet(name, landscape=sum(col_widths) > WIDE, margins=(0.4, 0.4, 0.6, 0.6),
                        widths={j: w for j, w in enumerate(col_widths, start=1)})
    ws.put_row(1, [cell_value(str(col)) for col in cols], [book.styles.id(HEADER)] * len(cols))
    fmts = [column_format(col, columns[j], formats.get(col)) for j, col in enumerate(cols)]
    # each column's two styles (a number in its format; a text), registered once
    number_styles = [book.styles.id(replace(WRAPPED if j in wrapped else PLAIN,
                                            number_format="0.000" if fmt == P_VALUE else fmt))
                     for j, fmt in enumerate(fmts)]
    text_styles = [book.styles.id(WRAPPED) if j in wrapped else 0 for j in range(len(cols))]
    p_columns = [j for j, fmt in enumerate(fmts) if fmt == P_VALUE]
    for i, values in enumerate(zip(*columns), start=2):
        lines = max((wrapped_lines(values[j], col_widths[j]) for j in wrapped), default=1)
        if lines > 1:  # neither Excel nor LibreOffice grows a row for wrapped text a program wrote
            ws.heights[i] = 15 * lines
        if p_columns:
            values = tuple(("<0.001" if v < 0.001 else round(v, 3)) if j in p_columns and isinstance(v, float) else v
                           for j, v in enumerate(values))
        styles = [number_styles[j] if isinstance(v, (int, float)) and not isinstance(v, bool)
                  else text_styles[j] if isinstance(v, str) else 0 for j, v in enumerate(values)]
        ws.put_row(i, values, styles)


def xlsx_bytes(sheets: dict[str, pd.DataFrame], *, widths: dict[str, dict[str, float]] | None = None,
               formats: dict[str, dict[str, str]] | None = None) -> bytes:
    """An xlsx workbook (one sheet per frame) as reproducible bytes, laid out for a reviewer.

    Headers bold on grey, wrapped and frozen; numbers with a format per column
    (``formats`` [sheet][column], else % for rate columns, integers for whole numbers,
    two decimals); ``"p"`` writes p-values below 0.001 as "<0.001"; text wrapped in wide
    columns, rows as tall as their text; every sheet set up for A4 (landscape when wide),
    one page wide, the header row repeated. Strings are always text (a free-text answer
    starting with ``=`` is never a formula). Written as SpreadsheetML directly
    (:mod:`survey.render.spreadsheet`), dated :func:`stamp`.

    >>> data = xlsx_bytes({"表": pd.DataFrame({"满意率": [0.97], "说明": ["=1+1"]})})
    >>> data == xlsx_bytes({"表": pd.DataFrame({"满意率": [0.97], "说明": ["=1+1"]})})
    True
    """
    book = Workbook()
    for name, df in sheets.items():
        _write_sheet(book, name[:31], df, (widths or {}).get(name, {}), (formats or {}).get(name, {}))
    return book.bytes(stamp())


def restamp(data: bytes) -> bytes:
    """A zip with every member's timestamp set to :func:`stamp` (python-docx stamps the current time).

    The dates are written in place, in each member's local header and central directory
    entry; the compressed data is kept as it is (rewriting the zip compressed it all again:
    0.05 s for report.docx). A zip whose headers are not where its directory says is
    rewritten instead.

    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("a.xml", "<a/>" * 50)
    >>> fixed = zipfile.ZipFile(io.BytesIO(restamp(buf.getvalue())))
    >>> fixed.getinfo("a.xml").date_time, fixed.read("a.xml") == b"<a/>" * 50
    ((2021, 1, 1, 0, 0, 0), True)
    """
    import struct

    year, month, day, hour, minute, second = stamp()
    when = struct.pack("<HH", (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day)
    out = bytearray(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            central = src.start_dir  # where the central directory begins
            infos = src.infolist()
        for info in infos:
            local = info.header_offset
            if out[local:local + 4] != b"PK\x03\x04" or out[central:central + 4] != b"PK\x01\x02":
                raise ValueError("not a plain zip")
            out[local + 10:local + 14] = when
            out[central + 12:central + 16] = when
            name_len, extra_len, comment_len = struct.unpack("<HHH", out[central + 28:central + 34])
            central += 46 + name_len + extra_len + comment_len
    except (ValueError, struct.error, zipfile.BadZipFile, AttributeError):
        src = zipfile.ZipFile(io.BytesIO(data))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
            for name in src.namelist():
                dst.writestr(zipfile.ZipInfo(name, date_time=stamp()), src.read(name), zipfile.ZIP_DEFLATED)
        return buf.getvalue()
    return bytes(out)
