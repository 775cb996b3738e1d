"""Reading raw inputs: workbook sheets and CSV files into plain tables.

The first stage of the pipeline. It knows about files, not about questionnaires:
it returns the cells of one sheet as a :class:`RawTable` whose index is the row
number the user sees in Excel, so that every later message can point at a row.

xlsx files are read with python-calamine when it is installed (several times
faster than openpyxl) and with openpyxl otherwise; both give the same values.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import DataError

XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class RawTable:
    """The cells of one sheet below its header row.

    ``data`` has one column per header (strings, as typed) and is indexed by the
    Excel row number; empty cells are ``None``.
    """

    file: str
    sheet: str | None
    header_row: int
    data: pd.DataFrame = field(repr=False)
    encoding: str | None = None  # for CSV: the encoding that decoded the file

    @property
    def columns(self) -> list[str]:
        return list(self.data.columns)


def _open_calamine(path: Path):
    try:
        import python_calamine
    except ImportError:  # optional speed-up
        return None
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: Exception) -> DataError:
    head = path.read_bytes()[:8] if path.exists() else b""
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return DataError("the workbook is password-protected or an old .xls file", file=path,
                         hint="remove the password (or save as .xlsx) in Excel and try again")
    return DataError(f"not a readable xlsx workbook ({type(exc).__name__}: {exc})", file=path,
                     hint="open the file in Excel and save it again as .xlsx")


class Workbook:
    """An xlsx workbook opened once, read sheet by sheet."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise DataError("file not found", file=self.path, hint="check the path and the file name")
        if self.path.is_dir():
            raise DataError("is a folder, not a workbook", file=self.path, hint="name the .xlsx file itself")
        if self.path.suffix.lower() not in XLSX_SUFFIXES:
            raise DataError(f"unsupported file type '{self.path.suffix}'", file=self.path,
                            expected="an .xlsx workbook", hint="save the file as .xlsx")
        self._cal = _open_calamine(self.path)
        self._opx = None
        if self._cal is None:
            import openpyxl

            try:
                self._opx = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
            except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
                raise _unreadable(self.path, exc) from None
            except Exception as exc:  # openpyxl's InvalidFileException and friends
                raise _unreadable(self.path, exc) from None

    @property
    def sheet_names(self) -> list[str]:
        return list(self._cal.sheet_names) if self._cal is not None else list(self._opx.sheetnames)

    def rows(self, sheet: str) -> list[list]:
        """All cell values of a sheet, row by row (row 1 first)."""
        if sheet not in self.sheet_names:
            raise DataError(f"no sheet '{sheet}'", file=self.path,
                            expected="one of " + ", ".join(self.sheet_names),
                            hint="rename the sheet or tell survey which sheet to use")
        if self._cal is not None:
            return self._cal.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return [list(r) for r in self._opx[sheet].iter_rows(values_only=True)]

    def table(self, sheet: str) -> RawTable:
        """The sheet as a :class:`RawTable` (header row found automatically)."""
        return table_from_rows(self.rows(sheet), file=str(self.path), sheet=sheet)


def _clean_cell(v):
    if v is None:
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _header_text(v) -> str:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def table_from_rows(rows: list[list], *, file: str, sheet: str | None) -> RawTable:
    """Build a :class:`RawTable` from raw rows.

    The header is the first row that is at least half as wide as the widest row, so
    title rows above the header (common in hand-made sheets) are skipped.
    """
    rows = [[_clean_cell(v) for v in r] for r in rows]
    widths = [sum(v is not None for v in r) for r in rows]
    if not rows or max(widths, default=0) == 0:
        raise DataError("the sheet is empty", file=file, sheet=sheet,
                        hint="check that the export was pasted into this sheet")
    widest = max(widths)
    h = next(i for i, w in enumerate(widths) if w >= max(2, widest / 2) or (widest == 1 and w == 1))
    header = rows[h]
    last = max(i for i, v in enumerate(header) if v is not None)
    names = []
    for j, v in enumerate(header[: last + 1]):
        if v is None:
            if any(j < len(r) and r[j] is not None for r in rows[h + 1:]):
                raise DataError("a column with data has no header", file=file, sheet=sheet, row=h + 1,
                                column=_excel_column(j), hint="give the column a header or delete it")
            names.append(None)
        else:
            names.append(_header_text(v))
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name is None:
            continue
        if name in seen:
            raise DataError(f"duplicate header '{name}'", file=file, sheet=sheet, row=h + 1,
                            column=f"{_excel_column(seen[name])} and {_excel_column(j)}",
                            hint="rename one of the two columns")
        seen[name] = j
    keep = [j for j, n in enumerate(names) if n is not None]
    body = []
    index = []
    for i, r in enumerate(rows[h + 1:], start=h + 2):
        vals = [r[j] if j < len(r) else None for j in keep]
        if all(v is None for v in vals):
            continue
        body.append(vals)
        index.append(i)
    data = pd.DataFrame(body, columns=[names[j] for j in keep], index=pd.Index(index, name="row"), dtype=object)
    return RawTable(file=file, sheet=sheet, header_row=h + 1, data=data)


def _excel_column(j: int) -> str:
    """0 → 'A', 26 → 'AA'."""
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def read_table(path: str | Path, sheet: str | None = None) -> RawTable:
    """Read one table from an xlsx sheet (the first if ``sheet`` is None) or a CSV file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    wb = Workbook(path)
    return wb.table(sheet if sheet is not None else wb.sheet_names[0])


def _read_csv(path: Path) -> RawTable:
    if not path.exists():
        raise DataError("file not found", file=path, hint="check the path and the file name")
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise DataError("cannot decode the file as UTF-8 or GBK", file=path,
                        hint="save the file as UTF-8 CSV")
    import csv
    import io

    rows = [list(r) for r in csv.reader(io.StringIO(text))]
    table = table_from_rows(rows, file=str(path), sheet=None)
    return RawTable(table.file, None, table.header_row, table.data, encoding="utf-8" if enc == "utf-8-sig" else "gbk")
