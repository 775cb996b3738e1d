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
from pathlib import Path

import pandas as pd

FIXED_TIME = (2021, 1, 1, 0, 0, 0)  # the default document time (reproducible outputs)
_TIME: ContextVar[tuple[int, ...] | None] = ContextVar("document_time", default=None)


def stamp() -> tuple[int, int, int, int, int, int]:
    """The time Office files are stamped with.

    The one set by :func:`document_time`, else ``SOURCE_DATE_EPOCH`` (seconds, UTC; the
    reproducible-builds convention), else FIXED_TIME.

    >>> with document_time((2023, 1, 1)):
    ...     stamp()
    (2023, 1, 1, 0, 0, 0)
    """
    t = _TIME.get()
    if t is not None:
        return (*t, 0, 0, 0, 0, 0)[:6]  # type: ignore[return-value]
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
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
PERCENT_COLUMNS = {"estimate", "ci_low", "ci_high", "rate", "se"}


def _cell_value(v):
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        return v.item()
    if isinstance(v, str):
        return _ILLEGAL.sub("", v)
    return v


def xlsx_bytes(sheets: dict[str, pd.DataFrame], *, widths: dict[str, dict[str, float]] | None = None) -> bytes:
    """An xlsx workbook (one sheet per frame) as reproducible bytes; strings stay text.

    Written in openpyxl's write-only mode from whole columns (no per-cell pandas
    indexing): a 50,000-row audit takes seconds, not a minute. Only cells that need a
    style are cell objects — numbers (two decimals, or % for rate columns), text in a
    wide wrapped column, and text starting with ``=`` (kept as text, never a formula).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for name, df in sheets.items():
        ws = wb.create_sheet(name[:31])
        cols = list(df.columns)
        wrapped = set()
        for j, col in enumerate(cols):
            w = (widths or {}).get(name, {}).get(col)
            if w is None:
                longest = max([len(str(col))] + [len(str(x)) for x in df[col].head(200)])
                w = min(60, max(8, longest * 1.6 + 2))
            ws.column_dimensions[get_column_letter(j + 1)].width = w
            if w >= 40:
                wrapped.add(j)
        ws.freeze_panes = "A2"
        header = []
        for col in cols:
            cell = WriteOnlyCell(ws, str(col))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        formats = ["0.00%" if col in PERCENT_COLUMNS else "0.00" for col in cols]
        columns = [[_cell_value(v) for v in df[col].tolist()] for col in cols]
        for values in zip(*columns):
            row = []
            for j, v in enumerate(values):
                if isinstance(v, float):
                    cell = WriteOnlyCell(ws, v)
                    cell.number_format = formats[j]
                elif isinstance(v, str) and (j in wrapped or v.startswith("=")):
                    cell = WriteOnlyCell(ws, v)
                    cell.data_type = "s"  # never a formula
                else:
                    row.append(v)
                    continue
                if j in wrapped:
                    cell.alignment = wrap
                row.append(cell)
            ws.append(row)
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.created = wb.properties.modified = dt.datetime(*stamp())
    buf = io.BytesIO()
    # Workbook.save() would stamp `modified` with the current time; the writer does not.
    with FixedTimeZip(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return buf.getvalue()


class FixedTimeZip(zipfile.ZipFile):
    """A zip whose members all carry the same timestamp, so equal content gives equal bytes."""

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=stamp())
            zinfo_or_arcname.compress_type = self.compression
        return super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):  # worksheets come from temp files
        with open(filename, "rb") as fh:
            return self.writestr(arcname or Path(filename).name, fh.read())


def restamp(data: bytes) -> bytes:
    """Rewrite a zip with every member's timestamp fixed (python-docx stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with FixedTimeZip(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    return out.getvalue()
