"""Last polish of the report (issue #11, reviewer's list): the 四分图 labels clear the mean lines and
each other, the html subtitle is Chinese, the reliability checks read naturally, 六/七 name the
scored rate, the annex keeps one 一级指标 block together."""

from __future__ import annotations

import re

import pytest

from survey.render.blocks import Heading, Para

from .conftest import ROOT

RURAL_WATER = ROOT / "survey" / "examples" / "rural-water-2023"


@pytest.fixture(scope="module")
def rural_water(analysis_rural_water):
    """The shipped rural-water example analysed as `survey analyze` does (conftest, once for the session)."""
    return analysis_rural_water


def closing_texts(blocks) -> list[str]:
    """The paragraphs of 六、存在问题 and 七、相关建议."""
    start = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "六、存在问题")
    end = next(i for i, b in enumerate(blocks) if i > start and isinstance(b, Heading) and b.text.startswith("附件"))
    return [b.text for b in blocks[start:end] if isinstance(b, Para)]


def test_closing_placeholders_name_the_weighted_rate_when_it_is_scored(rural_water, analysis_2021):
    from survey.render.outline import report_blocks

    weighted = " ".join(closing_texts(report_blocks(rural_water)))
    assert weighted.count("加权满意率最低的题项") == 2          # 存在问题 and 相关建议
    assert not re.search(r"(?<!加权)满意率最低", weighted)
    plain = " ".join(closing_texts(report_blocks(analysis_2021)))
    assert "满意率最低的题项" in plain and "加权满意率" not in plain


def test_html_subtitle_names_no_output_file_in_english(analysis_2021, without_charts):
    from survey.render.page import report_html

    page = report_html(analysis_2021).decode("utf-8")
    sub = re.search(r'<p class="sub">(.*?)</p>', page).group(1)
    # only the tool's name and the source workbook's own file name stay in Latin letters
    assert set(re.findall(r"[A-Za-z]+", sub)) <= {"survey", "xlsx"}, sub
    assert "2021.xlsx" in sub and "工作簿" in sub


def test_html_subtitle_names_an_evaluation_folder(rural_water, monkeypatch):
    from survey.render.page import source_words

    assert source_words(rural_water.workbook) == "评价文件夹“rural-water-2023”中的数据"
    monkeypatch.chdir(RURAL_WATER)          # `survey analyze .` inside the folder
    assert source_words(".") == "评价文件夹“rural-water-2023”中的数据"


def test_reliability_checks_read_as_chinese_with_the_whole_scale_named(analysis_2021):
    checks = [c for s in analysis_2021.surveys for c in s.validity.checks["check"]]
    assert "信度系数（克隆巴赫α）：全部题项" in checks
    assert not any("Cronbach" in c or c.endswith("：全部") for c in checks)


# -- 1. the 四分图's labels ------------------------------------------------------------------

QUADRANTS = {"优势区", "维持区", "次要改进区", "优先改进区"}


def label_collisions(fig) -> dict[str, int]:
    """What the drawn labels touch, counted on the final figure (after the layout _render does)."""
    from matplotlib.text import Text

    ax = fig.axes[0]
    fig.tight_layout()
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    labels = [Text.get_window_extent(t, r) for t in ax.texts if t.get_text() not in QUADRANTS]   # text only, no leader
    corners = [t.get_window_extent(r) for t in ax.texts if t.get_text() in QUADRANTS]
    vx = [ax.transData.transform((ln.get_xdata()[0], 0))[0] for ln in ax.lines if ln.get_xdata()[0] == ln.get_xdata()[1]]
    hy = [ax.transData.transform((0, ln.get_ydata()[0]))[1] for ln in ax.lines if ln.get_ydata()[0] == ln.get_ydata()[1]]
    frame = ax.get_window_extent(r)
    return dict(
        labels=len(labels),
        lines=sum(b.x0 <= x <= b.x1 for b in labels for x in vx) + sum(b.y0 <= y <= b.y1 for b in labels for y in hy),
        pairs=sum(labels[i].overlaps(labels[j]) for i in range(len(labels)) for j in range(i)),
        corners=sum(b.overlaps(c) for b in labels for c in corners),
        outside=sum(b.x0 < frame.x0 or b.x1 > frame.x1 or b.y0 < frame.y0 or b.y1 > frame.y1 for b in labels))


def test_ipa_labels_clear_the_mean_lines_and_each_other_on_crowded_points():
    import matplotlib.pyplot as plt
    import pandas as pd

    from survey.render.charts import ipa_figure

    # points crowded around both means (0.5, 90%) and two near-duplicates: every naive offset hits something
    table = pd.DataFrame(dict(
        importance=[0.50, 0.505, 0.495, 0.50, 0.51, 0.49, 0.40, 0.60, 0.60, 0.40, 0.502],
        performance=[0.90, 0.905, 0.895, 0.91, 0.89, 0.90, 0.95, 0.85, 0.95, 0.85, 0.901],
        text=[f"您对第{k}项服务的满意程度" for k in range(11)]))
    fig, _, _ = ipa_figure(table, weighted=True)
    try:
        got = label_collisions(fig)
    finally:
        plt.close(fig)
    assert got == dict(labels=11, lines=0, pairs=0, corners=0, outside=0)


def test_ipa_labels_of_a_shipped_example_touch_nothing(rural_water):
    import matplotlib.pyplot as plt

    from survey.render.charts import ipa_figure
    from survey.render.survey_body import importance, overall_item, scored_item_stats

    (h,) = headlines_of(rural_water)
    s = rural_water.surveys[0]
    table = importance(s, scored_item_stats(s, h), overall_item(s.questionnaire))
    fig, _, _ = ipa_figure(table, h.scored.weighted)
    try:
        got = label_collisions(fig)
    finally:
        plt.close(fig)
    assert got == dict(labels=len(table), lines=0, pairs=0, corners=0, outside=0)


def headlines_of(analysis):
    from survey.evaluation.headline import headlines

    return headlines(analysis)


# -- 5. a merged 一级指标 never loses its label at a page break -------------------------------

def test_annex_blocks_taller_than_a_page_repeat_their_label_per_second_level(analysis_2021):
    from survey.render.annex import docx_page_blocks

    card = analysis_2021.scorecard
    layout = docx_page_blocks(card)
    level1 = [r.level1 for r in card.rows]
    level2 = [r.level2 for r in card.rows]
    for a, b in layout.merges[0]:
        kept = set(range(a, b)) <= layout.keep
        # a merged 一级 cell is either kept on one page or covers a single 二级 block (which is kept)
        assert len(set(level1[a:b + 1])) == 1 and (kept or len(set(level2[a:b + 1])) == 1)
    # Nanjing's 项目绩效 (11 rows, most with long 评分过程) is taller than a page: one label per 二级
    pieces = [(a, b) for a, b in layout.merges[0] if level1[a] == "项目绩效"]
    assert len(pieces) >= 2
    # 合计 and 评价等级 stay with the last rows
    n = len(card.rows) + 2
    assert {n - 3, n - 2} <= layout.keep and n - 1 not in layout.keep


def test_annex_docx_rows_of_a_kept_block_are_keep_with_next(analysis_2021):
    import io

    from docx import Document
    from docx.oxml.ns import qn

    from survey.render.annex import annex_docx_bytes, docx_page_blocks

    layout = docx_page_blocks(analysis_2021.scorecard)
    rows = Document(io.BytesIO(annex_docx_bytes(analysis_2021.scorecard))).tables[0].rows
    marked = {i - 1 for i, r in enumerate(rows) if i and all(p.find(qn("w:pPr") + "/" + qn("w:keepNext")) is not None
                                                             for p in r._tr.iter(qn("w:p")))}
    assert marked == set(layout.keep)


@pytest.mark.render
@pytest.mark.parametrize("name", ["annex.docx", "report.docx"])
def test_every_page_of_the_annex_names_the_first_level_of_its_rows(report_2021, pdf_2021, name):
    """LibreOffice: each page showing a 三级指标 also shows its 一级指标 (no merged label cut off)."""
    import subprocess

    analysis, _ = report_2021
    pdf = pdf_2021(name)  # report_2021's file, converted once per run (conftest)
    # -raw: the content stream's order, so each cell's text reads whole
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = ["".join(p.split()) for p in text.split("\f")]
    card = analysis.scorecard
    seen = 0
    for page in pages:
        if "评分过程" not in page:          # not an annex page (report.docx: the body)
            continue
        for r in card.rows:
            if "".join(r.name.split()) in page:
                seen += 1
                assert r.level1 in page, (r.name, r.level1)
    assert seen >= len(card.rows)
