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
def rural_water():
    """The shipped rural-water example analysed as `survey analyze` does (it scores the weighted rate)."""
    from survey.evaluation.folder import folder_run
    from survey.pipeline import analyze

    run = folder_run(RURAL_WATER)
    return analyze(run.tables, **run.analysis_options({}))


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


def test_html_subtitle_names_no_output_file_in_english(analysis_2021):
    from survey.render.page import report_html

    page = report_html(analysis_2021).decode("utf-8")
    sub = re.search(r'<p class="sub">(.*?)</p>', page).group(1)
    # only the tool's name and the source workbook's own file name stay in Latin letters
    assert set(re.findall(r"[A-Za-z]+", sub)) <= {"survey", "xlsx"}, sub
    assert "2021.xlsx" in sub and "工作簿" in sub


def test_reliability_checks_read_as_chinese_with_the_whole_scale_named(analysis_2021):
    checks = [c for s in analysis_2021.surveys for c in s.validity.checks["check"]]
    assert "信度系数（克隆巴赫α）：全部题项" in checks
    assert not any("Cronbach" in c or c.endswith("：全部") for c in checks)
