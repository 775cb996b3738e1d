"""One scored figure, the same everywhere (issue 11): the staff rate 97.43% and its interval.

The 2021 framework scores the unweighted overall rate (rates.weighted: false): 379/389 =
97.43%, Wilson 95% interval 95.33%–98.60%. The design-based 97.46% is the same measure
weighted: it may appear only where it is labelled as the other weighting (对照口径 / 加权).
"""

from __future__ import annotations

import re

import pytest
from docx import Document
from openpyxl import load_workbook

from survey.evaluation.headline import headlines

from .test_report_docx import docx_lines

RATE, CI, OTHER = "97.43%", "95.33%–98.60%", "97.46%"


@pytest.fixture(scope="module")
def run(cli_2021):
    """The session's CLI run of raw/2021.xlsx (conftest.cli_2021): its folder and console text."""
    return cli_2021


def test_headline_is_the_scored_unweighted_rate(report_2021):
    a = report_2021[0]
    h = {x.questionnaire: x for x in headlines(a)}["staff"]
    assert (h.scored.weighted, h.scored.n, round(h.scored.estimate, 6)) == (False, 389, round(379 / 389, 6))
    assert h.scored.score == 15 and h.other is not None and h.other.weighted and not h.other_scores_differently
    card = a.scorecard
    u = next(x for x in card.uncertainty if x.indicator == h.indicator)
    assert (u.estimate, u.ci_low, u.ci_high) == (h.scored.estimate, h.scored.ci_low, h.scored.ci_high)


def test_console(run):
    _, text = run
    line = next(x for x in text.splitlines() if x.startswith("社区矫正工作人员满意度"))
    assert RATE in line and CI in line and "计分口径" in line and "未加权" in line
    assert all(x.lstrip().startswith("对照口径") for x in text.splitlines() if OTHER in x)


def test_report_docx(run):
    out, _ = run
    lines = docx_lines(Document(out / "report.docx"))
    text = "\n".join(lines)
    assert f"总体满意率为{RATE}（计分口径，未加权；95%置信区间{CI}，有效样本389人）" in text
    assert f"总体满意率为{RATE}（未加权，95%置信区间{CI}，有效样本389人）" in text  # 调查质量
    assert [x for x in lines if x.startswith(f"计分口径 | 未加权 | {RATE} | {CI} | 389 | 15 | ")]
    assert [x for x in lines if OTHER in x] == [x for x in lines if x.startswith("对照口径 | 加权 | 97.46%")]


def test_report_html(run):
    out, _ = run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"（计分口径，未加权；95%置信区间{CI}，有效样本389人）" in page
    others = re.findall(r"<tr[^>]*>(?:(?!</tr>).)*97\.46%(?:(?!</tr>).)*</tr>", page)
    assert len(others) == 1 and "对照口径" in others[0] and page.count(OTHER) == 1


def test_validity_paragraph(run):
    out, _ = run
    ws = load_workbook(out / "validity.xlsx")["报告段落"]
    staff = next(r[1].value for r in ws.iter_rows(min_row=2) if "工作人员" in str(r[1].value))
    assert f"总体满意率{RATE}" in staff and OTHER not in staff


def test_annex(run):
    out, _ = run
    wb = load_workbook(out / "annex.xlsx")
    cells = [c.value for row in wb["评分表"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(f"满意度为{RATE}" in c for c in cells) and not any(OTHER in c for c in cells)
    unc = wb["得分不确定性"]
    row = next(r for r in unc.iter_rows(min_row=2) if r[0].value == "社区矫正工作人员满意度")
    shown = [f"{c.value:.2%}" for c in row[2:5]]
    assert shown == [RATE, *CI.split("–")] and row[2].number_format.endswith("%")
    text = "\n".join(p.text for p in Document(out / "annex.docx").paragraphs) + "\n".join(
        c.text for t in Document(out / "annex.docx").tables for r in t.rows for c in r.cells)
    assert f"满意度为{RATE}" in text and OTHER not in text


def test_satisfaction_xlsx(run):
    out, _ = run
    ws = load_workbook(out / "satisfaction.xlsx")["满意度"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    staff = next(r for r in rows if "工作人员" in r["问卷"] and r["计分口径"] and r["分组"] == "全部")
    assert [f"{staff[k]:.2%}" for k in ("估计值", "置信下限", "置信上限")] == [RATE, *CI.split("–")]
    assert f"{staff['加权估计值']:.2%}" == OTHER  # the other weighting stands beside it, unmarked


def test_a_weighting_that_would_change_the_score_is_said():
    from survey.evaluation.headline import Figure, Headline
    from survey.render.survey_body import headline_lines, headline_text

    h = Headline("q", "调查", "overall", "总体满意率", "满意度", 15,
                 Figure(False, 0.86, 0.82, 0.90, 300, None, None, "wilson", 15),
                 Figure(True, 0.84, 0.80, 0.88, 300, 250, 1.2, "wilson_neff", 14))
    assert h.other_scores_differently
    lines = headline_lines(h)
    assert "计分口径，未加权" in lines[0] and "将得 14 分：评分取决于是否加权" in lines[1]
    assert "若按加权口径计算，总体满意率为84.00%，将得14分" in headline_text(h)
