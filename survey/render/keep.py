"""Word tables whose merged blocks never lose their label at a page break; text widths for layout.

A cell merged down (an annex's 一级指标) that a page break splits shows its text on the
first part only (LibreOffice; Word repeats nothing either), so the rows of the second part
read as if they had no 一级指标. Word and LibreOffice both keep a table row on the page of
the next one when every paragraph of the row is "keep with next". :func:`page_blocks` lays
out the merges of a table with nested merged columns (一级, then 二级 within it):

- a block that fits on a page is merged and kept together (every row but its last is
  keep-with-next);
- a block taller than a page has to break: its label is merged per inner block (each 二级
  block repeats its 一级 label), and the inner blocks are laid out the same way, so a break
  falls between two labelled pieces; a block with no inner level (the units of a 与上年比较
  table) is merged in pieces of a third of a page, each kept whole, its label repeated;
- the table's last three rows are kept together, so a 合计 or 评价等级 row never stands
  alone on a page.

The height of a block is estimated from its text (CJK characters one em wide, others
about half), the column widths and the font size; a block counts as fitting when it
takes at most :data:`FILL` of the page's text height.

The same text widths set the columns (:func:`fit_widths`: no number broken, short labels
on one line, report.docx and report.html alike) and tell whether a justified paragraph
would spread a line (:func:`justify_gap_em`: then it is set ragged right).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FILL = 0.8          # share of the page's text height a kept block may take
PT_PER_CM = 72 / 2.54


def text_width_em(text: str) -> float:
    """Width of a line in ems: CJK and full-width characters 1, others 0.55."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def ideograph(ch: str) -> bool:
    """A CJK ideograph: a line may break before and after it (not so within a run of other characters)."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def longest_run_em(text: str) -> float:
    """Width in ems of the widest piece of ``text`` no line can break inside.

    What LibreOffice keeps on one line (measured on its rendered pages): a run of anything
    but CJK ideographs — digits, Latin words, and the CJK punctuation next to them
    (``0.570。KMO``, ``100.00%*``); spaces and line ends break.

    >>> round(longest_run_em("剔除后α系数为0.570。KMO值为0.799"), 2)
    5.4
    """
    best, run = 0.0, 0.0
    for ch in text:
        if ideograph(ch) or ch.isspace():
            best, run = max(best, run, 1.0 if ideograph(ch) else 0.0), 0.0
        else:
            run += text_width_em(ch)
    return max(best, run)


SPREAD_EM = 2.5     # a justified line this much short of full would visibly spread its characters


def pieces(text: str) -> list[str]:
    """``text`` cut where a line may break (:func:`longest_run_em`): each ideograph alone, other runs whole."""
    out: list[str] = []
    run = ""
    for ch in text:
        if ideograph(ch) or ch.isspace():
            out += [run] if run else []
            out.append(ch)
            run = ""
        else:
            run += ch
    return out + ([run] if run else [])


def justify_gap_em(text: str, per_line: float, indent: float = 2.0) -> float:
    """The widest gap a justified paragraph would spread over one of its lines (the last line aside), in ems.

    Lines are filled greedily with :func:`pieces` (a line of ``per_line`` ems, the first
    ``indent`` shorter); a line that ends before a long unbreakable piece (a file name, a
    number with its punctuation) is short by up to that piece's width, and justification
    spreads that gap over its characters.

    >>> justify_gap_em("甲" * 30 + "fieldwork.issued）。", 36, 0) > SPREAD_EM
    True
    >>> justify_gap_em("甲" * 80, 36, 2)
    0.0
    """
    gaps, width, room = [], 0.0, per_line - indent
    for piece in pieces(text):
        w = text_width_em(piece)
        if width + w > room and width > 0:
            gaps.append(room - width)
            width, room = 0.0, per_line
        width += 0.0 if (width == 0 and piece.isspace()) else w
    return max(gaps, default=0.0)


SHORT_EM = 14.0     # a table cell this wide or narrower should read on one line
HEADER_EM = 4.0     # a header this wide or narrower too (a longer one may take two lines)
MERGED_EM = 4.0     # a label merged down keeps this much of a line even in a crowded table


def fit_widths(header, rows, widths_cm, *, font_pt: float, pad_pt: float = 8.5, skip=frozenset(),
               merged=frozenset()) -> list[float]:
    """Column widths (cm) that follow their content, same total as ``widths_cm`` (the author's proportions).

    Each column gets at least its floor: its widest unbreakable piece (:func:`longest_run_em`),
    its widest short cell (≤ :data:`SHORT_EM`) and its header (≤ :data:`HEADER_EM`, or half of a
    longer one); columns wider than their floor give up width, in proportion to their room,
    to those below it. Should that make the table taller (:func:`table_lines`: long texts
    wrapping more to put short ones on one line), only the unbreakable pieces and the
    headers are floors. When the floors do not all fit (a crowded table), each column gets its
    unbreakable pieces, its header and, merged down (``merged``), :data:`MERGED_EM` a line;
    the rest goes where it saves the most lines (:func:`fewest_lines`). ``skip``: (row,
    column) cells spanning several columns, not counted in any one.

    >>> [round(w, 2) for w in fit_widths(("类别", "名称"), [("街道（总体满意率）", "东湖街道")], [1.2, 6.0], font_pt=9)]
    [3.2, 4.0]
    """
    em = font_pt / PT_PER_CM                      # cm per em
    pad = pad_pt / PT_PER_CM + 0.15 * em           # the cell's padding, and a hair for bold or wider glyphs
    total = sum(widths_cm)
    parts: list[list[list[float]]] = []           # column → row (header first) → widths of its lines
    hard, soft, base = [], [], []
    for j, h in enumerate(header):
        cells = [str(h), *["" if (i, j) in skip else str(r[j]) for i, r in enumerate(rows)]]
        parts.append([[text_width_em(x) for x in c.split("\n")] if c else [] for c in cells])
        lines = [x for c in cells for x in c.split("\n")]
        hw = max((text_width_em(x) for x in str(h).split("\n")), default=0.0)
        hard.append(max([longest_run_em(x) for x in lines], default=0.0))
        short = [w for c in parts[-1][1:] for w in c if w <= SHORT_EM]
        head = hw if hw <= HEADER_EM else hw / 2
        soft.append(max([hard[-1], *short, head]))
        base.append(max(hard[-1], head, min(soft[-1], MERGED_EM) if j in merged else 0.0))
    room = total / em - pad * len(header) / em     # ems the cells can hold

    def raised(floors: list[float]) -> list[float]:
        need = [f * em + pad for f in floors]
        if sum(need) > total:                      # the unbreakable pieces alone overflow: share the shortfall
            need = [n * total / sum(need) for n in need]
        out = list(widths_cm)
        short_by = sum(max(n - w, 0.0) for n, w in zip(need, out))
        spare = sum(max(w - n, 0.0) for n, w in zip(need, out))
        if short_by <= 0 or spare <= 0:
            return out
        take = min(1.0, short_by / spare)
        return [n if w < n else w - (w - n) * take for n, w in zip(need, out)]

    if sum(soft) > room:                           # crowded: the floors, then the lines saved
        return raised(base if sum(base) >= room else fewest_lines(parts, base, room - sum(base), merged,
                                                                  [w / total for w in widths_cm]))
    fitted, kept = raised(soft), raised(base)      # short cells on one line, unless that makes the table taller
    ems = [[max((w - pad) / em, 0.5) for w in ws] for ws in (fitted, kept)]
    return fitted if table_lines(parts, ems[0], merged) <= table_lines(parts, ems[1], merged) else kept


def table_lines(parts, widths_em, free=frozenset()) -> float:
    """A table's height in lines: each row's tallest cell (columns in ``free`` aside), plus a hundredth per cell line.

    ``parts[j][i]``: the widths (ems) of the lines of cell ``i`` of column ``j``.

    >>> table_lines([[[2.0], [4.0]], [[2.0], [12.0]]], [2.0, 6.0])
    3.06
    """
    total = 0.0
    for i in range(len(parts[0]) if parts else 0):
        counts = [sum(max(1, math.ceil(x / widths_em[j] - 1e-9)) for x in parts[j][i]) or 1
                  for j in range(len(parts)) if j not in free]
        total += max(counts, default=1) + 0.01 * sum(counts)
    return round(total, 9)


def fewest_lines(parts, base, spare: float, free=frozenset(), share=None) -> list[float]:
    """Widths (ems) from ``base`` with ``spare`` ems added where they save the most table lines.

    ``parts[j][i]``: the widths of the lines of cell ``i`` of column ``j``. A row is as tall
    as its cell of most lines (columns in ``free``, merged down, do not count); each step
    widens the column whose next line saved costs the least width (a cell's line saved that
    leaves its row as tall counts a hundredth). What saves no line is shared out in
    proportion to ``share`` (the author's widths).

    >>> fewest_lines([[[2.0], [4.0]], [[2.0], [12.0]]], [2.0, 2.0], 14.0)
    [5.0, 13.0]
    """
    import numpy as np

    w = list(base)
    cols = [j for j in range(len(w)) if j not in free]
    n = len(parts[0]) if parts else 0
    deep = max((len(cell) for col in parts for cell in col), default=1) or 1
    grid = np.zeros((len(w), n, deep))             # column, row, line → width (0: no such line)
    for j, col in enumerate(parts):
        for i, cell in enumerate(col):
            grid[j, i, :len(cell)] = cell
    empty = (grid == 0).all(axis=2)

    def count(j: int, width: float) -> np.ndarray:
        g = grid[j]
        return np.where(g > 0, np.maximum(1, np.ceil(g / width - 1e-9)), 0).sum(axis=1) + empty[j]

    def cost(m: np.ndarray) -> float:
        return float(m.max(axis=1).sum() + 0.01 * m.sum()) if m.size else 0.0

    lines = np.ones((n, len(w)))
    for j in cols:
        lines[:, j] = count(j, w[j])
    height = cost(lines)
    while spare > 1e-9:
        best = None
        for j in cols:
            g = grid[j][grid[j] > 0]
            k = np.ceil(g / w[j] - 1e-9)
            cut = g[k >= 2] / (k[k >= 2] - 1)
            for c in np.unique(cut[(cut > w[j]) & (cut <= w[j] + spare)])[:4]:
                trial = lines.copy()
                trial[:, j] = count(j, float(c))
                saved = height - cost(trial)
                if saved > 0 and (best is None or saved / (c - w[j]) > best[0]):
                    best = (saved / (c - w[j]), j, float(c), trial)
        if best is None:
            break
        _, j, c, lines = best
        spare -= c - w[j]
        w[j], height = c, cost(lines)
    share = share or [1.0] * len(w)
    return [x + spare * s / sum(share) for x, s in zip(w, share)]


def spanned(table) -> frozenset[tuple[int, int]]:
    """(row, column) of a table's cells merged across columns (``span_rows``): no one column's content."""
    return frozenset((r, c) for r, a, b in table.span_rows for c in range(a, b + 1) if b > a)


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
            else:  # no inner level to break at: pieces of a third of a page, each merged and kept whole
                bare = [row_height_pt([t for c, t in enumerate(rows[i]) if c != col],
                                      [w for c, w in enumerate(widths_cm) if c != col], font_pt=font_pt)
                        for i in range(len(rows))]     # a row's height without its label, merged over the piece
                for p, q in pieces_of(bare, a, b, limit / 3):
                    merges[col] += [(p, q)] if q > p else []
                    keep.update(range(p, q))
            block(a, b, k + 1)

    block(0, len(rows) - 1, 0)
    keep.update(range(max(len(rows) - 3, 0), len(rows) - 1))     # the last three rows together
    return PageBlocks({c: tuple(v) for c, v in merges.items()}, frozenset(keep))


def pieces_of(heights, first: int, last: int, most: float) -> list[tuple[int, int]]:
    """Rows ``first`` … ``last`` cut into consecutive (first, last) pieces of at most ``most`` height (at least a row).

    >>> pieces_of([10] * 7, 0, 6, 30)
    [(0, 2), (3, 5), (6, 6)]
    """
    out, start, height = [], first, 0.0
    for i in range(first, last + 1):
        if i > start and height + heights[i] > most:
            out.append((start, i - 1))
            start, height = i, 0.0
        height += heights[i]
    return [*out, (start, last)]
