"""Word tables whose merged blocks never lose their label at a page break.

A cell merged down (an annex's 一级指标) that a page break splits shows its text on the
first part only (LibreOffice; Word repeats nothing either), so the rows of the second part
read as if they had no 一级指标. Word and LibreOffice both keep a table row on the page of
the next one when every paragraph of the row is "keep with next". :func:`page_blocks` lays
out the merges of a table with nested merged columns (一级, then 二级 within it):

- a block that fits on a page is merged and kept together (every row but its last is
  keep-with-next);
- a block taller than a page has to break: its label is merged per inner block (each 二级
  block repeats its 一级 label), and the inner blocks are laid out the same way, so a break
  falls between two labelled pieces;
- the table's last three rows are kept together, so a 合计 or 评价等级 row never stands
  alone on a page.

The height of a block is estimated from its text (CJK characters one em wide, others
about half), the column widths and the font size; a block counts as fitting when it
takes at most :data:`FILL` of the page's text height.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FILL = 0.8          # share of the page's text height a kept block may take
PT_PER_CM = 72 / 2.54


def text_width_em(text: str) -> float:
    """Width of a line in ems: CJK and full-width characters 1, others 0.55."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def row_height_pt(row, widths_cm, *, font_pt: float, pad_pt: float = 8.5, line: float = 1.3) -> float:
    """Estimated height of a table row: the tallest cell's wrapped lines, plus top and bottom padding."""
    lines = 1
    for text, width in zip(row, widths_cm):
        per_line = max((width * PT_PER_CM - pad_pt) / font_pt, 1.0)     # ems per line
        n = sum(max(1, math.ceil(text_width_em(part) / per_line)) for part in str(text).split("\n"))
        lines = max(lines, n)
    return lines * font_pt * line + 6


def runs(values, first: int = 0) -> list[tuple[int, int]]:
    """(first, last) runs of equal consecutive values, single rows included, offset by ``first``."""
    out, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((first + start, first + i - 1))
            start = i
    return out


@dataclass(frozen=True)
class PageBlocks:
    """Where a table's merged columns merge, and which rows keep with the next one."""

    merges: dict[int, tuple[tuple[int, int], ...]]     # column → (first, last) body rows merged down
    keep: frozenset[int]                               # body rows set keep-with-next


def page_blocks(rows, merge_columns, widths_cm, *, font_pt: float, page_cm: float) -> PageBlocks:
    """Merges and keep-with-next rows of a table (see the module docstring).

    Parameters
    ----------
    rows : sequence of sequence of str
        The table's body rows as text.
    merge_columns : iterable of int
        Columns whose equal consecutive cells merge down; each merges within the runs of
        the ones before it (sorted).
    widths_cm : sequence of float
        Column widths.
    font_pt : float
        The table's font size.
    page_cm : float
        The page's text height (page height less the top and bottom margins).

    Returns
    -------
    PageBlocks
        Body row indices (0 = the first body row).

    >>> rows = [("甲", "a", "x"), ("甲", "a", "y"), ("甲", "b", "z"), ("乙", "c", "w"), ("合计", "", "")]
    >>> b = page_blocks(rows, {0, 1}, (2, 2, 2), font_pt=9, page_cm=17)
    >>> b.merges, sorted(b.keep)
    ({0: ((0, 2),), 1: ((0, 1),)}, [0, 1, 2, 3])
    >>> b = page_blocks(rows, {0, 1}, (2, 2, 2), font_pt=9, page_cm=2)    # 甲 taller than a page: 甲 per 二级
    >>> b.merges, sorted(b.keep)
    ({0: ((0, 1),), 1: ((0, 1),)}, [0, 2, 3])
    """
    heights = [row_height_pt(r, widths_cm, font_pt=font_pt) for r in rows]
    limit = FILL * page_cm * PT_PER_CM
    cols = sorted(merge_columns)
    merges: dict[int, list[tuple[int, int]]] = {c: [] for c in cols}
    keep: set[int] = set()

    def block(first: int, last: int, k: int) -> None:
        if k == len(cols):
            return
        col = cols[k]
        for a, b in runs([rows[i][col] for i in range(first, last + 1)], first):
            if b == a or rows[a][col] in (None, ""):
                continue
            if sum(heights[a:b + 1]) <= limit:
                merges[col].append((a, b))
                keep.update(range(a, b))
            elif k + 1 < len(cols):
                merges[col] += [(p, q) for p, q in runs([rows[i][cols[k + 1]] for i in range(a, b + 1)], a) if q > p]
            else:
                merges[col].append((a, b))
            block(a, b, k + 1)

    block(0, len(rows) - 1, 0)
    keep.update(range(max(len(rows) - 3, 0), len(rows) - 1))     # the last three rows together
    return PageBlocks({c: tuple(v) for c, v in merges.items()}, frozenset(keep))


def set_keep_with_next(tr) -> None:
    """Mark every paragraph of a table row (a ``w:tr`` element) keep-with-next."""
    from docx.oxml.ns import qn

    for p in tr.iter(qn("w:p")):
        p.get_or_add_pPr().keepNext_val = True     # python-docx puts w:keepNext in its schema place
