"""The report body as plain blocks, rendered alike to Word (report_docx) and HTML (page).

A report is a list of blocks: headings, paragraphs (plain text, or a visible
【待填写：…】 placeholder), tables (header, rows, merged cells, numeric columns,
bold total rows), charts (SVG text and PNG bytes of one figure) and page breaks.
Building the content once keeps report.docx and report.html the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1          # 0 title, 1 一、, 2 （一）, 3 1.


@dataclass(frozen=True)
class Para:
    text: str
    kind: str = "body"      # body / placeholder / note / centre


@dataclass(frozen=True)
class Table:
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
    caption: str
    svg: str = field(repr=False)
    png: bytes = field(repr=False)
    width_cm: float = 15.5


@dataclass(frozen=True)
class PageBreak:
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
