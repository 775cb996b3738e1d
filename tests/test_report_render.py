"""report.docx and report.html as a reviewer sees them: rendered by LibreOffice and Chromium (marker `render`).

These tests convert the files to PDF (tools/render_pages.py) and read the PDF text with
poppler's pdftotext. They skip when LibreOffice, Chromium or poppler is absent; `.ci/run`
installs them (with a CJK font) before the tests.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import need_tools

pytestmark = pytest.mark.render


def pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def docx_text(pdf_2021):
    return pdf_text(pdf_2021("report.docx"))  # report_2021's, converted once per run (conftest)


@pytest.fixture(scope="module")
def html_text(pdf_2021):
    return pdf_text(pdf_2021("report.html"))


HEADINGS = ("一、项目基本情况", "（二）资金情况", "二、评价工作开展情况", "数据采集方法及过程", "三、综合评价结论",
            "四、绩效分析", "扣分汇总", "五、满意度调查分析", "六、存在问题", "七、相关建议", "附件1", "附件2",
            "问卷调查汇总分析报告")
ENGLISH = re.compile(r"\b(?:[a-z]+_[a-z_]+|overall|measure|wilson|weigh|estimate|None|nan)\b")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("which", ["docx_text", "html_text"])
def test_rendered_report_holds_the_sections_and_figures(which, request):
    text = request.getfixturevalue(which)
    flat = _flat(text)
    assert [h for h in HEADINGS if h not in flat] == []
    assert "全市合计317.00" in flat and "317.03" not in flat
    assert "总得分为97.0分，评价等级为“优”" in flat
    for name, w, s, lost in (("财务管理制度", 2, 1, 1), ("资金使用", 3, 2, 1), ("可持续影响", 6, 5, 1)):
        assert re.search(rf"{name}\s+{w}\s+{s}\s+{lost}\b", text), name  # 扣分汇总: 分值 得分 扣分
    assert "薪酬福利待遇" in flat and "70.95%" in flat  # the per-question table
    assert "97.43%" in flat and "95.33%–98.60%" in flat
    assert not ENGLISH.findall(text), ENGLISH.findall(text)[:5]


def test_rendered_html_holds_the_chart_labels_and_the_annex(html_text):
    flat = _flat(html_text)
    assert "满分线85%" in flat and "优先改进区" in flat and "得分率（%）" in flat  # SVG text
    assert "评分标准" in flat and "评分过程" in flat and "社区矫正对象满意度" in flat


def test_rendered_docx_has_the_charts_as_images(pdf_2021):
    need_tools("pdfimages")
    pdf = pdf_2021("report.docx")
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert len(listing.strip().splitlines()) - 2 >= 7  # the seven charts


def test_no_page_of_report_docx_is_blank(docx_text):
    """The annex fills its landscape page: the section break after it must not make a blank page."""
    pages = docx_text.split("\f")[:-1]  # pdftotext ends every page with a form feed
    blank = [i + 1 for i, page in enumerate(pages) if not page.strip()]
    assert len(pages) > 10 and not blank, f"blank pages: {blank}"
