"""Reading raw inputs: workbook sheets and CSV files into plain tables.

The first stage of the pipeline. It knows about files, not about questionnaires:
it returns the cells of one sheet as a :class:`RawTable` whose index is the row
number the user sees in Excel, so that every later message can point at a row.

Before any reader sees a file, :mod:`survey.inputs.guard` checks it (a regular file, a
real xlsx zip of sane expanded size, no DTD, no external links, a sheet whose values
span at most :attr:`~survey.inputs.guard.Limits.max_cells` cells), so a hostile or
careless file is refused with one line instead of hanging or exhausting memory.
xlsx files are read with python-calamine when it is installed (several times
faster than openpyxl) and with openpyxl otherwise; both give the same values.
Title rows above the header are skipped, and a two-row header (a matrix stem in a
merged cell above its sub-questions) is combined into ``题干—子问题`` headers.
SPSS ``.sav`` files are read with pyreadstat: variable labels become the headers
and value labels the cell values, so a ``.sav`` looks like a 按文本 export.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from survey.errors import DataError, excel_column
from survey.inputs.guard import Limits, XlsxInfo, check_regular_file, inspect_xlsx

XLSX_SUFFIXES = (".xlsx", ".xlsm")
XLS_SUFFIXES = (".xls",)  # Excel 97-2003 (OLE2), as 问卷星 downloads it: read with python-calamine
SPSS_SUFFIXES = (".sav", ".zsav")
SINGLE_TABLE_SUFFIXES = (".csv", *SPSS_SUFFIXES)  # files that hold one table (no sheets)


SUB_SEP = "—"  # joins a stem and its sub-question: 题干—子问题
_NUMBERED = re.compile(r"^\s*[QqＱ]?\d+\s*[、.．:：)）]")


@dataclass(frozen=True)
class RawTable:
    """The cells of one sheet below its header row.

    ``data`` has one column per header (strings, as typed) and is indexed by the
    Excel row number; empty cells are ``None``. For an SPSS file the index is the
    case number (the row SPSS's Data View shows), ``header_row`` is 0 and
    ``variables`` maps each header (a variable label) to its variable name.
    """

    file: str
    sheet: str | None
    header_row: int
    data: pd.DataFrame = field(repr=False)
    encoding: str | None = None  # for CSV: the encoding that decoded the file
    variables: dict[str, str] = field(default_factory=dict, repr=False)  # SPSS: header → variable name

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
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return DataError("the workbook is password-protected, or a damaged .xls file", file=path,
                         hint="remove the password in Excel (or open the file and save it again) and try again")
    return DataError(f"not a readable xlsx workbook ({type(exc).__name__}: {exc})", file=path,
                     hint="open the file in Excel and save it again as .xlsx")


class Workbook:
    """An xlsx workbook opened once, read sheet by sheet.

    ``limits`` bounds what the file may cost (:class:`survey.inputs.guard.Limits`;
    default: the built-in limits, raised by ``SURVEY_MAX_*`` environment variables).
    """

    def __init__(self, path: str | Path, *, limits: Limits | None = None):
        self.path = Path(path)
        if self.path.is_dir():
            raise DataError("is a folder, not a workbook", file=self.path, hint="name the .xlsx file itself")
        self.info: XlsxInfo | _XlsInfo
        if self.path.suffix.lower() in XLS_SUFFIXES:
            check_regular_file(self.path, limits, what="workbook")
            self._open_xls(limits)
            return
        if self.path.suffix.lower() not in XLSX_SUFFIXES:
            check_regular_file(self.path, limits, what="workbook")
            raise DataError(f"unsupported file type '{self.path.suffix}'", file=self.path,
                            expected="an .xlsx or .xls workbook", hint="save the file as .xlsx")
        self.info = inspect_xlsx(self.path, limits)
        self._cal = _open_calamine(self.path)
        self._opx: Any = None  # an openpyxl workbook, when calamine cannot read the file
        if self._cal is None:
            import openpyxl

            try:
                self._opx = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
            except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
                raise _unreadable(self.path, exc) from None
            except Exception as exc:  # openpyxl's InvalidFileException and friends
                raise _unreadable(self.path, exc) from None

    def _open_xls(self, limits: Limits | None) -> None:
        """An .xls (OLE2) workbook: python-calamine reads it (openpyxl cannot); the file's size is
        bounded by check_regular_file and each sheet's grid by :meth:`_XlsInfo.check_sheet`."""
        with open(self.path, "rb") as fh:
            head = fh.read(8)
        if head.startswith(b"PK\x03\x04"):
            raise DataError("this is an .xlsx workbook with an .xls name", file=self.path, hint="rename it to .xlsx")
        self._opx = None
        self._cal = _open_calamine(self.path)
        if self._cal is None:  # pragma: no cover - a declared dependency
            raise DataError("reading .xls files needs the python-calamine package", file=self.path,
                            hint="pip install python-calamine, or save the file as .xlsx")
        self.info = _XlsInfo(self.path, self._cal, limits or Limits.from_env())

    @property
    def sheet_names(self) -> list[str]:
        return list(self._cal.sheet_names) if self._cal is not None else list(self._opx.sheetnames)

    def rows(self, sheet: str, *, cleaned: bool = False) -> list[list]:
        """All cell values of a sheet, row by row (row 1 first); ``cleaned``: as :class:`RawTable` holds them
        (texts stripped, empty cells None, whole numbers as int), in the same pass."""
        if sheet not in self.sheet_names:
            raise DataError(f"no sheet '{sheet}'", file=self.path,
                            expected="one of " + ", ".join(self.sheet_names),
                            hint="rename the sheet or tell survey which sheet to use")
        self.info.check_sheet(sheet)  # a grid too large is refused before it is expanded
        try:
            if self._cal is not None:
                return calamine_rows(self._cal.get_sheet_by_name(sheet), cleaned=cleaned)
            rows = [list(r) for r in self._opx[sheet].iter_rows(values_only=True)]
            return _cleaned_rows(rows) if cleaned else rows
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:  # the reader failing on a damaged part of the file
            raise DataError(f"the sheet cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})",
                            file=self.path, sheet=sheet,
                            hint="open the file in Excel and save it again as .xlsx") from None

    def table(self, sheet: str) -> RawTable:
        """The sheet as a :class:`RawTable` (header row found automatically)."""
        return _table(self.rows(sheet, cleaned=True), file=str(self.path), sheet=sheet)


class _XlsInfo:
    """The guard's sheet check for an .xls workbook: the grid calamine reports, before its cells are read."""

    def __init__(self, path: Path, cal, limits: Limits):
        self.path, self.cal, self.limits = path, cal, limits

    def check_sheet(self, sheet: str) -> None:
        s = self.cal.get_sheet_by_name(sheet)
        cells = int(getattr(s, "total_height", s.height)) * int(getattr(s, "total_width", s.width))
        if cells > self.limits.max_cells:
            raise DataError(f"the sheet spans {cells:,} cells, over the limit of {self.limits.max_cells:,}",
                            file=str(self.path), sheet=sheet, hint="split the data, or raise SURVEY_MAX_CELLS")


def calamine_rows(sheet, *, cleaned: bool = False) -> list[list]:
    """A calamine sheet's values from cell A1 (as ``to_python(skip_empty_area=False)``), equal texts shared.

    Rows are taken one at a time and every text is replaced by the first equal one seen: an
    export repeats a handful of option texts, so 100,000 rows hold a few hundred distinct
    strings instead of millions of copies (about 350 MB less at 100,000 × 40). ``cleaned``:
    each distinct text and number also goes through the cell cleaning once (see :func:`_clean_cell`).
    """
    top, left = sheet.start or (0, 0)
    width = left + sheet.width
    seen: dict = {}

    def first(v):
        c = seen[v] = _clean_cell(v) if cleaned else v
        return c

    str_, float_, empty = str, float, (None if cleaned else "")
    out = []
    for r in sheet.iter_rows():  # rows from row 1, columns from the first used one
        # other cells (int, bool, datetime) are their own cleaned value
        row = [(seen[v] if v in seen else first(v)) if v.__class__ is str_ or v.__class__ is float_ else v for v in r]
        out.append([empty] * (width - len(row)) + row if len(row) < width else row)
    if sheet.height and len(out) != top + sheet.height:  # another calamine's row numbering: the plain way
        rows = sheet.to_python(skip_empty_area=False)
        return _cleaned_rows(rows) if cleaned else rows
    return out


def _cleaned_rows(rows: list[list]) -> list[list]:
    """:func:`_clean_cell` on every cell, each distinct text and number cleaned once."""
    done: dict = {}

    def first(v):
        c = done[v] = _clean_cell(v)
        return c

    str_, float_ = str, float
    return [[(done[v] if v in done else first(v)) if v.__class__ is str_ or v.__class__ is float_ else _clean_cell(v)
             for v in r] for r in rows]


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
    title rows above the header (common in hand-made sheets) are skipped. When that
    row leaves columns with data unnamed (a merged cell spanning them) or repeats a
    name, and the row below (or above) holds the sub-questions, the two rows are
    combined: ``题干`` over ``子问题`` becomes ``题干—子问题`` (see :func:`combine_header_rows`).
    """
    return _table(_cleaned_rows(rows), file=file, sheet=sheet)


def _table(rows: list[list], *, file: str, sheet: str | None) -> RawTable:
    """:func:`table_from_rows` on rows already cleaned (this function's own lists: they are reused)."""
    widths = [len(r) - r.count(None) for r in rows]
    if not rows or max(widths, default=0) == 0:
        raise DataError("the sheet is empty", file=file, sheet=sheet,
                        hint="check that the export was pasted into this sheet")
    widest = max(widths)
    h = next(i for i, w in enumerate(widths) if w >= max(2, widest / 2) or (widest == 1 and w == 1))
    names = _header_names(rows[h], rows[h + 1:])
    if _header_problem(names, rows[h + 1:]):
        for top in (h - 1, h):  # the stem row above the sub-question row, or below it
            if top < 0 or top + 1 >= len(rows):
                continue
            combined = combine_header_rows(rows[top], rows[top + 1], rows[top + 2:])
            if combined is not None:
                h, names = top + 1, combined
                break
    _check_header(names, rows[h + 1:], file=file, sheet=sheet, row=h + 1)
    keep = [j for j, n in enumerate(names) if n is not None]
    n = len(keep)
    leading = keep == list(range(n))  # the usual sheet: the named columns come first, none skipped
    body = []
    index = []
    for i, r in enumerate(rows[h + 1:], start=h + 2):
        if leading:  # rows are this function's own lists: sliced or padded, not copied cell by cell
            vals = r if len(r) == n else r[:n] if len(r) > n else r + [None] * (n - len(r))
        else:
            vals = [r[j] if j < len(r) else None for j in keep]
        if vals.count(None) == n:
            continue
        body.append(vals)
        index.append(i)
    data = pd.DataFrame(body, columns=[names[j] for j in keep], index=pd.Index(index, name="row"), dtype=object)
    return RawTable(file=file, sheet=sheet, header_row=h + 1, data=data)


def _header_names(header: list, below: list[list]) -> list[str | None]:
    """Header texts up to the last non-empty header cell (None for an empty cell)."""
    last = max((i for i, v in enumerate(header) if v is not None), default=-1)
    return [None if v is None else _header_text(v) for v in header[: last + 1]]


def _has_data(below: list[list], j: int) -> bool:
    return any(j < len(r) and r[j] is not None for r in below)


def _data_width(below: list[list]) -> int:
    """One past the last column holding a value in any row (rows scanned from their end)."""
    width = 0
    for r in below:
        j = len(r)
        while j > width and r[j - 1] is None:
            j -= 1
        width = max(width, j)
    return width


def _header_problem(names: list[str | None], below: list[list]) -> bool:
    """True if a column with data has no header, or a header is repeated."""
    width = max(len(names), _data_width(below))
    unnamed = any((j >= len(names) or names[j] is None) and _has_data(below, j) for j in range(width))
    present = [n for n in names if n is not None]
    return unnamed or len(present) != len(set(present))


def _check_header(names: list[str | None], below: list[list], *, file, sheet, row: int) -> None:
    # Notes to the right of the table, after an empty column, are not read; but data in
    # the column right after the last header belongs to the table (e.g. the blank
    # columns of a header cell merged over several answer columns) and must not vanish.
    for j, name in enumerate([*names, None]):
        if name is None and _has_data(below, j):
            raise DataError("a column with data has no header", file=file, sheet=sheet, row=row,
                            column=excel_column(j),
                            hint="give the column a header or delete it (for a question header over two rows, "
                                 "fill in every sub-question cell of the second row)")
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name is None:
            continue
        if name in seen:
            raise DataError(f"duplicate header '{name}'", file=file, sheet=sheet, row=row,
                            column=f"{excel_column(seen[name])} and {excel_column(j)}",
                            hint="rename one of the two columns")
        seen[name] = j


def combine_header_rows(top: list, sub: list, below: list[list]) -> list[str | None] | None:
    """Header names from a two-row header, or None if the rows do not form one.

    ``top`` holds single-column headers (序号, 提交答卷时间 …, merged down over both
    rows so ``sub`` is empty or repeats them) and stems spanning several columns —
    a merged cell (value in its first column, blanks after, as calamine and openpyxl
    both return it) or the same text repeated. ``sub`` holds a text in every column
    of a stem. A stem's column is named ``题干—子问题``, or just the sub-question
    when that already carries a question number (``4、(成就感)``). A title row over
    the whole table is not a stem row: there must be at least one single-column
    header beside the stems.
    """
    width = max(len(top), len(sub), _data_width(below))

    def cell(r: list, j: int):
        return r[j] if j < len(r) else None

    names: list[str | None] = [None] * width
    spans = 0
    single = 0
    j = 0
    while j < width:
        stem = cell(top, j)
        if stem is None:
            if cell(sub, j) is not None or _has_data(below, j):
                return None  # a column outside any header cell
            j += 1
            continue
        end = j + 1
        while end < width and cell(sub, end) is not None and cell(top, end) in (None, stem):
            end += 1
        if end - j == 1:
            if cell(sub, j) not in (None, stem):
                return None  # a different value under a single header: that is a data row
            names[j] = _header_text(stem)
            single += 1
        else:
            parts = [cell(sub, k) for k in range(j, end)]
            if not all(isinstance(p, str) for p in parts):
                return None
            stem_text = _header_text(stem)
            for k, part in zip(range(j, end), parts):
                names[k] = part if _NUMBERED.match(part) else f"{stem_text}{SUB_SEP}{part}"
            spans += 1
        j = end
    if not spans or not single:
        return None
    while names and names[-1] is None:
        names.pop()
    return names




def read_table(path: str | Path, sheet: str | None = None, *, limits: Limits | None = None) -> RawTable:
    """Read one table from an xlsx sheet (the first if ``sheet`` is None), a CSV or an SPSS file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return _read_csv(path, limits)
    if path.suffix.lower() in SPSS_SUFFIXES:
        return read_sav(path, limits=limits)
    wb = Workbook(path, limits=limits)
    return wb.table(sheet if sheet is not None else wb.sheet_names[0])


def _check_quotes(rows: list[list[str]], starts: list[int], path: Path) -> None:
    """A stray quote opening a cell (``"链接``) makes every following line part of that cell, until
    the next quote or the end: the rows vanish without a parse error. A cell holding a line with as
    many commas as a row has separators is such a swallow (free text does not hold 22 commas)."""
    width = max((len(r) for r in rows[:5]), default=0)
    need = max(width - 1, 5)
    for r, start in zip(rows, starts):
        for j, cell in enumerate(r):
            if "\n" in cell and any(line.count(",") >= need for line in cell.splitlines()[1:]):
                header = rows[0][j] if j < len(rows[0]) and rows[0][j] else f"column {j + 1}"
                raise DataError(f"a quote (\") opening this cell is never closed: the next {cell.count(chr(10))} "
                                "lines were read into the one cell", file=str(path), row=start,
                                column=header, hint="delete the stray quote on that line (or double it: \"\"), "
                                                    "or save the file again from Excel as CSV UTF-8")


def _read_csv(path: Path, limits: Limits | None = None) -> RawTable:
    check_regular_file(path, limits, what="CSV file")
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError("this is an Excel workbook with a .csv name", file=path,
                        hint="rename it to .xlsx, or save it from Excel as CSV UTF-8")
    furthest = 0
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError as exc:
            furthest = max(furthest, exc.start)  # the encoding that read further is the file's
            continue
    else:  # neither: say where the damage is
        line = raw[:furthest].count(b"\n") + 1
        raise DataError(f"cannot decode the file as UTF-8 or GBK (byte {furthest}, line {line})", file=path,
                        row=line, hint="save the file as UTF-8 CSV, or fix the damaged line")
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    rows, starts, starts_next = [], [], 1  # each record and the line it starts on
    try:
        for r in reader:
            starts.append(starts_next)
            starts_next = reader.line_num + 1
            rows.append(list(r))
    except csv.Error as exc:  # a cell over 128 KB, a damaged quote …
        raise DataError(f"cannot read the CSV ({exc})", file=str(path), row=reader.line_num,
                        hint="check that line in a text editor (an unclosed quote, a huge cell), or save the "
                             "file again from Excel as CSV UTF-8") from None
    _check_quotes(rows, starts, path)
    table = table_from_rows(rows, file=str(path), sheet=None)
    return RawTable(table.file, None, table.header_row, table.data, encoding="utf-8" if enc == "utf-8-sig" else "gbk")


def read_sav(path: str | Path, *, limits: Limits | None = None) -> RawTable:
    """An SPSS ``.sav`` / ``.zsav`` file as a :class:`RawTable`, read with pyreadstat.

    Headers are the variable labels (the variable name when a variable has no
    label), so they match questions like any export header (``N、题目``,
    ``N、(子问题)``, the question text). Cells hold the value label of a code when
    it has one (the option text, as in a 问卷星 按文本 export) and the value
    otherwise; system- and user-missing values are empty. Dates and times come
    through as Python datetimes. The index is the case number.
    """
    path = Path(path)
    check_regular_file(path, limits, what="SPSS file")
    try:
        import pyreadstat
    except ImportError:  # pragma: no cover - a declared dependency
        raise DataError("reading SPSS files needs the pyreadstat package", file=path,
                        hint="pip install pyreadstat") from None
    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=False)
    except Exception as exc:  # pyreadstat's ReadstatError / PyreadstatError and OS errors
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"not a readable SPSS .sav file ({detail})", file=path,
                        hint="export the data again from SPSS (File > Save As > .sav)") from None
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    headers: dict[str, str] = {}
    for name in meta.column_names:
        header = (labels.get(name) or "").strip() or name
        if header in headers:
            raise DataError(f"variables {headers[header]} and {name} have the same label '{header}'", file=path,
                            hint="give the variables distinct labels in SPSS, or map them to items by variable "
                                 "name with a column map (source.columns or --columns)")
        headers[header] = name
    value_labels = meta.variable_value_labels or {}
    data = pd.DataFrame({header: _sav_column(df[name], value_labels.get(name, {})) for header, name in headers.items()},
                        dtype=object)
    data.index = pd.Index(range(1, len(data) + 1), name="row")
    return RawTable(file=str(path), sheet=None, header_row=0, data=data, variables=headers)


def _sav_column(values: pd.Series, labels: dict) -> pd.Series:
    """Codes → value labels, missing → None, whole floats → int, timestamps → datetime."""

    def cell(v):
        if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            return None
        if v in labels:
            return _clean_cell(labels[v])
        if isinstance(v, pd.Timestamp):
            return v.to_pydatetime()
        if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalar
            v = v.item()
        return _clean_cell(v)

    out = values.astype(object)
    mapped = {v: cell(v) for v in out.dropna().unique()}
    return pd.Series([mapped[v] if v in mapped else cell(v) for v in out], dtype=object)
