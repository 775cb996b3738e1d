"""report.docx: the report body (:func:`survey.render.outline.report_blocks`) as a Word document.

A4 portrait (the annex on A4 landscape), 宋体 body text with a two-character first-line
indent, 黑体 / 楷体 headings, numbered table and figure captions, tables whose header
row repeats on every page, whose rows never split across pages (cantSplit), with cell
padding and vertical centring; charts as PNG. Placeholders (【待填写：…】) are
highlighted so nobody hands the report over with one left in. Bytes are reproducible
(fixed document dates and zip timestamps).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

from survey.render.blocks import Chart, Heading, PageBreak, Para, Table
from survey.render.keep import (
    PT_PER_CM,
    SPREAD_EM,
    fit_widths,
    justify_gap_em,
    page_blocks,
    spanned,
    text_width_em,
)
from survey.render.office import restamp, stamp
from survey.render.wordtable import Cell, TableLayout, add_table
from survey.render.xmltext import xml_text

BODY_PT, TABLE_PT = 12, 9
TOP_MARGIN_CM = {True: 2.0, False: 2.54}    # top and bottom margins, landscape or portrait
HEADING_FONTS = {0: ("黑体", 18), 1: ("黑体", 15), 2: ("楷体", 14), 3: ("宋体", 12)}
PORTRAIT_TEXT_CM, LANDSCAPE_TEXT_CM = 15.9, 25.7


def _fonts(run_or_style, east: str, latin: str = "Times New Roman") -> None:
    from docx.oxml.ns import qn

    run_or_style.font.name = latin
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for k in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(k), east if k == "w:eastAsia" else latin)


def _setup(doc) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    normal = doc.styles["Normal"]
    _fonts(normal, "宋体")
    normal.font.size = Pt(BODY_PT)
    for level, (font, size) in HEADING_FONTS.items():
        name = "Title" if level == 0 else f"Heading {level}"
        st = doc.styles[name] if name in [s.name for s in doc.styles] else doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        _fonts(st, font, "Times New Roman")
        st.font.size, st.font.bold, st.font.italic = Pt(size), True, False
        st.font.color.rgb = RGBColor(0, 0, 0)
        pf = st.paragraph_format
        pf.space_before, pf.space_after = Pt(12 if level <= 1 else 6), Pt(6)
        pf.keep_with_next = True
        border = st.element.pPr.find(qn("w:pBdr")) if st.element.pPr is not None else None
        if border is not None:  # the template's Title has a rule under it
            st.element.pPr.remove(border)
    sec = doc.sections[0]
    _page(sec, landscape=False)


def _page(sec, *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    sec.left_margin = sec.right_margin = Cm(2.0 if landscape else 2.55)
    sec.top_margin = sec.bottom_margin = Cm(TOP_MARGIN_CM[landscape])


def _para(doc, block: Para, text_cm: float = PORTRAIT_TEXT_CM) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
    from docx.shared import Pt

    p = doc.add_paragraph()
    run = p.add_run(block.text)
    pf = p.paragraph_format
    pf.line_spacing, pf.space_after = 1.5, Pt(0)
    if block.kind == "placeholder":
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        pf.first_line_indent = Pt(BODY_PT * 2)
    elif block.kind == "centre":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run.bold, run.font.size = True, Pt(14)
    else:  # justified, unless a long unbreakable piece would leave a line to spread (then ragged right)
        spread = justify_gap_em(block.text, text_cm * PT_PER_CM / BODY_PT) > SPREAD_EM
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if spread else WD_ALIGN_PARAGRAPH.JUSTIFY
        pf.first_line_indent = Pt(BODY_PT * 2)
    if block.kind == "placeholder":
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    if block.kind == "note":
        run.font.size = Pt(10.5)


def _caption(doc, text: str, *, keep_with_next: bool = True):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = keep_with_next
    p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(6), Pt(3)
    run = p.add_run(text)
    run.bold, run.font.size = True, Pt(10.5)
    return p


def _table(doc, block: Table, text_cm: float, number: int) -> None:
    """The table's caption, the table (:mod:`survey.render.wordtable`) and an empty paragraph after it."""
    if block.caption:
        _caption(doc, f"表{number}  {block.caption}")
    ncol = len(block.header)
    rel = block.widths or (1.0,) * ncol
    widths = fit_widths(block.header, block.rows, [text_cm * block.width * w / sum(rel) for w in rel],
                        font_pt=TABLE_PT, skip=spanned(block), merged=block.merge_columns)
    # a text column is centred when all its cells are short, else left-aligned throughout (one column, one alignment)
    short = [all(len(str(r[j])) <= 12 for r in block.rows) for j in range(ncol)]
    cells = [[Cell(str(h), True, "center") for h in block.header]]
    cells += [[Cell(str(v), i in block.bold_rows, "center" if (j in block.numeric or short[j]) else "left")
               for j, v in enumerate(row)] for i, row in enumerate(block.rows)]
    page_cm = (21.0 if block.landscape else 29.7) - 2 * TOP_MARGIN_CM[block.landscape]
    layout = page_blocks(block.rows, block.merge_columns, widths, font_pt=TABLE_PT, page_cm=page_cm)
    for col, merges in layout.merges.items():  # a merged block shows its first cell, centred
        for a, _ in merges:
            cells[a + 1][col] = replace(cells[a + 1][col], align="center")
    for r, a, _ in block.span_rows:
        cells[r + 1][a] = replace(cells[r + 1][a], align="center")
    add_table(doc, cells, TableLayout(
        tuple(widths), vmerge={col: [(a + 1, b + 1) for a, b in m] for col, m in layout.merges.items()},
        hspan=tuple((r + 1, a, b) for r, a, b in block.span_rows),
        keep=frozenset(i + 1 for i in layout.keep),  # a merged block on one page; the last row never alone
        shade="F2F2F2", line=1.15, indent_zero=True, size_pt=TABLE_PT))
    doc.add_paragraph().paragraph_format.space_after = 0


def _chart(doc, block: Chart, number: int, text_cm: float):
    """The figure's paragraph (its picture, unless ``block`` is a placeholder) and its caption; returns both."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    if block.png:
        _picture(p, block, text_cm)
    caption = _caption(doc, f"图{number}  {block.caption}", keep_with_next=False)
    caption.paragraph_format.space_after = Pt(9)  # the text after a figure does not touch its caption
    return p, caption


def _picture(p, block: Chart, text_cm: float) -> None:
    from docx.shared import Cm

    p.add_run().add_picture(io.BytesIO(block.png), width=Cm(min(block.width_cm, text_cm)))


def _fill(slots: list, drawn: dict) -> None:
    """Put each drawn chart in its placeholder's paragraph; drop those without a PNG and number the rest again."""
    number = 0
    for (p, caption, text_cm), key in slots:
        chart = drawn.get(key)
        if chart is None or not chart.png:  # no CJK font: charts.py has said so
            for par in (p, caption):
                par._p.getparent().remove(par._p)
            continue
        number += 1
        _picture(p, chart, text_cm)
        caption.runs[0].text = f"图{number}  {chart.caption}"


def _tight_section_break(doc) -> None:
    """Keep the paragraph that ends a section from spilling onto a page of its own.

    A section ends with a paragraph holding its properties. After a table that fills
    its page, that paragraph and the empty spacer paragraph left after the table
    (:func:`_table`) would start a new, blank page; the spacer goes and the break
    paragraph takes no height.
    """
    from docx.oxml.ns import qn
    from docx.shared import Pt

    last = doc.paragraphs[-1]
    prev = last._p.getprevious()
    if prev is not None and prev.tag == qn("w:p") and not "".join(prev.itertext()).strip() \
            and prev.find(qn("w:pPr") + "/" + qn("w:sectPr")) is None:
        prev.getparent().remove(prev)
    fmt = last.paragraph_format
    fmt.space_before = fmt.space_after = 0
    fmt.line_spacing = Pt(1)


def title_lines(text: str, per_line: float) -> list[str]:
    """A title too long for one line, cut before its 绩效评价报告 / 评价报告 / 报告 tail (no orphan word).

    Width is :func:`survey.render.keep.text_width_em` (a CJK or full-width character 1, others
    0.55); ``per_line`` is how many CJK characters fit. Unchanged when it fits or has no such tail.

    >>> title_lines("某县2023年农村饮水安全巩固提升补助资金绩效评价报告", 25)
    ['某县2023年农村饮水安全巩固提升补助资金', '绩效评价报告']
    >>> title_lines("某县农村饮水项目绩效评价报告", 25)
    ['某县农村饮水项目绩效评价报告']
    """
    if text_width_em(text) <= per_line:
        return [text]
    for tail in ("绩效评价报告", "评价报告", "报告"):
        if text.endswith(tail) and text_width_em(text[: -len(tail)]) <= per_line:
            return [text[: -len(tail)], tail]
    return [text]


def xml_safe(blocks: list) -> list:
    """``blocks`` with the characters XML cannot hold dropped from their text (the input keeps them)."""
    def s(t):
        return xml_text(t) if isinstance(t, str) else t

    out = []
    for b in blocks:
        if isinstance(b, (Heading, Para)):
            b = replace(b, text=s(b.text))
        elif isinstance(b, Table):
            b = replace(b, header=tuple(map(s, b.header)), rows=tuple(tuple(map(s, r)) for r in b.rows),
                        caption=s(b.caption))
        elif isinstance(b, Chart):
            b = replace(b, caption=s(b.caption))
        out.append(b)
    return out


def report_docx_bytes(blocks: list, *, title: str = "", drawn=None) -> bytes:
    """The blocks as a .docx (bytes).

    Chart placeholders (a ``key``, no PNG: :func:`survey.render.charts.placeholders`) are
    filled at the end from ``drawn()``, a function giving the drawn charts by key: the
    document is laid out while the charts are still being drawn elsewhere.
    """
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    _setup(doc)
    text_cm, tables, figures, slots = PORTRAIT_TEXT_CM, 0, 0, []
    for b in xml_safe(blocks):
        if isinstance(b, Heading):
            h = doc.add_paragraph(b.text, style="Title" if b.level == 0 else f"Heading {min(b.level, 3)}")
            if b.level == 0:
                h.alignment = WD_ALIGN_PARAGRAPH.CENTER
                # characters per line, less 1.5 for the bold CJK font's real advance (measured in LibreOffice)
                lines = title_lines(b.text, text_cm / 2.54 * 72 / HEADING_FONTS[0][1] - 1.5)
                if len(lines) > 1:  # cut where a reader would, not before the last word
                    h.text = ""
                    h.add_run(lines[0]).add_break()
                    h.add_run(lines[1])
        elif isinstance(b, Para):
            _para(doc, b, text_cm)
        elif isinstance(b, Table):
            tables += bool(b.caption)
            _table(doc, b, LANDSCAPE_TEXT_CM if b.landscape else text_cm, tables)
        elif isinstance(b, Chart):
            pending = not b.png and b.key is not None and drawn is not None
            if not b.png and not pending:  # no CJK font: charts.py has said so
                continue
            figures += 1
            placed = _chart(doc, b, figures, text_cm)
            if pending:
                slots.append(((*placed, text_cm), b.key))
        elif isinstance(b, PageBreak):
            sec = doc.add_section(WD_SECTION.NEW_PAGE)
            _tight_section_break(doc)
            _page(sec, landscape=b.landscape)
            text_cm = LANDSCAPE_TEXT_CM if b.landscape else PORTRAIT_TEXT_CM
    if slots:
        _fill(slots, drawn())
    cp = doc.core_properties
    cp.created = cp.modified = cp.last_printed = dt.datetime(*stamp())
    cp.author = cp.last_modified_by = "survey"
    cp.title, cp.revision = title, 1
    raw = io.BytesIO()
    doc.save(raw)
    return restamp(raw.getvalue())
