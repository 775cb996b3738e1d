"""Layout of report.docx / report.html found wanting by a new user's trial (街道 units, long names).

Each test reads the built document (XML of the docx, the HTML text, the chart's axes), not pixels:
column widths follow their content, lines that would spread are not justified, the units
chart draws no bars on a cut axis and marks the cut.
"""

from __future__ import annotations

import io
import re
from itertools import pairwise

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from survey.render.blocks import Para, Table
from survey.render.keep import PT_PER_CM, SPREAD_EM, fit_widths, justify_gap_em, text_width_em
from survey.render.page import blocks_html
from survey.render.report_docx import PORTRAIT_TEXT_CM, TABLE_PT, report_docx_bytes

PAD_CM = 2 * 85 / 20 / PT_PER_CM          # report_docx's cell padding: 85 twips a side
EM_CM = TABLE_PT / PT_PER_CM

# the 与上年比较 table of an evaluation by 街道 (survey.render.previous.comparison_table's shape and widths)
HEADER = ("类别", "名称", "样本", "前次", "样本", "本次", "差值（百分点）", "差值的95%置信区间", "p值", "结论")
REL = (0.7, 1.8, 0.5, 0.95, 0.5, 0.95, 0.75, 1.35, 0.7, 1.2)
ROWS = (("指标", "总体满意率", "750", "93.53%", "750", "93.77%", "+0.24", "-2.31至+2.78", "0.857", "无显著变化"),
        *[("街道\n（总体满意率）", name, "38", "92.11%*", "41", "100.00%*", "+3.02", "-20.69至+13.97", "1.000", "无显著变化")
          for name in ("玄武湖街道社区卫生服务中心", "东湖街道", "梅园新村街道")])
COMPARISON = Table(HEADER, ROWS, numeric=frozenset(range(2, 9)), merge_columns=frozenset({0}), widths=REL, caption="比较")
UNITS = Table(("街道", "有效样本", "总体满意率", "95%置信区间"),
              (("玄武湖街道社区卫生服务中心", "134", "88.06%", "81.54%–92.49%"), ("东湖街道", "145", "95.86%*", "91.32%–98.08%")),
              numeric=frozenset({1, 2, 3}), widths=(1.2, 0.8, 1.0, 1.8), caption="各街道总体满意率")


def grid_cm(table: Table) -> list[float]:
    doc = Document(io.BytesIO(report_docx_bytes([table])))
    cols = doc.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))
    return [int(c.get(qn("w:w"))) / 20 / PT_PER_CM for c in cols]


def test_a_short_label_column_holds_its_label_on_one_line():
    # the trial's 表9: 类别 was 1.2 cm wide and "街道（总体满意率）" wrapped one character a line
    widths = grid_cm(UNITS)
    assert widths[0] >= text_width_em("玄武湖街道社区卫生服务中心") * EM_CM + PAD_CM - 0.01
    assert abs(sum(widths) - PORTRAIT_TEXT_CM) < 0.05


def test_a_crowded_table_gives_every_column_its_numbers_and_headers():
    widths = grid_cm(COMPARISON)
    assert abs(sum(widths) - PORTRAIT_TEXT_CM) < 0.05
    for j in range(len(HEADER)):
        if j in COMPARISON.numeric:   # a number never breaks: its column holds the widest one
            widest = max(text_width_em(r[j].split("至")[-1]) for r in ROWS)
            assert widths[j] >= widest * EM_CM + PAD_CM - 0.01, HEADER[j]
    assert widths[2] >= 2 * EM_CM + PAD_CM - 0.01            # 样本 on one line, not 样/本
    assert widths[0] >= 4 * EM_CM + PAD_CM - 0.01            # 类别: four characters a line at least


def test_report_html_uses_the_same_widths():
    html = blocks_html([UNITS])
    shares = [float(x) for x in re.findall(r'<col style="width:([\d.]+)%">', html)]
    fitted = fit_widths(UNITS.header, UNITS.rows, [17.4 * w / 4.8 for w in UNITS.widths], font_pt=9.0)
    assert shares == [round(100 * w / sum(fitted), 1) for w in fitted]
    name_cm = (text_width_em("玄武湖街道社区卫生服务中心") * 9 + 8.5) / PT_PER_CM     # at 9pt, with the padding
    assert shares[0] >= 100 * name_cm / 17.4 > 100 * 1.2 / 4.8   # wider than the author's share: the long name fits


def alignments(paras: list[Para]) -> list:
    doc = Document(io.BytesIO(report_docx_bytes(paras)))
    return [p.alignment for p in doc.paragraphs if p.text]


def test_lines_that_would_spread_are_not_justified():
    # 附件2 of the trial: "…请核对" then "fieldwork.issued）。" on the next line, the line before spread out
    spread = Para("本次调查共回收问卷750份，其中有效问卷750份（有效率100.00%，按回收问卷计）（回收数多于设定的发放数450份，"
                  "未计算回收率，请核对fieldwork.issued）。")
    # rendered by LibreOffice 7: line 2 ends at 系数为, "0.570。KMO" does not break and goes down (gap ≈ 6 em)
    kmo = Para("学生家长营养餐满意度调查共回收问卷750份，其中有效问卷750份。191名受访者（25.47%）所有题项均选择最高等级，"
               "存在天花板效应，剔除后α系数为0.570。KMO值为0.799，"
               "Bartlett球形检验χ²=605.77（df=10，p<0.001），适合进行因子分析，结构效度良好。")
    plain = Para("以各题得分与总体评价题得分的相关系数表示重要性，以满意率表示表现，按两者的平均值划分四个象限；"
                 "重要性高而满意率低的题项（右下象限）宜优先改进。")
    per_line = PORTRAIT_TEXT_CM * PT_PER_CM / 12
    assert justify_gap_em(spread.text, per_line) > SPREAD_EM and justify_gap_em(plain.text, per_line) <= SPREAD_EM
    assert alignments([spread, kmo, plain]) == [WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.LEFT,
                                                WD_ALIGN_PARAGRAPH.JUSTIFY]
    html = blocks_html([Para("一" * 38 + "fieldwork.issued）。"), plain])   # the printed page's lines: 44 ems of 11pt
    assert html.count('class="body ragged"') == 1 and html.count('class="body"') == 1


def test_units_chart_draws_dots_and_marks_a_cut_axis():
    from survey.render.charts import units_axis, units_figure

    rows = [("玄武湖街道社区卫生服务中心", 0.9612, 0.9011, 0.9856), ("东湖街道", 0.9712, 0.9301, 0.9903),
            ("西城街道", 0.9811, 0.9402, 0.9960)]
    _, ax, _ = units_figure(rows, "总体满意率", "街道", 0.85)
    assert not ax.patches                        # no bars: a bar's length would not mean its value on a cut axis
    left = ax.get_xlim()[0]
    assert left == units_axis(rows, 0.85) == 80 and "截断" in ax.get_xlabel()
    assert left <= min(r[2] for r in rows) * 100 and left <= 85
    wide = [("甲街道", 0.50, 0.15, 0.80), *rows]          # intervals down to 15%: the axis starts at 0, nothing cut
    _, ax, _ = units_figure(wide, "总体满意率", "街道", 0.85)
    assert ax.get_xlim()[0] == 0 and "截断" not in ax.get_xlabel()


def test_a_block_taller_than_a_page_is_labelled_in_pieces():
    # the trial's 与上年比较 table: 30 街道 rows merged under one 类别 cell, whose label the second page lost
    from survey.render.keep import page_blocks
    from survey.render.page import GROUP_ROWS

    rows = tuple(("街道\n（总体满意率）", f"第{i}街道", "38", "—") for i in range(40))
    layout = page_blocks(rows, {0}, [2.0, 4.0, 2.0, 2.0], font_pt=TABLE_PT, page_cm=24.7)
    pieces = layout.merges[0]
    assert len(pieces) > 1 and pieces[0][0] == 0 and pieces[-1][1] == 39
    assert all(b + 1 == c for (_, b), (c, _) in pairwise(pieces))       # consecutive, every row once
    assert all(set(range(a, b)) <= layout.keep for a, b in pieces)              # each piece on one page
    assert not any(b in layout.keep for _, b in pieces[:-1])                    # a page may break between pieces
    html = blocks_html([Table(("类别", "名称", "样本", "结论"), rows, merge_columns=frozenset({0}), caption="比较")])
    spans_ = [int(x) for x in re.findall(r'rowspan="(\d+)"', html)]
    assert sum(spans_) == 40 and max(spans_) <= GROUP_ROWS and html.count("<tbody>") == len(spans_)


def test_a_figure_caption_keeps_its_distance_from_the_text_after_it():
    from PIL import Image

    from survey.render.blocks import Chart

    png = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(png, format="PNG")
    doc = Document(io.BytesIO(report_docx_bytes([Chart("各题满意率", "", png.getvalue()), Para("满意率最低的题项为：…")])))
    caption = next(p for p in doc.paragraphs if p.text.startswith("图1"))
    assert caption.paragraph_format.space_after.pt >= 6
