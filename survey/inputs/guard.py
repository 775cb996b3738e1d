"""Looking at an input file before any reader touches it: resource limits and hostile files.

A reader (calamine, openpyxl, pyreadstat) handed a hostile file may hang (a named
pipe), eat gigabytes (a compressed sheet expanding to 1.5 GB, one stray cell at row
1,048,576 making a dense 27-million-cell grid) or die in native code. So every file
is checked first, cheaply, and refused with one line naming the file, the sheet and
the limit when it is not what it claims to be:

- :func:`check_regular_file`: the path is a regular file (not a FIFO, a device, a folder)
  and not larger than :attr:`Limits.max_file_mb`;
- :func:`inspect_xlsx`: the bytes are a zip (an OLE2 file is an encrypted workbook or an old
  .xls; text is a CSV renamed .xlsx), with at most :attr:`Limits.max_entries` entries, each
  entry's *actual* expanded size (streamed, never trusted from the header) within
  :attr:`Limits.max_xlsx_mb` in total and :attr:`Limits.max_ratio` times its compressed size,
  no DTD in any XML part (entity bombs, external entities), no link to another workbook;
  and for each worksheet a cheap bound of its grid (largest row × 26, 702 or the largest
  three-letter column), so that :meth:`XlsxInfo.check_sheet` can refuse a sheet whose grid
  would exceed :attr:`Limits.max_cells` before it is expanded. A sheet over the bound is
  read once more for the exact extent of the cells that hold a *value* (formatting far
  below the table is not a value; calamine ignores it too). The sheet's ``<dimension>`` is
  not trusted: it counts formatted cells and a hostile file can make it say anything.

The check costs about 1 s per 70 MB of sheet XML (a 50,000-row export: a fraction of a
second); the exact pass, when needed, about 5 s per 70 MB.

The limits can be raised with a :class:`Limits` argument, for a whole block of code with
``with using_limits(Limits(...)):`` (what the command line's ``--max-cells``, ``--max-xlsx-mb``,
``--max-file-mb``, ``--max-ratio`` and ``--max-entries`` do), or with the environment variables
``SURVEY_MAX_CELLS``, ``SURVEY_MAX_XLSX_MB``, ``SURVEY_MAX_FILE_MB``, ``SURVEY_MAX_RATIO`` and
``SURVEY_MAX_ENTRIES``.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from pathlib import Path

from survey.errors import DataError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20
_MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """How much an input may cost before it is refused (raise them for very large surveys)."""

    # Each limit's meaning is its metadata "help" (the command line's --max-… options show it).
    max_cells: int = field(default=5_000_000, metadata={
        "help": "Most cells (rows × columns) the values of one sheet may span.", "unit": "N"})
    max_xlsx_mb: float = field(default=512, metadata={
        "help": "Most MB an xlsx may expand to (its zip entries uncompressed, in all).", "unit": "MB"})
    max_file_mb: float = field(default=512, metadata={"help": "Largest input file on disk, in MB.", "unit": "MB"})
    max_ratio: float = field(default=200, metadata={
        "help": "Most times one xlsx zip entry over 1 MB may expand its compressed size.", "unit": "X"})
    max_entries: int = field(default=10_000, metadata={"help": "Most zip entries of an xlsx.", "unit": "N"})

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, overridden by ``SURVEY_MAX_CELLS`` … where set."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"SURVEY_{f.name.upper()}")
            if raw:
                try:
                    values[f.name] = type(getattr(cls, f.name))(float(raw))
                except ValueError:
                    raise DataError(f"SURVEY_{f.name.upper()} is not a number", got=raw,
                                    hint="set it to a number or unset it") from None
        return cls(**values)

    @classmethod
    def current(cls) -> Limits:
        """The limits in effect: those of the innermost :func:`using_limits`, else :meth:`from_env`."""
        return _IN_EFFECT.get() or cls.from_env()


_IN_EFFECT: ContextVar[Limits | None] = ContextVar("survey_limits", default=None)


@contextmanager
def using_limits(limits: Limits) -> Iterator[Limits]:
    """Every read inside the block that is given no ``limits`` argument uses ``limits``.

    >>> with using_limits(Limits(max_cells=10_000_000)):
    ...     Limits.current().max_cells
    10000000
    """
    token = _IN_EFFECT.set(limits)
    try:
        yield limits
    finally:
        _IN_EFFECT.reset(token)


_READ: ContextVar[set[tuple[int, int]] | None] = ContextVar("survey_inputs_read", default=None)


@contextmanager
def protecting_inputs() -> Iterator[None]:
    """Remember, inside the block, every input file that :func:`check_regular_file` checks.

    :func:`is_input` then says so, and :func:`survey.render.files.write_files` refuses to
    replace it (``survey weight data.csv -o data.csv``). The command line runs every
    command inside one.
    """
    token = _READ.set(set())
    try:
        yield
    finally:
        _READ.reset(token)


def is_input(path: str | Path) -> bool:
    """Whether ``path`` is (the same file as) an input read inside the current :func:`protecting_inputs`."""
    read = _READ.get()
    if not read:
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) in read


def _env_hint(name: str, value) -> str:
    return (f"raise the limit (--{name.replace('_', '-')} {value} on the command line, SURVEY_{name.upper()}={value} "
            f"in the environment, or Limits({name}=…))")


_BOMB = "this is not a normal export (a zip bomb?); if the file is genuine, "


def check_regular_file(path: Path, limits: Limits | None = None, *, what: str = "file") -> int:
    """Refuse what is not a regular, readable file of sane size; return its size in bytes."""
    limits = limits or Limits.current()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError("file not found", file=str(path), hint="check the path and the file name") from None
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", file=str(path), hint="check the path") from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(f"is a folder, not a {what}", file=str(path), hint=f"name the {what} itself")
    if not stat.S_ISREG(st.st_mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise DataError(f"is {kind}, not a regular file", file=str(path),
                        hint="save the data to a file first and name that file")
    read = _READ.get()
    if read is not None:
        read.add((st.st_dev, st.st_ino))
    if st.st_size > limits.max_file_mb * _MB:
        raise DataError(f"the file is {st.st_size / _MB:.0f} MB, over the limit of {limits.max_file_mb:g} MB",
                        file=str(path), hint="split the file, or " + _env_hint("max_file_mb", int(st.st_size / _MB) + 1))
    return st.st_size


_OTHER_FILES = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
                (b"%PDF", "a PDF document"))  # what else lands under an .xlsx name, by its first bytes


def _not_a_zip(path: Path, head: bytes) -> DataError:
    if head.startswith(OLE2_MAGIC[:4]):
        with open(path, "rb") as fh:
            block = fh.read(1 << 16)
        if "EncryptionInfo".encode("utf-16-le") in block or "EncryptedPackage".encode("utf-16-le") in block:
            return DataError("the workbook is password-protected (encrypted)", file=str(path),
                             hint="open it in Excel, remove the password (File → Info → Protect Workbook) and save")
        return DataError("this is an old Excel 97-2003 file (.xls format), not an .xlsx workbook", file=str(path),
                         hint="open it in Excel and save it as .xlsx (Excel Workbook)")
    if not head:
        return DataError("the file is empty", file=str(path), hint="export the data again")
    kind = next((k for magic, k in _OTHER_FILES if head.startswith(magic)), None)
    if kind is not None:  # before the text test: a short or truncated image may hold no NUL
        return DataError(f"this is {kind}, not an xlsx workbook", file=str(path),
                         hint="give the workbook the survey was exported to (.xlsx)")
    text = head.lstrip(b"\xef\xbb\xbf")
    if b"\x00" not in text[:512] and (b"," in text or b"\t" in text or b"\n" in text):
        return DataError("this is a text (CSV) file with an .xlsx name", file=str(path),
                         hint="rename it to .csv, or open it in Excel and save it as .xlsx")
    return DataError("not a readable xlsx workbook (not a zip file)", file=str(path),
                     hint="open the file in Excel and save it again as .xlsx")


# A cell that holds something: <c r="B12" …> (not self-closing) — empty styled cells are <c r="B12" s="3"/>.
# A cell reference and whether its tag closes at once (<c r="B12" s="3"/>: styled but empty).
_CELL = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"[^>]*?(/?)>')
_ROW = re.compile(rb'<row r="(\d{1,7})"')               # literal prefixes: fast scans
_ROW_WITHOUT_R = re.compile(rb'<row(?=[\s>/])(?![^>]*\sr=")')
_COL3 = re.compile(rb' r="([A-Z]{3})\d')
_COL2 = re.compile(rb' r="([A-Z]{2})\d')
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?>')
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*?>')


def column_number(letters: bytes | str) -> int:
    """'A' → 1, 'AA' → 27."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class _Box:
    """The extent of a sheet: a cheap upper bound first, the exact extent of its values when needed."""

    entry: str = ""
    bound_rows: int = 0      # largest <row r="…">
    bound_cols: int = 0      # 26, 702, or the largest three-letter column
    rows_without_r: bool = False
    count: int = 0           # <c …> tags, empty or not
    exact: bool = False
    rows: int = 0            # last row holding a value
    cols: int = 0            # last column holding a value
    row_cell: str = ""       # a cell in the last row
    col_cell: str = ""       # a cell in the last column

    @property
    def bound(self) -> int:
        return self.bound_rows * self.bound_cols

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    @property
    def farthest(self) -> str:
        return self.row_cell if self.row_cell == self.col_cell else f"{self.row_cell} and {self.col_cell}"


@dataclass
class XlsxInfo:
    """What :func:`inspect_xlsx` found: the sheets' entries and the extent of their values."""

    path: Path
    limits: Limits
    sheets: dict[str, str] = field(default_factory=dict)   # sheet name → zip entry
    boxes: dict[str, _Box] = field(default_factory=dict)    # zip entry → extent of its values

    def check_sheet(self, sheet: str) -> None:
        """Refuse a sheet whose values span a grid larger than ``max_cells`` (before reading it).

        The bound found while inspecting settles almost every sheet; only a sheet whose bound
        is over the limit (formatting far below the table, a stray value) is read once more
        for the exact extent of the cells that hold a value.
        """
        box = self.boxes.get(self.sheets.get(sheet, ""))
        if box is None:
            return
        if box.count <= self.limits.max_cells and box.bound <= self.limits.max_cells and not box.rows_without_r:
            return
        if not box.exact:
            _exact_extent(self.path, box)
        if max(box.cells, box.count) <= self.limits.max_cells:
            return
        if box.cells <= self.limits.max_cells:
            raise DataError(f"the sheet holds {box.count:,} cells, over the limit of {self.limits.max_cells:,}",
                            file=str(self.path), sheet=sheet, hint="split the data, or " + _env_hint("max_cells", box.count))
        raise DataError(f"the sheet's values span {box.rows:,} rows × {box.cols:,} columns ({box.cells:,} cells, "
                        f"over the limit of {self.limits.max_cells:,}); the farthest values are in {box.farthest}",
                        file=str(self.path), sheet=sheet,
                        hint="delete the stray cells below or right of the table (Ctrl+End shows the last one), or "
                             + _env_hint("max_cells", box.cells))


def _attrs(tag: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: v.decode("utf-8", "replace") for k, v in _ATTR.findall(tag)}


def _expanded(fh, info: zipfile.ZipInfo):
    """An entry's bytes, chunk by chunk, expanded from its raw data — never trusting the declared size.

    Python's zipfile stops at the size the directory declares; a forged small size would hide
    what another reader (calamine) would expand. So the deflate stream is read to its real end,
    and a size or CRC that disagrees with the directory is damage.
    """
    if info.flag_bits & 0x1:
        raise zipfile.BadZipFile(f"entry {info.filename} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise zipfile.BadZipFile(f"entry {info.filename} uses an unusual compression ({info.compress_type})")
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header of {info.filename}")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    size, crc = 0, 0
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while True:
        if inflate is not None and inflate.unconsumed_tail:
            data = inflate.unconsumed_tail
        elif inflate is not None and inflate.eof:
            break
        else:
            if left <= 0:
                if inflate is None:
                    break
                raise zipfile.BadZipFile(f"the data of {info.filename} ends early")
            data = fh.read(min(_CHUNK, left))
            if not data:
                raise zipfile.BadZipFile(f"the data of {info.filename} is truncated")
            left -= len(data)
        out = data if inflate is None else inflate.decompress(data, _CHUNK)
        if out:
            size += len(out)
            if size > info.file_size:  # a forged directory: stop at once, whatever the real size
                raise zipfile.BadZipFile(f"{info.filename} expands beyond the size the zip directory declares")
            crc = zlib.crc32(out, crc)
            yield out
    if size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"the size or CRC of {info.filename} disagrees with the zip directory")


def _stream(fh, info: zipfile.ZipInfo, budget: int, path: Path, limits: Limits, on_chunk=None) -> int:
    """Expand one entry chunk by chunk, refusing it past the budget or the ratio; return its size."""
    size = 0
    tail = b""
    ratio_cap = max(_MB, limits.max_ratio * max(info.compress_size, 1))
    for chunk in _expanded(fh, info):
        size += len(chunk)
        if size > budget:
            raise DataError(f"the workbook expands to more than {limits.max_xlsx_mb:g} MB (entry {info.filename})",
                            file=str(path), hint=_BOMB
                            + _env_hint("max_xlsx_mb", int(limits.max_xlsx_mb * 4)))
        if size > ratio_cap:
            raise DataError(f"entry {info.filename} expands more than {limits.max_ratio:g} times its compressed "
                            f"size", file=str(path), hint=_BOMB
                            + _env_hint("max_ratio", int(limits.max_ratio * 10)))
        window = tail + chunk
        if (b"<!DOCTYPE" in window or b"<!ENTITY" in window) and info.filename.endswith((".xml", ".rels", ".vml")):
            raise DataError(f"entry {info.filename} declares a DTD or entities (an XML entity bomb or external "
                            "entity)", file=str(path), hint="open the file in Excel and save it again as .xlsx")
        if on_chunk is not None:
            on_chunk(window, len(tail))
        tail = chunk[-256:]
    return size


def _odd_rows(window: bytes, first: bool) -> bool:
    """Rows whose position calamine infers (no r="…"), or prefixed tags (<x:row>): settle them exactly."""
    if first and re.search(rb"<\w+:worksheet\b", window):
        return True
    m = _ROW_WITHOUT_R.search(window)
    return m is not None and window.find(b">", m.start()) != -1  # a tag cut by the window's end is not one


def _bound_cells(box: _Box):
    """The chunk callback of the inspection: a cheap upper bound of the sheet's grid."""

    def on_chunk(window: bytes, overlap: int) -> None:
        chunk = window[overlap:]
        box.count += chunk.count(b"<c ")
        rows = _ROW.findall(window)
        if rows:
            box.bound_rows = max(box.bound_rows, *map(int, rows))
        box.rows_without_r = box.rows_without_r or _odd_rows(window, first=overlap == 0)
        cols3 = _COL3.findall(window)
        if cols3:
            box.bound_cols = max(box.bound_cols, *(column_number(c) for c in set(cols3)))
        elif box.bound_cols < 702 and (cols2 := _COL2.findall(window)):
            # the largest two-letter column, not 702 (ZZ): a 40-column export (AN) stays under the cell limit
            box.bound_cols = max(box.bound_cols, *(column_number(c) for c in set(cols2)))
        else:
            box.bound_cols = max(box.bound_cols, 26)

    return on_chunk


def _exact_extent(path: Path, box: _Box) -> None:
    """Read a sheet's entry once more for the exact extent of the cells holding a value."""

    def on_chunk(window: bytes, overlap: int) -> None:
        cells = [(c, r) for c, r, empty in _CELL.findall(window) if not empty]
        box.count += len(cells) - sum(not e for _, _, e in _CELL.findall(window[:overlap]))  # value cells only
        if not cells:
            return
        last_row = max(cells, key=lambda cr: (len(cr[1]), cr[1]))
        last_col = max(cells, key=lambda cr: (len(cr[0]), cr[0]))
        if int(last_row[1]) > box.rows:
            box.rows, box.row_cell = int(last_row[1]), (last_row[0] + last_row[1]).decode()
        if column_number(last_col[0]) > box.cols:
            box.cols, box.col_cell = column_number(last_col[0]), (last_col[0] + last_col[1]).decode()

    box.count = 0
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        info = zf.getinfo(box.entry)
        n_rows, without_r, tail = 0, False, b""
        for chunk in _expanded(raw, info):
            on_chunk(tail + chunk, len(tail))  # the overlap catches a cell cut by the chunk's end
            without_r = without_r or _odd_rows(tail + chunk, first=not tail)
            tail = chunk[-256:]
            n_rows += len(re.findall(rb"<(?:\w+:)?row[\s>]", chunk))
        if without_r and n_rows > box.rows:  # rows without r="…": calamine numbers them in order
            box.rows, box.row_cell, box.cols = n_rows, f"row {n_rows}", max(box.cols, 1)
            box.col_cell = box.col_cell or box.row_cell
    box.exact = True


def inspect_xlsx(path: str | Path, limits: Limits | None = None) -> XlsxInfo:
    """Check an xlsx file before it is read (see the module's docstring); raise DataError if hostile."""
    path = Path(path)
    limits = limits or Limits.current()
    check_regular_file(path, limits, what="workbook")
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head.startswith(b"PK"):
        raise _not_a_zip(path, head)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(f"not a readable xlsx workbook: damaged or truncated ({exc})", file=str(path),
                        hint="copy or download the file again, or open it in Excel and save it again") from None
    info = XlsxInfo(path, limits)
    with zf, open(path, "rb") as raw:
        entries = zf.infolist()
        if len(entries) > limits.max_entries:
            raise DataError(f"the workbook has {len(entries):,} zip entries, over the limit of {limits.max_entries:,}",
                            file=str(path),
                            hint="this is not a normal export; if it is genuine, " + _env_hint("max_entries", len(entries)))
        names = {e.filename for e in entries}
        if "xl/workbook.xml" not in names:
            raise DataError("a zip file, but not an xlsx workbook (no xl/workbook.xml)", file=str(path),
                            hint="open the file in Excel and save it as .xlsx")
        if any(n.startswith("xl/externalLinks/") for n in names):
            raise DataError("the workbook links to other workbooks (external links)", file=str(path),
                            hint="in Excel use Data → Edit Links → Break Link (keeps the values), save, and try again")
        budget = int(limits.max_xlsx_mb * _MB)
        _check_declared(path, entries, budget, limits)
        parts: dict[str, bytes] = {}
        try:
            for e in entries:
                if e.is_dir():
                    continue
                if e.filename.startswith("xl/worksheets/") and e.filename.endswith(".xml"):
                    box = info.boxes.setdefault(e.filename, _Box(entry=e.filename))
                    budget -= _stream(raw, e, budget, path, limits, _bound_cells(box))
                elif e.filename in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
                    chunks: list[bytes] = []
                    budget -= _stream(raw, e, budget, path, limits, lambda w, o, into=chunks: into.append(w[o:]))
                    parts[e.filename] = b"".join(chunks)
                else:
                    budget -= _stream(raw, e, budget, path, limits)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise DataError(f"not a readable xlsx workbook: damaged ({type(exc).__name__}: {exc})", file=str(path),
                            hint="copy or download the file again, or open it in Excel and save it again") from None
    info.sheets = _sheet_entries(path, parts)
    return info


def _check_declared(path: Path, entries: list[zipfile.ZipInfo], budget: int, limits: Limits) -> None:
    """The sizes the zip's directory declares (honest in all but forged files, which the streaming catches)."""
    total = sum(e.file_size for e in entries)
    if total > budget:
        raise DataError(f"the workbook expands to {total / _MB:,.0f} MB, over the limit of {limits.max_xlsx_mb:g} MB",
                        file=str(path), hint=_BOMB
                        + _env_hint("max_xlsx_mb", int(total / _MB) + 1))
    for e in entries:
        if e.file_size > _MB and e.file_size > limits.max_ratio * max(e.compress_size, 1):
            raise DataError(f"entry {e.filename} expands {e.file_size / max(e.compress_size, 1):,.0f} times its "
                            f"compressed size, over the limit of {limits.max_ratio:g}", file=str(path),
                            hint=_BOMB
                            + _env_hint("max_ratio", int(e.file_size / max(e.compress_size, 1)) + 1))


def _sheet_entries(path: Path, parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name → its zip entry, from workbook.xml and its relationships; refuses external sheets."""
    rels = {}
    for tag in _REL.findall(parts.get("xl/_rels/workbook.xml.rels", b"")):
        a = _attrs(tag)
        if a.get("TargetMode", "").lower() == "external" and "worksheet" in a.get("Type", ""):
            raise DataError(f"a sheet of the workbook lives outside it ({a.get('Target')})", file=str(path),
                            hint="open the workbook in Excel, copy the sheet's values in, and save")
        target = a.get("Target", "").lstrip("/")
        rels[a.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
    out = {}
    for tag in _SHEET.findall(parts.get("xl/workbook.xml", b"")):
        a = _attrs(tag)
        if "name" in a and a.get("id") in rels:
            out[_unescape(a["name"])] = rels[a["id"]]
    return out


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
