"""One scored figure, the same everywhere (issue 11): the staff rate 97.43% and its interval.

The 2021 framework scores the unweighted overall rate (rates.weighted: false): 379/389 =
97.43%, Wilson 95% interval 95.33%–98.60%. The design-based 97.46% is the same measure
weighted: it may appear only where it is labelled as the other weighting (对照口径 / 加权).
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from survey.cli import main
from survey.evaluation.headline import headlines
from survey.pipeline import analyze

from .conftest import QDIR, RAW_2021
from .test_report_docx import docx_lines

RATE, CI, OTHER = "97.43%", "95.33%–98.60%", "97.46%"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("headline")
    res = CliRunner().invoke(main, ["analyze", str(RAW_2021), "-q", str(QDIR), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_headline_is_the_scored_unweighted_rate():
    a = analyze(RAW_2021, QDIR)
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
