"""Rendering the annex (附件-1 评分表) of a :class:`~survey.evaluation.score.Scorecard` as xlsx and Word.

Both renderers lay the table out like the published annex: columns 一级指标,
二级指标, 三级指标, 指标值, 评分标准, 评分过程, 分值, 得分; repeated 一级 / 二级 cells
merged; a 合计 row and a 评价等级 row below. The xlsx also carries the score
uncertainty of the survey-fed rows, the fund allocation and the findings on
sheets of their own, so the 8-column table keeps the published layout.

Output is bytes, byte-for-byte reproducible (fixed document dates, fixed zip
timestamps); strings are always text cells, never formulas. Writing the files is
the caller's job (:func:`survey.render.report.write_files`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace

from survey.definitions.vocab import ANNEX_FILE_HEADING, ANNEX_HEADERS
from survey.evaluation.score import grade_rule_text
from survey.formatting import fmt_num
from survey.render.keep import PageBlocks, page_blocks
from survey.render.office import excel_width, restamp, stamp
from survey.render.spreadsheet import SIDES, Formula, Style, Workbook
from survey.render.wordtable import Cell, TableLayout, add_table
from survey.render.xmltext import xml_text

HEADERS = ANNEX_HEADERS
WIDTHS = (10, 12, 16, 9, 42, 50, 7, 7)               # xlsx character widths
DOCX_WIDTHS_CM = (1.8, 2.0, 2.6, 1.5, 7.0, 8.4, 1.1, 1.2)  # 25.6 cm on A4 landscape
ANNEX_TEXT_HEIGHT_CM = 21.0 - 2 * 2.0                          # A4 landscape less the top and bottom margins
TOTAL_LABEL, GRADE_LABEL = "合计", "评价等级"
SHEET_ANNEX, SHEET_UNCERTAINTY = "评分表", "得分不确定性"
SHEET_ALLOCATION, SHEET_NOTES = "资金分配", "说明"


def total_text(total: float) -> str:
    """97 → '97.0' (the annex prints the total with a decimal), 96.74 → '96.74'."""
    return f"{total:.1f}" if round(total, 6) * 10 == int(round(total, 6) * 10) else fmt_num(total)


def merge_spans(values: list) -> list[tuple[int, int]]:
    """(first, last) index runs of equal consecutive values (only runs longer than one)."""
    spans, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - 1 > start:
                spans.append((start, i - 1))
            start = i
    return spans


def _level_spans(card) -> dict[int, list[tuple[int, int]]]:
    """Merges of column 0 (一级) and column 1 (二级, within the same 一级)."""
    l1 = [r.level1 for r in card.rows]
    l2 = [(r.level1, r.level2) for r in card.rows]
    return {0: merge_spans(l1), 1: merge_spans(l2)}


def docx_page_blocks(card) -> PageBlocks:
    """The annex.docx merges and keep-with-next rows (:func:`survey.render.keep.page_blocks`).

    A 一级 block is kept on one page, or (taller than a page) its label repeats per 二级
    block: a page break never leaves rows without their merged 一级指标.
    """
    body = [(*_row_values(r)[:6], fmt_num(r.weight), fmt_num(r.score)) for r in card.rows]
    body += [(TOTAL_LABEL, "", "", "", "", "", fmt_num(card.weight_total), total_text(card.total)),
             (GRADE_LABEL, "", "", "", "", "", card.grade, "")]
    return page_blocks(body, (0, 1), DOCX_WIDTHS_CM, font_pt=9, page_cm=ANNEX_TEXT_HEIGHT_CM)


def _row_values(r) -> list:
    return [r.level1, r.level2, r.name, r.target, r.criterion, r.narrative, r.weight, r.score]


def row_height(values, widths, *, line: float = 15.0) -> float:
    """Points for a row whose cells wrap in columns of ``widths`` characters.

    Neither Excel nor LibreOffice grows a row for wrapped text written by a program,
    so the table sets each height from the longest cell (lines × 15 pt, 11 pt font).
    """
    lines = 1
    for v, w in zip(values, widths):
        if isinstance(v, str) and v:
            per_line = max(1, int(w) - 1)
            lines = max(lines, sum(-(-excel_width(part) // per_line) or 1 for part in v.split("\n")))
    return lines * line


def distribution_text(name: str) -> str:
    """A rate's sampling distribution in words: 'beta(n_eff=389.0)' → 'Beta分布（有效样本量389.0）'.

    >>> distribution_text("beta(n_eff=389.0)"), distribution_text("normal(se=0.0123)"), distribution_text("none")
    ('Beta分布（有效样本量389.0）', '正态分布（标准误0.0123）', '无（缺少标准误和有效样本量）')
    """
    m = re.fullmatch(r"(beta|normal)\((n_eff|se)=([^)]*)\)", name or "")
    if not m:
        return "无（缺少标准误和有效样本量）" if name == "none" else name
    return f"{'Beta' if m[1] == 'beta' else '正态'}分布（{'有效样本量' if m[2] == 'n_eff' else '标准误'}{m[3]}）"


def _notes(card) -> list[tuple[str, str]]:
    out = [("评分表", card.title), ("总分", total_text(card.total)), ("评价等级", card.grade),
           ("等级标准", f"{grade_rule_text()}（按未取整总分）")]
    if card.total_low is not None:
        out.append(("总分区间", f"{fmt_num(card.total_low)}–{fmt_num(card.total_high)}"
                               "（满意度指标取置信区间两端时的得分）"))
    for u in card.uncertainty:
        out.append(("抽样分布", f"{u.indicator}：{distribution_text(u.distribution)}"))
    out += [("提示", w) for w in card.warnings]
    return [*out, ("评分表标识", card.framework)]  # the framework's id, last


def _percent_format(shown: str | None) -> str:
    """Excel format with the decimals of a shown rate: '79.9996%' → '0.0000%'."""
    decimals = len(shown.rstrip("%").partition(".")[2]) if shown else 2
    return "0." + "0" * max(2, decimals) + "%"


# -- xlsx ---------------------------------------------------------------------------

WRAP = Style(border=SIDES, vertical="center", wrap=True)  # every cell of the annex sheets: thin borders
CENTRE = replace(WRAP, horizontal="center")
TITLE = Style(bold=True, size=14, horizontal="center")


def _bold(style: Style) -> Style:
    return replace(style, bold=True)


def _annex_sheet(book: Workbook, card) -> None:
    """评分表: the published 8-column layout, merged level cells, 合计 and 评价等级 rows."""
    ws = book.add_sheet(SHEET_ANNEX, landscape=True, freeze=2, titles=(2, 2), margins=(0.5, 0.5, 1.0, 1.0),
                        centre=True, widths=dict(enumerate(WIDTHS, start=1)))
    ws.put(1, 1, f"{ANNEX_FILE_HEADING}  {card.title}", TITLE)
    ws.merge(1, 1, 1, 8)
    ws.heights[1] = 28
    for j, h in enumerate(HEADERS, start=1):
        ws.put(2, j, h, _bold(CENTRE))
    first = 3
    for i, r in enumerate(card.rows):
        for j, v in enumerate(_row_values(r), start=1):
            ws.put(first + i, j, v, CENTRE if j in (1, 2, 3, 4, 7, 8) else WRAP)
        # the level cells are merged over several rows: only the row's own cells set its height
        ws.heights[first + i] = row_height(_row_values(r)[2:], WIDTHS[2:])
    for col, spans in _level_spans(card).items():
        for a, b in spans:
            ws.merge(first + a, col + 1, first + b, col + 1)
    end = first + len(card.rows)
    for j in range(1, 9):
        ws.put(end, j, None, _bold(CENTRE))
        ws.put(end + 1, j, None, _bold(CENTRE))
    ws.put(end, 1, TOTAL_LABEL, _bold(CENTRE))
    # totals as formulas (a reviewer who corrects a score sees the total follow)
    ws.put(end, 7, Formula(f"SUM(G{first}:G{end - 1})"), _bold(CENTRE))
    ws.put(end, 8, Formula(f"SUM(H{first}:H{end - 1})"), replace(_bold(CENTRE), number_format="0.0#"))
    ws.merge(end, 1, end, 6)
    ws.put(end + 1, 1, GRADE_LABEL, _bold(CENTRE))
    ws.put(end + 1, 7, card.grade, _bold(CENTRE))
    ws.merge(end + 1, 1, end + 1, 6)
    ws.merge(end + 1, 7, end + 1, 8)


def _uncertainty_sheet(book: Workbook, card) -> None:
    """得分不确定性: one row per survey-fed indicator, then the 总分区间."""
    us = book.add_sheet(SHEET_UNCERTAINTY, landscape=True, widths=dict(enumerate(
        (22, 6, 9, 11, 11, 8, 10, 18, 6, 9, 9, 9, 30, 40), start=1)))
    heads = ("三级指标", "分值", "满意度", "置信区间下限", "置信区间上限", "标准误", "有效样本量",
             "抽样分布", "得分", "下限处得分", "上限处得分", "满分概率", "各得分的概率", "提示")
    for j, h in enumerate(heads, start=1):
        us.put(1, j, h, _bold(CENTRE))
    for i, u in enumerate(card.uncertainty, start=2):
        vals = (u.indicator, u.weight, u.estimate, u.ci_low, u.ci_high, u.se, u.n_eff, distribution_text(u.distribution),
                u.score, u.score_low, u.score_high, u.p_full, u.probability_text(), u.warning or "")
        rate_fmts = tuple(_percent_format(t) for t in u.shown)  # as many decimals as the text shows
        fmts = (None, None, *rate_fmts, "0.0000", "0.0", None, None, None, None, "0.00%", None, None)
        for j, (v, f) in enumerate(zip(vals, fmts), start=1):
            us.put(i, j, v, replace(WRAP, number_format=f) if f else WRAP)
    n = len(card.uncertainty) + 2
    us.put(n, 1, "总分区间", _bold(WRAP))
    us.put(n, 2, f"{fmt_num(card.total_low)}–{fmt_num(card.total_high)}", WRAP)


def _allocation_sheet(book: Workbook, alloc) -> None:
    """资金分配: the amount per district and the city total."""
    al = book.add_sheet(SHEET_ALLOCATION, landscape=True, widths={1: 12, 2: 18})
    al.put(1, 1, alloc.unit_header, _bold(CENTRE))
    al.put(1, 2, "分配金额（万元）", _bold(CENTRE))
    rows = [(n, a) for n, a, _ in alloc.districts]
    if alloc.total is not None:
        rows.append((alloc.total_label, alloc.total))
    for i, (name, amount) in enumerate(rows, start=2):
        al.put(i, 1, name, CENTRE)
        al.put(i, 2, amount, replace(WRAP, number_format="0.00"))


def _notes_sheet(book: Workbook, card) -> None:
    """说明: framework, total, grade rule, distributions and warnings, A4 portrait."""
    ns = book.add_sheet(SHEET_NOTES, widths={1: 12, 2: 90})
    ns.put(1, 1, "项目", _bold(WRAP))
    ns.put(1, 2, "内容", _bold(WRAP))
    for i, (k, v) in enumerate(_notes(card), start=2):
        ns.put(i, 1, k, WRAP)
        ns.put(i, 2, v, WRAP)


def annex_xlsx_bytes(card) -> bytes:
    """The annex workbook: 评分表 (the published layout), 得分不确定性, 资金分配, 说明.

    Every sheet A4 and one page wide with its header rows frozen and repeated on each
    page (评分表 landscape and centred, 说明 portrait); thin borders on every cell; text
    wrapped and vertically centred. Written as SpreadsheetML directly
    (:mod:`survey.render.spreadsheet`), dated :func:`~survey.render.office.stamp`.
    """
    book = Workbook()
    _annex_sheet(book, card)
    if card.uncertainty:
        _uncertainty_sheet(book, card)
    if card.allocation is not None:
        _allocation_sheet(book, card.allocation)
    _notes_sheet(book, card)
    return book.bytes(stamp())


# -- docx ---------------------------------------------------------------------------

def _east_asian_font(doc, name: str = "宋体") -> None:
    from docx.oxml.ns import qn

    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _docx_page(doc, title: str) -> None:
    """A4 landscape with 2 cm margins, the 附件-1 label and the centred title."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    _east_asian_font(doc)
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    sec.left_margin = sec.right_margin = Cm(2.0)
    sec.top_margin = sec.bottom_margin = Cm(2.0)
    doc.add_paragraph().add_run(ANNEX_FILE_HEADING).bold = True
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(xml_text(title))
    run.bold, run.font.size = True, Pt(14)


def annex_docx_bytes(card) -> bytes:
    """The annex as a Word table (same columns, merges, 合计 and 评价等级 rows), A4 landscape."""
    from docx import Document

    doc = Document()
    _docx_page(doc, card.title)

    n = len(card.rows)
    header = [Cell(h, True, "center") for h in HEADERS]
    body = []
    for r in card.rows:
        vals = _row_values(r)
        vals[6], vals[7] = fmt_num(r.weight), fmt_num(r.score)
        body.append([Cell(str(v), False, "center" if j in (0, 1, 2, 3, 6, 7) else None) for j, v in enumerate(vals)])
    blank = Cell("")
    total = [Cell(TOTAL_LABEL, True, "center"), *[blank] * 5, Cell(fmt_num(card.weight_total), True, "center"),
             Cell(total_text(card.total), True, "center")]
    grade = [Cell(GRADE_LABEL, True, "center"), *[blank] * 5, Cell(card.grade, True, "center"), blank]
    layout = docx_page_blocks(card)
    add_table(doc, [header, *body, total, grade], TableLayout(
        DOCX_WIDTHS_CM, vmerge={col: [(a + 1, b + 1) for a, b in spans] for col, spans in layout.merges.items()},
        hspan=((n + 1, 0, 5), (n + 2, 0, 5), (n + 2, 6, 7)), keep=frozenset(i + 1 for i in layout.keep),
        margins_twips=(45, 85, 45, 85), size_pt=9))

    # the table alone, pasteable: the score uncertainty and the checks (allocation sum …) are
    # working papers, on annex.xlsx's 得分不确定性 and 说明 sheets and on the console
    cp = doc.core_properties
    cp.created = cp.modified = cp.last_printed = dt.datetime(*stamp())
    cp.author = cp.last_modified_by = "survey"
    cp.title, cp.revision = xml_text(card.title), 1
    raw = io.BytesIO()
    doc.save(raw)
    return restamp(raw.getvalue())
