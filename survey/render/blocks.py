"""The report body as plain blocks, rendered alike to Word (report_docx) and HTML (page).

A report is a list of blocks: headings, paragraphs (plain text, or a visible
【待填写：…】 placeholder), tables (header, rows, merged cells, numeric columns,
bold total rows), charts (SVG text and PNG bytes of one figure) and page breaks.
Building the content once keeps report.docx and report.html the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Heading:
    """A heading of the report body.

    Attributes
    ----------
    text : str
        The heading as printed, numbering included (``"一、项目基本情况"``, ``"（一）项目概况"``).
    level : int
        0 for the report title, 1 for 一、 sections (and 附件1 / 附件2), 2 for （一） subsections,
        3 for 1. headings inside a subsection.
    """
    text: str
    level: int = 1          # 0 title, 1 一、, 2 （一）, 3 1.


@dataclass(frozen=True)
class Para:
    """One paragraph of the report body.

    Attributes
    ----------
    text : str
        The paragraph's text, in Chinese.
    kind : str
        ``"body"`` (ordinary text), ``"placeholder"`` (a visible 【待填写：…】 gap, see
        :func:`placeholder`), ``"note"`` (a smaller note) or ``"centre"`` (centred, e.g. the
        title line under 附件1 / 附件2).
    """
    text: str
    kind: str = "body"      # body / placeholder / note / centre


@dataclass(frozen=True)
class Table:
    """A table of the report body, with what both renderers need to lay it out.

    Attributes
    ----------
    header : tuple of str
        The column headers.
    rows : tuple of tuple of str
        The body rows, every cell already formatted as text.
    numeric : frozenset of int
        Indices of right-aligned (number) columns.
    merge_columns : frozenset of int
        Columns whose equal consecutive cells are merged vertically (see :func:`spans`).
    bold_rows : frozenset of int
        Indices of rows set in bold (totals, subtotals).
    widths : tuple of float or None
        Relative column widths; None lets the renderer share the width equally.
    caption : str or None
        The table's caption (表题), if any.
    span_rows : tuple of (int, int, int)
        ``(row, first column, last column)``: cells merged across within a row (a 合计 label
        spanning the label columns).
    landscape : bool
        Whether the table sits on a landscape page (the annex 评分表).
    width : float
        The table's width as a fraction of the text width.
    """
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()        # right-aligned columns
    merge_columns: frozenset[int] = frozenset()  # equal consecutive cells of these columns merge
    bold_rows: frozenset[int] = frozenset()      # totals / subtotals
    widths: tuple[float, ...] | None = None      # relative column widths
    caption: str | None = None
    span_rows: tuple[tuple[int, int, int], ...] = ()  # (row, first col, last col) merged across
    landscape: bool = False
    width: float = 1.0                               # fraction of the text width


@dataclass(frozen=True)
class Chart:
    """One figure of the report, in both formats the renderers use.

    Attributes
    ----------
    caption : str
        The figure's caption (图题).
    svg : str
        The figure as SVG text, inlined in report.html.
    png : bytes
        The same figure as PNG bytes, embedded in report.docx.
    width_cm : float
        The printed width in report.docx, in centimetres.
    key : object
        Which chart of the report this is (:func:`survey.render.charts.chart_specs`); set on
        a placeholder (no svg, no png yet) that report.docx fills once the chart is drawn.
    """
    caption: str
    svg: str = field(repr=False)
    png: bytes = field(repr=False)
    width_cm: float = 15.5
    key: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PageBreak:
    """A page break before the next block.

    Attributes
    ----------
    landscape : bool
        Whether the pages after the break are landscape (a new section in report.docx), as
        before the annex 评分表.
    """
    landscape: bool = False   # the next page (and section) is landscape


Block = Heading | Para | Table | Chart | PageBreak


def placeholder(what: str, data: list[str] | None = None) -> Para:
    """A visible gap for text only people can write, with the data that bear on it."""
    text = f"【待填写：{what}】"
    if data:
        text += "相关数据：" + "；".join(data) + "。"
    return Para(text, "placeholder")


def spans(values: list) -> list[tuple[int, int]]:
    """(first, last) runs of equal consecutive non-empty values, longer than one."""
    out, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - 1 > start and values[start] not in (None, ""):
                out.append((start, i - 1))
            start = i
    return out
