"""SpreadsheetML written directly: the one xlsx writer of the package.

Every workbook the package writes is made here, without openpyxl (0.26 s to import
its writer, ~15 µs a cell): the small formatted report workbooks
(:func:`survey.render.office.xlsx_bytes`, :func:`survey.render.annex.annex_xlsx_bytes`)
through :class:`Workbook` and :class:`Sheet`, the large tables
(:mod:`survey.render.bigxlsx`) streaming their own ``<sheetData>`` through
:func:`package_bytes`. Both share the package: content types, relationships, document
properties, ``workbook.xml`` (print titles as ``_xlnm.Print_Titles``), ``styles.xml``
(:class:`Styles`), a theme, and the zip with every member at one fixed time.

What a reader may rely on:

- **text is text**: a string is an inline string cell, never a formula, whatever it
  starts with (only a :class:`Formula` value is written as one); the control
  characters Excel rejects are dropped;
- **equal content, equal bytes**: no clock is read here; the caller passes the
  document time (:func:`survey.render.office.stamp`);
- **what Excel asks of the parts**: the children of ``<worksheet>`` in the order of the
  schema (sheetPr, dimension, sheetViews, sheetFormatPr, cols, sheetData, mergeCells,
  printOptions, pageMargins, pageSetup), counts in ``styles.xml`` that match, sheet
  names of at most 31 characters without ``[]:*?/\\``, distinct.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from survey.errors import excel_column
from survey.render.xmltext import xml_text

_NS = "http://schemas.openxmlformats.org"
_MAIN = f"{_NS}/spreadsheetml/2006/main"
_REL = f"{_NS}/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# the number formats every Excel knows by id (ECMA-376 Part 1, 18.8.30); others get ids from 164
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10,
                   "0.00E+00": 11, "mm-dd-yy": 14, "h:mm": 20, "h:mm:ss": 21, "@": 49}
DATETIME_FORMAT, DATE_FORMAT, TIME_FORMAT = "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd", "h:mm:ss"
SIDES = "lrtb"  # thin border on the left, right, top and bottom: Style(border=SIDES)
_SIDE_TAGS = (("l", "left"), ("r", "right"), ("t", "top"), ("b", "bottom"))


@dataclass(frozen=True)
class Style:
    """A cell's look: font, fill, thin border sides, alignment and number format."""

    bold: bool = False
    size: float | None = None        # font size in points (None: the workbook's 11)
    font: str | None = None          # font name (None: the workbook's, Calibri; 宋体 for Chinese)
    fill: str | None = None          # solid background, RGB hex such as "F2F2F2"
    border: str = ""                 # thin lines on these sides, a subset of SIDES ("lrtb": all four)
    horizontal: str | None = None    # "center", "left", "right"
    vertical: str | None = None      # "center", "top", "bottom"
    wrap: bool = False
    number_format: str = "General"


PLAIN = Style()


class Formula(str):
    """A cell value written as a formula, without its '=': ``Formula("SUM(G3:G21)")``.

    Any other string is written as text.
    """


def cell_value(v):
    """A value as a cell holds it: None for missing (None, NaN, NaT, NA), Python scalars, text without control characters.

    >>> cell_value(float("nan")), cell_value(np.int64(3)), cell_value("a\x07b"), cell_value(pd.Timestamp("2021-03-01"))
    (None, 3, 'ab', datetime.datetime(2021, 3, 1, 0, 0))
    """
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, str):
        return v if isinstance(v, Formula) else xml_text(v)
    if isinstance(v, float):
        return None if v != v else v
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.datetime64):
        return cell_value(pd.Timestamp(v))
    if isinstance(v, np.generic):
        return cell_value(v.item())
    if isinstance(v, (Decimal, Fraction)):
        return cell_value(float(v))
    return v


def sheet_names(names: Iterable[str]) -> list[str]:
    """Names Excel accepts: ``[]:*?/\\`` become '_', at most 31 characters, no two alike (case aside)."""
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", xml_text(str(name))).strip("'")[:31] or "Sheet"
        new, k = base, 1
        while new.casefold() in seen:
            new = f"{base[:31 - len(str(k))]}{k}"
            k += 1
        seen.add(new.casefold())
        out.append(new)
    return out


class Styles:
    """The cell formats of one workbook: each distinct :class:`Style` an id (0: the default), and styles.xml."""

    def __init__(self, *styles: Style) -> None:
        self._ids: dict[Style, int] = {PLAIN: 0}
        self.styles: list[Style] = [PLAIN]
        for s in styles:
            self.id(s)

    def id(self, style: Style) -> int:
        """The id cells of ``style`` carry (``s="…"``), registering it the first time."""
        got = self._ids.get(style)
        if got is None:
            got = self._ids[style] = len(self.styles)
            self.styles.append(style)
        return got

    def xml(self) -> str:
        """xl/styles.xml: number formats, fonts, fills, borders and one cellXfs entry per style, counted."""
        formats: dict[str, int] = {}
        fonts: dict[tuple, int] = {(False, None, None): 0}
        fills: dict[str | None, int] = {None: 0, "gray125": 1}
        borders: dict[str, int] = {"": 0}
        xfs = []
        for s in self.styles:
            fmt = BUILTIN_FORMATS.get(s.number_format)
            if fmt is None:
                fmt = formats.setdefault(s.number_format, 164 + len(formats))
            font = fonts.setdefault((s.bold, s.size, s.font), len(fonts))
            fill = fills.setdefault(s.fill, len(fills))
            border = borders.setdefault(s.border, len(borders))
            xfs.append(_xf(s, fmt, font, fill, border))
        num_fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(code, _QUOTE)}"/>' for code, i in formats.items())
        return (
            f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>' if formats else "")
            + f'<fonts count="{len(fonts)}">' + "".join(_font(*f) for f in fonts) + "</fonts>"
            + f'<fills count="{len(fills)}">' + "".join(_fill(f) for f in fills) + "</fills>"
            + f'<borders count="{len(borders)}">' + "".join(_border(b) for b in borders) + "</borders>"
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            + f'<cellXfs count="{len(xfs)}">' + "".join(xfs) + "</cellXfs>"
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            + '<dxfs count="0"/><tableStyles count="0"/></styleSheet>')


_QUOTE = {'"': "&quot;"}


def _font(bold: bool, size: float | None, name: str | None) -> str:
    """A font: the default is the theme's body font (Calibri; 宋体 for Chinese); the others only
    what they change (as openpyxl wrote them: Excel and LibreOffice show them as before)."""
    if not bold and size is None and name is None:
        return '<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    return ("<font>" + ('<b val="1"/>' if bold else "") + (f'<sz val="{size:g}"/>' if size else "")
            + (f'<name val="{escape(name, _QUOTE)}"/>' if name else "") + "</font>")


def _fill(fill: str | None) -> str:
    if fill is None or fill == "gray125":
        return f'<fill><patternFill patternType="{fill or "none"}"/></fill>'
    return f'<fill><patternFill patternType="solid"><fgColor rgb="FF{fill}"/><bgColor indexed="64"/></patternFill></fill>'


def _border(sides: str) -> str:
    return "<border>" + "".join(f'<{tag} style="thin"/>' if key in sides else f"<{tag}/>"
                                for key, tag in _SIDE_TAGS) + "<diagonal/></border>"


def _xf(s: Style, fmt: int, font: int, fill: int, border: int) -> str:
    applied = "".join(f' apply{name}="1"' for name, on in (("NumberFormat", fmt), ("Font", font), ("Fill", fill),
                                                           ("Border", border)) if on)
    align = "".join(f' {k}="{v}"' for k, v in (("horizontal", s.horizontal), ("vertical", s.vertical),
                                               ("wrapText", "1" if s.wrap else None)) if v)
    head = f'<xf numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"{applied}'
    return f'{head} applyAlignment="1"><alignment{align}/></xf>' if align else head + "/>"


def text_cell(ref: str, text: str, style: int = 0) -> str:
    """An inline string cell (``text`` already without control characters)."""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _cell(ref: str, v, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if v is None or v == "":  # an empty text is a blank cell
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(v, Formula):
        return f'<c r="{ref}"{s}><f>{escape(v.removeprefix("="))}</f></c>'
    if isinstance(v, str):
        return text_cell(ref, v, style)
    if isinstance(v, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int):
        return f'<c r="{ref}"{s}><v>{v}</v></c>'
    if isinstance(v, float):
        return f'<c r="{ref}"{s}><v>{v!r}</v></c>' if math.isfinite(v) else (f'<c r="{ref}"{s}/>' if style else "")
    return text_cell(ref, xml_text(str(v)), style)


def _serial(v) -> tuple[float, str]:
    """A date or time as Excel's day number, and the format it is shown in."""
    if isinstance(v, dt.datetime):
        days = (v.replace(tzinfo=None) - _EXCEL_EPOCH) / dt.timedelta(days=1)
        return days, DATETIME_FORMAT
    if isinstance(v, dt.date):
        return float((v - _EXCEL_EPOCH.date()).days), DATE_FORMAT
    return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400, TIME_FORMAT


@dataclass
class Sheet:
    """One worksheet of a formatted workbook, cell by cell (rows and columns count from 1).

    ``freeze``: rows frozen at the top; ``titles``: the (first, last) rows printed on every
    page; ``fit_width``: printed one page wide; ``margins``: left, right, top, bottom in
    inches (header and footer 0.5); ``centre``: centred on the page horizontally.
    """

    name: str
    styles: Styles
    landscape: bool = False
    freeze: int = 1
    titles: tuple[int, int] | None = (1, 1)
    fit_width: bool = True
    margins: tuple[float, float, float, float] = (0.75, 0.75, 1.0, 1.0)
    centre: bool = False
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    rows: dict[int, dict[int, tuple]] = field(default_factory=dict)

    def put(self, row: int, col: int, value, style: Style | int = 0) -> None:
        """Set one cell: ``value`` (see :func:`cell_value`; a :class:`Formula` is a formula) in ``style``."""
        value = cell_value(value)
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            value, fmt = _serial(value)
            base = self.styles.styles[style] if isinstance(style, int) else style
            style = replace(base, number_format=fmt) if base.number_format == "General" else base
        self.rows.setdefault(row, {})[col] = (value, style if isinstance(style, int) else self.styles.id(style))

    def put_row(self, row: int, values: Sequence, styles: Sequence[int]) -> None:
        """A whole row of values already as cells hold them (:func:`cell_value`), with their style ids."""
        if any(isinstance(v, (dt.date, dt.time)) for v in values):
            for j, (v, s) in enumerate(zip(values, styles), start=1):
                self.put(row, j, v, s)
            return
        self.rows[row] = {j: cell for j, cell in enumerate(zip(values, styles), start=1)}

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Merge a range: the first cell's value shows; the range's edges keep that cell's border sides."""
        anchor = self.rows.get(first_row, {}).get(first_col, (None, 0))
        sides = self.styles.styles[anchor[1]].border
        for r in range(first_row, last_row + 1):
            cells = self.rows.setdefault(r, {})
            for c in range(first_col, last_col + 1):
                if (r, c) == (first_row, first_col):
                    continue
                edge = "".join(k for k, on in (("l", c == first_col), ("r", c == last_col), ("t", r == first_row),
                                                ("b", r == last_row)) if on and k in sides)
                cells[c] = (None, self.styles.id(Style(border=edge)))
        self.merges.append((first_row, first_col, last_row, last_col))

    def xml(self) -> str:
        """xl/worksheets/sheetN.xml, its children in the order the schema requires."""
        last_row = max((r for r, cells in self.rows.items() if cells), default=1)
        last_col = max((max(cells) for cells in self.rows.values() if cells), default=1)
        letters = [""] + [excel_column(j) for j in range(last_col)]
        parts = [f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
                 '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
                 + ('<pageSetUpPr fitToPage="1"/>' if self.fit_width else "") + "</sheetPr>",
                 f'<dimension ref="A1:{letters[last_col]}{last_row}"/>',
                 f'<sheetViews><sheetView workbookViewId="0">{_pane(self.freeze)}</sheetView></sheetViews>',
                 '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>']
        if self.widths:
            parts.append("<cols>" + "".join(f'<col min="{j}" max="{j}" width="{w:.10g}" customWidth="1"/>'
                                            for j, w in sorted(self.widths.items())) + "</cols>")
        parts.append("<sheetData>")
        for r in sorted(set(self.rows) | set(self.heights)):
            height = self.heights.get(r)
            ht = f' ht="{height:g}" customHeight="1"' if height else ""
            cells = self.rows.get(r, {})
            body = "".join(_cell(f"{letters[c]}{r}", *cells[c]) for c in sorted(cells))
            if body or ht:
                parts.append(f'<row r="{r}"{ht}>{body}</row>')
        parts.append("</sheetData>")
        if self.merges:
            parts.append(f'<mergeCells count="{len(self.merges)}">' + "".join(
                f'<mergeCell ref="{excel_column(c0 - 1)}{r0}:{excel_column(c1 - 1)}{r1}"/>'
                for r0, c0, r1, c1 in self.merges) + "</mergeCells>")
        if self.centre:
            parts.append('<printOptions horizontalCentered="1"/>')
        left, right, top, bottom = self.margins
        parts.append(f'<pageMargins left="{left:g}" right="{right:g}" top="{top:g}" bottom="{bottom:g}" '
                     'header="0.5" footer="0.5"/>')
        fit = ' fitToWidth="1" fitToHeight="0"' if self.fit_width else ""
        parts.append(f'<pageSetup paperSize="9" orientation="{"landscape" if self.landscape else "portrait"}"{fit}/>'
                     "</worksheet>")
        return "".join(parts)

    def has_formulas(self) -> bool:
        return any(isinstance(v, Formula) for cells in self.rows.values() for v, _ in cells.values())


def _pane(rows: int) -> str:
    if rows <= 0:
        return '<selection activeCell="A1" sqref="A1"/>'
    return (f'<pane ySplit="{rows}" topLeftCell="A{rows + 1}" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>')


class Workbook:
    """A small formatted workbook: add sheets, fill them, then :meth:`bytes`.

    >>> book = Workbook()
    >>> sheet = book.add_sheet("表")
    >>> sheet.put(1, 1, "=1+1", Style(bold=True))  # text, not a formula
    >>> data = book.bytes((2021, 1, 1, 0, 0, 0))
    >>> data == book.bytes((2021, 1, 1, 0, 0, 0)), data[:2]
    (True, b'PK')
    """

    def __init__(self) -> None:
        self.styles = Styles()
        self.sheets: list[Sheet] = []

    def add_sheet(self, name: str, **setup) -> Sheet:
        """A new last sheet (its name made acceptable to Excel: :func:`sheet_names`); ``setup``: :class:`Sheet`'s."""
        sheet = Sheet(sheet_names([*(s.name for s in self.sheets), name])[-1], self.styles, **setup)
        self.sheets.append(sheet)
        return sheet

    def bytes(self, when: tuple[int, ...]) -> bytes:
        """The xlsx file, every date in it ``when`` (year, month, day, hour, minute, second)."""
        sheets = self.sheets or [Sheet("Sheet1", self.styles, titles=None, freeze=0)]
        return package_bytes([(s.name, [s.xml().encode("utf-8")]) for s in sheets], self.styles, when=when,
                             titles=[s.titles for s in sheets], formulas=any(s.has_formulas() for s in sheets))


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _workbook_xml(names: Sequence[str], titles: Sequence[tuple[int, int] | None], formulas: bool) -> str:
    defined = "".join(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                      f"{escape(_quoted(n))}!${t[0]}:${t[1]}</definedName>"
                      for i, (n, t) in enumerate(zip(names, titles)) if t)
    return (f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/><bookViews><workbookView/></bookViews>'
            "<sheets>" + "".join(f'<sheet name="{escape(n, _QUOTE)}" sheetId="{i}" r:id="rId{i}"/>'
                                 for i, n in enumerate(names, start=1)) + "</sheets>"
            + (f"<definedNames>{defined}</definedNames>" if defined else "")
            + ('<calcPr calcId="124519" fullCalcOnLoad="1"/>' if formulas else "") + "</workbook>")


def _package_parts(names: Sequence[str], styles: Styles, when: tuple[int, ...], titles, formulas: bool
                   ) -> dict[str, str]:
    """Every part but the worksheets."""
    n = len(names)
    y, mo, d, h, mi, sec = when[:6]
    stamp = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{sec:02d}Z"
    ct = "application/vnd.openxmlformats-officedocument"
    return {
        "[Content_Types].xml": (
            f'{_HEAD}<Types xmlns="{_NS}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.spreadsheetml.worksheet+xml"/>'
                      for i in range(1, n + 1))
            + f'<Override PartName="/xl/styles.xml" ContentType="{ct}.spreadsheetml.styles+xml"/>'
            f'<Override PartName="/xl/theme/theme1.xml" ContentType="{ct}.theme+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/></Types>'),
        "_rels/.rels": (
            f'{_HEAD}<Relationships xmlns="{_NS}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{_NS}/package/2006/relationships/metadata/core-properties" '
            'Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>'),
        "docProps/core.xml": (
            f'{_HEAD}<cp:coreProperties xmlns:cp="{_NS}/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>survey</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'),
        # LibreOffice lays rows out as Excel does only for files whose application starts with
        # "Microsoft" (as openpyxl's "Microsoft Excel Compatible / Openpyxl" did): kept, so pages look the same
        "docProps/app.xml": (
            f'{_HEAD}<Properties xmlns="{_REL.replace("relationships", "extended-properties")}">'
            "<Application>Microsoft Excel Compatible / survey</Application></Properties>"),
        "xl/workbook.xml": _workbook_xml(names, titles, formulas),
        "xl/_rels/workbook.xml.rels": (
            f'{_HEAD}<Relationships xmlns="{_NS}/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="{_REL}/theme" Target="theme/theme1.xml"/></Relationships>'),
        "xl/styles.xml": styles.xml(),
        "xl/theme/theme1.xml": THEME,
    }


def package_bytes(sheets: Sequence[tuple[str, Iterable[bytes]]], styles: Styles, *, when: tuple[int, ...],
                  titles: Sequence[tuple[int, int] | None] = (), formulas: bool = False,
                  compresslevel: int | None = None) -> bytes:
    """The xlsx file of ``sheets`` (name, the worksheet XML in chunks, streamed into the zip).

    ``titles``: each sheet's print-title rows; ``formulas``: the workbook has formulas
    (Excel computes them on opening); every zip member and document date is ``when``.
    """
    when = (*when, 0, 0, 0, 0, 0)[:6]  # (year, month, day) is midnight
    names = sheet_names(name for name, _ in sheets)
    titles = [*titles, *[None] * (len(names) - len(titles))]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        def member(name: str) -> zipfile.ZipInfo:
            info = zipfile.ZipInfo(name, date_time=when)  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = compresslevel  # type: ignore[attr-defined]  # ZipInfo has no public setter
            return info

        for part, text in _package_parts(names, styles, when, titles, formulas).items():
            zf.writestr(member(part), text.encode("utf-8"))
        for i, (_, chunks) in enumerate(sheets, start=1):
            with zf.open(member(f"xl/worksheets/sheet{i}.xml"), "w", force_zip64=True) as fh:
                for chunk in chunks:
                    fh.write(chunk)
    return buf.getvalue()


def _theme() -> str:
    """xl/theme/theme1.xml: the Office theme's colours and fonts (body Calibri, Chinese 宋体), plain effects."""
    colours = "".join(f"<a:{k}><a:srgbClr val=\"{v}\"/></a:{k}>" for k, v in (
        ("dk2", "1F497D"), ("lt2", "EEECE1"), ("accent1", "4F81BD"), ("accent2", "C0504D"), ("accent3", "9BBB59"),
        ("accent4", "8064A2"), ("accent5", "4BACC6"), ("accent6", "F79646"), ("hlink", "0000FF"),
        ("folHlink", "800080")))
    scripts = "".join(f'<a:font script="{k}" typeface="{v}"/>' for k, v in (
        ("Jpan", "ＭＳ Ｐゴシック"), ("Hang", "맑은 고딕"), ("Hans", "宋体"), ("Hant", "新細明體")))
    solid = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    return (
        f'{_HEAD}<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme">'
        '<a:themeElements><a:clrScheme name="Office"><a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1>'
        f'<a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>{colours}</a:clrScheme>'
        '<a:fontScheme name="Office">'
        f'<a:majorFont><a:latin typeface="Cambria"/><a:ea typeface=""/><a:cs typeface=""/>{scripts}</a:majorFont>'
        f'<a:minorFont><a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/>{scripts}</a:minorFont>'
        f'</a:fontScheme><a:fmtScheme name="Office"><a:fillStyleLst>{solid * 3}</a:fillStyleLst><a:lnStyleLst>'
        + "".join(f'<a:ln w="{w}" cap="flat" cmpd="sng" algn="ctr">{solid}<a:prstDash val="solid"/></a:ln>'
                  for w in (9525, 25400, 38100))
        + "</a:lnStyleLst><a:effectStyleLst>" + "<a:effectStyle><a:effectLst/></a:effectStyle>" * 3
        + f"</a:effectStyleLst><a:bgFillStyleLst>{solid * 3}</a:bgFillStyleLst></a:fmtScheme></a:themeElements>"
        "<a:objectDefaults/><a:extraClrSchemeLst/></a:theme>")


THEME = _theme()
