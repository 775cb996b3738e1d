"""``report.html``: the report (the same blocks as report.docx) for reading in a browser and printing.

The page renders :func:`survey.render.outline.report_blocks`: headings, paragraphs,
placeholders (highlighted), tables with merged cells (rowspan / colspan, as in the
printed annex), charts as inline SVG whose labels are text, numbered captions. Print CSS
sets A4 pages (the annex on A4 landscape), repeats table headers and keeps rows whole.
The subtitle says only what made the page; parameters belong in manifest.json. It is
deterministic (no timestamps) and escapes every value; free text appears only as the
masked quotes of the suggestions table.

Entry point: :func:`report_html`.
"""

from __future__ import annotations

import html
from pathlib import Path

from survey import __version__
from survey.render.blocks import Chart, Heading, PageBreak, Para, Table, spans
from survey.render.keep import PT_PER_CM, SPREAD_EM, fit_widths, justify_gap_em, spanned, text_width_em

STYLE = """
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", SimSun, "Songti SC", serif; margin: 2em auto;
       max-width: 960px; color: #111; line-height: 1.75; font-size: 15px; padding: 0 1em; }
h1, h2, h3, h4, caption, figcaption, th { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
       "PingFang SC", SimHei, sans-serif; }
h1.title { font-size: 1.6em; text-align: center; margin-bottom: 0.2em; }
p.sub { text-align: center; color: #555; font-size: 0.85em; margin-top: 0; }
h2 { font-size: 1.25em; margin-top: 1.6em; } h3 { font-size: 1.1em; } h4 { font-size: 1em; margin-bottom: 0.3em; }
p.body { text-indent: 2em; margin: 0.3em 0; text-align: justify; } p.ragged { text-align: left; }
p.centre { text-align: center; font-weight: bold; font-size: 1.1em; }
p.placeholder { text-indent: 2em; background: #fff3a6; margin: 0.3em 0; }
table { border-collapse: collapse; margin: 0.4em auto 1em; font-size: 0.82em; line-height: 1.45; }
caption { font-weight: bold; padding: 0.3em; }
th, td { border: 1px solid #666; padding: 0.25em 0.45em; vertical-align: middle; }
th { background: #f2f2f2; } td.n { text-align: center; white-space: nowrap; } tr.b td { font-weight: bold; }
td.k { white-space: nowrap; }
figure { margin: 0.8em auto; text-align: center; } figure svg { max-width: 100%; height: auto; }
figcaption { font-weight: bold; font-size: 0.85em; }
.break { break-before: page; }
@page { size: A4; margin: 20mm 18mm; }
@page wide { size: A4 landscape; margin: 15mm 12mm; }
section.wide { page: wide; } section.wide table { font-size: 0.74em; line-height: 1.35; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
  thead { display: table-header-group; } tr, tbody, figure { break-inside: avoid; }
  h2, h3, h4, caption { break-after: avoid; } p.placeholder { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(v) -> str:
    return html.escape("" if v is None else str(v)).replace("\n", "<br>")


def _table(t: Table, number: int) -> str:
    n = len(t.rows)
    skip: set[tuple[int, int]] = set()
    attrs: dict[tuple[int, int], str] = {}
    groups = row_groups(t)
    for col in t.merge_columns:
        for a, b in [(max(a, p), min(b, q)) for a, b in spans([r[col] for r in t.rows]) for p, q in groups
                     if min(b, q) > max(a, p)]:   # a rowspan stays within its group (tbody)
            attrs[(a, col)] = f' rowspan="{b - a + 1}"'
            skip |= {(i, col) for i in range(a + 1, b + 1)}
    for r, a, b in t.span_rows:
        attrs[(r, a)] = attrs.get((r, a), "") + f' colspan="{b - a + 1}"'
        skip |= {(r, j) for j in range(a + 1, b + 1)}
    head = "".join(f"<th>{_e(h)}</th>" for h in t.header)
    short = {j for j in range(len(t.header))   # labels of a few characters (无显著变化) never wrap
             if all(text_width_em(x) <= 6 for r in t.rows for x in str(r[j]).split("\n"))}
    body = []
    for i in range(n):
        cells = []
        for j, v in enumerate(t.rows[i]):
            if (i, j) in skip:
                continue
            cls = ' class="n"' if j in t.numeric or (i, j) in attrs else ' class="k"' if j in short else ""
            cells.append(f"<td{cls}{attrs.get((i, j), '')}>{_e(v)}</td>")
        body.append(f'<tr{" class=b" if i in t.bold_rows else ""}>' + "".join(cells) + "</tr>")
    cap = f"<caption>表{number}  {_e(t.caption)}</caption>" if t.caption else ""
    rows = "".join(f"<tbody>{''.join(body[a:b + 1])}</tbody>" for a, b in groups)
    if t.widths:
        widths = html_widths(t)
        total = sum(widths)
        cap += "<colgroup>" + "".join(f'<col style="width:{w / total:.1%}">' for w in widths) + "</colgroup>"
    width = f' style="width:{t.width:.0%}"' if t.widths or t.width < 1 else ""
    return f"<table{width}>{cap}<thead><tr>{head}</tr></thead>{rows or '<tbody></tbody>'}</table>"


def html_widths(t: Table) -> list[float]:
    """The table's column widths on the printed page (A4, the font of the print CSS), following their content."""
    text_cm, font_pt = (27.3, 8.1) if t.landscape else (17.4, 9.0)   # @page's text width; 0.74em / 0.82em of 11pt
    rel = t.widths or (1.0,) * len(t.header)
    return fit_widths(t.header, t.rows, [text_cm * t.width * w / sum(rel) for w in rel], font_pt=font_pt,
                      skip=spanned(t), merged=t.merge_columns)


GROUP_ROWS = 12  # the most rows a printed page keeps together (a taller block would leave its caption behind)


def row_groups(t: Table) -> list[tuple[int, int]]:
    """(first, last) rows of each block a printed page keeps together: a run of the first merged column.

    Rows outside such a run are a group each. A table without merged columns is one group. A
    group longer than :data:`GROUP_ROWS` is cut into pieces of that many rows (each piece then
    shows its label): a block taller than the rest of a page would otherwise move to the next
    one and leave its caption and header behind.

    >>> row_groups(Table(("一级", "二级"), (("A", "a"), ("A", "b"), ("B", "c")), merge_columns=frozenset({0})))
    [(0, 1), (2, 2)]
    >>> row_groups(Table(("单位",), tuple((str(i),) for i in range(30))))
    [(0, 11), (12, 23), (24, 29)]
    """
    n = len(t.rows)
    if not n:
        return []
    if not t.merge_columns:
        runs = {0: n - 1}
    else:
        runs = dict(spans([r[min(t.merge_columns)] for r in t.rows]))
    out, i = [], 0
    while i < n:
        last = runs.get(i, i)
        out += [(a, min(a + GROUP_ROWS - 1, last)) for a in range(i, last + 1, GROUP_ROWS)]
        i = last + 1
    return out


def blocks_html(blocks: list) -> str:
    """The body of the page: every block in order, numbered captions, landscape sections."""
    out, tables, figures, wide = [], 0, 0, False
    for b in blocks:
        if isinstance(b, Heading):
            tag = f"h{min(b.level + 1, 4)}"
            out.append(f'<{tag}{" class=title" if b.level == 0 else ""}>{_e(b.text)}</{tag}>')
        elif isinstance(b, Para):
            ragged = b.kind == "body" and justify_gap_em(b.text, 17.4 * PT_PER_CM / 11) > SPREAD_EM  # A4 print, 11pt
            out.append(f'<p class="{b.kind}{" ragged" if ragged else ""}">{_e(b.text)}</p>')
        elif isinstance(b, Table):
            tables += bool(b.caption)
            out.append(_table(b, tables))
        elif isinstance(b, Chart):
            figures += 1
            out.append(f"<figure>{b.svg}<figcaption>图{figures}  {_e(b.caption)}</figcaption></figure>")
        elif isinstance(b, PageBreak):
            if wide:
                out.append("</section>")
            out.append(f'<section class="break{" wide" if b.landscape else ""}">')
            wide = True
    if wide:
        out.append("</section>")
    return "\n".join(out)


def source_words(workbook) -> str:
    """What an analysis was made from, for the subtitle: ' 2021.xlsx ' or '评价文件夹“rural-water”中的数据'.

    An evaluation folder (``survey analyze .`` included) is named by its resolved folder name.
    """
    src = Path(str(workbook))
    if src.is_dir():
        return f"评价文件夹“{src.resolve().name}”中的数据"
    return f" {src.name} "


def report_html(analysis, blocks: list | None = None) -> bytes:
    """The report page of an analysis, as UTF-8 bytes (``blocks``: the report body, built when None)."""
    if blocks is None:
        from survey.render.outline import report_body

        blocks = report_body(analysis)
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 0), analysis.name)
    sub = (f'<p class="sub">由 survey {_e(__version__)} 根据{_e(source_words(analysis.workbook))}生成；'
           "满意度测算、样本有效性检验、数据清洗记录与评分表的明细见同一文件夹中的工作簿。</p>")
    body = blocks_html(blocks)
    first_heading_end = body.find("</h1>") + len("</h1>")
    body = body[:first_heading_end] + "\n" + sub + body[first_heading_end:]
    page = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>\n" + body + "\n</body></html>\n")
    return page.encode("utf-8")
