"""Word tables written as WordprocessingML text: one parse instead of thousands of python-docx calls.

report.docx has about twenty tables and a thousand cells, annex.docx one table of a hundred
and fifty; built cell by cell through python-docx (each call walks the cell grid and looks up
its XML children by XPath) they took 0.5–1 s of the report's time. Here a table is one
string of ``<w:tbl>`` XML, parsed once and placed in the document: about ten times faster.

The table is what the report's and the annex's tables have always been: the "Table Grid"
style, centred, fixed layout, cell padding, the column widths in the grid *and* in every
cell (Word reads the cells' widths, LibreOffice and WPS the grid), a merged cell as wide as
the columns it spans, rows that never split across pages, the header row repeated on every
page and shaded, cells centred vertically, keep-with-next rows (a merged block kept on one
page), text in runs of one size with line breaks between lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from survey.render.xmltext import xml_text

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass(frozen=True)
class Cell:
    """A cell's text (lines split at ``\\n``), weight and alignment ("center", "left", or None: the style's)."""

    text: str
    bold: bool = False
    align: str | None = None


@dataclass(frozen=True)
class TableLayout:
    """How a grid of :class:`Cell` is laid out (rows and columns counted from 0, the header row 0).

    ``vmerge``: for a column, the (first, last) row runs merged into their first cell;
    ``hspan``: (row, first, last) column runs of one row merged into their first cell;
    ``keep``: rows kept with the next one; ``margins_twips``: cell padding (top, left,
    bottom, right); ``line``: line spacing as a multiple (None: the style's); ``indent_zero``:
    cell paragraphs without the body's first-line indent; ``size_pt``: the text size.
    """

    widths_cm: tuple[float, ...]
    vmerge: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    hspan: tuple[tuple[int, int, int], ...] = ()
    keep: frozenset[int] = frozenset()
    header_rows: int = 1
    shade: str | None = None
    margins_twips: tuple[int, int, int, int] = (40, 85, 40, 85)
    line: float | None = None
    indent_zero: bool = False
    size_pt: float = 9


def twips(cm: float) -> int:
    """Centimetres as whole twips (1/1440 inch), as python-docx's ``Cm(x).twips`` gives them.

    >>> twips(2.54), twips(1.0)
    (1440, 567)
    """
    return round(int(cm * 360000) / 635)


def _runs(text: str, bold: bool, size_half_pt: int) -> str:
    weight = "<w:b/>" if bold else '<w:b w:val="0"/>'
    rpr = f'<w:rPr>{weight}<w:sz w:val="{size_half_pt}"/></w:rPr>'
    lines = xml_text(str(text)).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = []
    for k, line in enumerate(lines):
        parts = []
        for j, piece in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if piece:
                space = ' xml:space="preserve"' if piece != piece.strip() else ""
                parts.append(f"<w:t{space}>{escape(piece)}</w:t>")
        if k < len(lines) - 1:
            parts.append("<w:br/>")
        out.append(f"<w:r>{rpr}{''.join(parts)}</w:r>")
    return "".join(out)


def _paragraph(cell: Cell | None, layout: TableLayout, keep: bool) -> str:
    ppr = "<w:keepNext/>" if keep else ""
    if cell is not None:
        if layout.line is not None:
            ppr += f'<w:spacing w:line="{round(layout.line * 240)}" w:lineRule="auto"/>'
        if layout.indent_zero:
            ppr += '<w:ind w:firstLine="0"/>'
        if cell.align:
            ppr += f'<w:jc w:val="{cell.align}"/>'
    body = "" if cell is None else _runs(cell.text, cell.bold, round(layout.size_pt * 2))
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{body}</w:p>"


def _cell_kinds(nrow: int, ncol: int, layout: TableLayout) -> list[list[tuple[str, int]]]:
    """Each grid place: ("cell", span), ("restart", span), ("continue", span) or ("covered", 0)."""
    kinds = [[("cell", 1)] * ncol for _ in range(nrow)]
    for r, a, b in layout.hspan:
        if not (0 <= r < nrow and 0 <= a <= b < ncol) or any(k != ("cell", 1) for k in kinds[r][a:b + 1]):
            raise ValueError(f"row {r}: columns {a}–{b} cannot be merged (outside the table or overlapping a merge)")
        kinds[r][a] = ("cell", b - a + 1)
        for j in range(a + 1, b + 1):
            kinds[r][j] = ("covered", 0)
    for col, runs in layout.vmerge.items():
        for a, b in runs:
            if not (a >= 0 and b < nrow and 0 <= col < ncol):
                raise ValueError(f"column {col}: rows {a}–{b} cannot be merged (outside the table)")
            if b <= a or any(kinds[r][col] != ("cell", 1) for r in range(a, b + 1)):
                continue  # a run crossing a row's span stays unmerged
            kinds[a][col] = ("restart", 1)
            for r in range(a + 1, b + 1):
                kinds[r][col] = ("continue", 1)
    return kinds


def table_xml(cells: list[list[Cell]], layout: TableLayout) -> str:
    """A ``<w:tbl>`` element (with the ``w`` namespace declared) for ``cells``, one list per row.

    >>> xml = table_xml([[Cell("区", True, "center")], [Cell("玄武区")]], TableLayout((3.0,)))
    >>> xml.count("<w:tr>"), "<w:tblHeader/>" in xml, 'w:w="1701"' in xml
    (2, True, True)
    """
    ncol = len(layout.widths_cm)
    if any(len(row) != ncol for row in cells):
        raise ValueError(f"every row needs {ncol} cells, one per column width")
    widths = [twips(w) for w in layout.widths_cm]
    kinds = _cell_kinds(len(cells), ncol, layout)
    top, left, bottom, right = layout.margins_twips
    out = [f'<w:tbl xmlns:w="{_W}"><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/>'
           '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'  # the schema's order: tblCellMar before tblLook
           f'<w:tblCellMar><w:top w:w="{top}" w:type="dxa"/><w:left w:w="{left}" w:type="dxa"/>'
           f'<w:bottom w:w="{bottom}" w:type="dxa"/><w:right w:w="{right}" w:type="dxa"/></w:tblCellMar>'
           '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" '
           'w:val="04A0"/></w:tblPr>'
           '<w:tblGrid>' + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"]
    for i, row in enumerate(cells):
        header, keep = i < layout.header_rows, i in layout.keep
        out.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if header else "") + "</w:trPr>")
        for j in range(ncol):
            kind, span = kinds[i][j]
            if kind == "covered":
                continue
            width = sum(widths[j:j + span])
            tcpr = f'<w:tcW w:type="dxa" w:w="{width}"/>' + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
            tcpr += {"restart": '<w:vMerge w:val="restart"/>', "continue": "<w:vMerge/>"}.get(kind, "")
            if header and layout.shade:
                tcpr += f'<w:shd w:val="clear" w:color="auto" w:fill="{layout.shade}"/>'
            tcpr += '<w:vAlign w:val="center"/>'
            cell = None if kind == "continue" else row[j]
            out.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{_paragraph(cell, layout, keep)}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def add_table(doc, cells: list[list[Cell]], layout: TableLayout):
    """Append the table to a python-docx ``Document``'s body (before its section properties); return its element."""
    from docx.oxml.ns import qn
    from docx.oxml.parser import parse_xml

    tbl = parse_xml(table_xml(cells, layout))
    body = doc.element.body
    sect = body.find(qn("w:sectPr"))
    if sect is not None:
        sect.addprevious(tbl)
    else:
        body.append(tbl)
    return tbl
