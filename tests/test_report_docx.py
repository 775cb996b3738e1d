"""report.docx: the official structure, figures from the analysis, placeholders, readable tables."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from survey.errors import DefinitionError
from survey.render.narrative import parse_narrative, read_narrative
from survey.render.suggestions import group_suggestions, is_empty_answer

from .conftest import RAW_2021

HEADINGS = ("一、项目基本情况", "（一）项目概况", "（二）资金情况", "（三）绩效目标", "二、评价工作开展情况",
            "数据采集方法及过程", "三、综合评价结论", "四、绩效分析", "扣分汇总", "五、满意度调查分析",
            "六、存在问题", "七、相关建议", "附件1", "附件2", "问卷调查汇总分析报告")
# ids and parameter names of the package that must never reach a reader
ENGLISH_IDS = re.compile(r"\b(?:[a-z]+_[a-z_]+|overall|measure|wilson|weigh|n_eff|deff|estimate|ci_low|nan|None)\b")


@pytest.fixture(scope="module")
def analysis(report_2021):
    return report_2021[0]


@pytest.fixture(scope="module")
def doc(report_2021):
    return Document(report_2021[1] / "report.docx")


def cell_text(tc) -> str:
    """A cell's text, a line break read as '/'."""
    return "".join((x.text or "") if x.tag == qn("w:t") else "/" for x in tc.iter(qn("w:t"), qn("w:br")))


def docx_lines(doc) -> list[str]:
    """Paragraph texts and table rows (cells joined by ' | ') in document order."""
    out = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            out.append("".join(t.text or "" for t in el.iter(qn("w:t"))))
        elif el.tag == qn("w:tbl"):
            for tr in el.iter(qn("w:tr")):
                out.append(" | ".join(cell_text(tc) for tc in tr.iter(qn("w:tc"))))
    return [x for x in out if x]


def test_every_section_in_order(doc):
    lines = docx_lines(doc)
    at = 0
    for h in HEADINGS:  # each heading is a paragraph of its own, after the one before it
        found = [i for i, x in enumerate(lines) if i >= at and x.endswith(h) and len(x) <= len(h) + 3]
        assert found, h
        at = found[0]


def test_allocation_table_shows_the_stated_total_not_the_discrepancy(doc):
    lines = docx_lines(doc)
    assert "全市合计 | 317.00" in lines and "玄武区 | 11.10" in lines
    text = "\n".join(lines)
    assert "317.03" not in text and "不符" not in text  # the check goes to annex.xlsx 说明 and the console


def test_conclusion_total_grade_and_deductions(doc):
    lines = docx_lines(doc)
    text = "\n".join(lines)
    assert "总得分为97.0分，评价等级为“优”" in text
    deductions = [x for x in lines if x.startswith(("项目管理 | 财务管理制度 | 2 | 1 | 1", "项目管理 | 资金使用 | 3 | 2 | 1",
                                                     "项目绩效 | 可持续影响 | 6 | 5 | 1"))]
    assert len(deductions) == 3
    assert "合计 | 100 | 97.0 | 97.00%" in lines  # the subtotal table's total row (一级/二级 merged)


def test_survey_tables_per_question_and_unit(doc):
    lines = docx_lines(doc)
    head = [x for x in lines if x.startswith("序号 | 题项 | 非常满意 | 满意 | 一般 | 不满意 | 非常不满意")]
    assert len(head) == 2  # one per survey; the offenders' has 未接触
    assert any(x.startswith("2 | 薪酬福利待遇 | 124/31.9% | 152/39.1%") and x.endswith("| 389 | 70.95%") for x in lines)
    # NCHS marks: 24 answers → not reported; 93.33% of 60 → to be read with care (*), with the note
    assert "建邺区 | 24 | — | 不予报告" in lines and "江宁区 | 60 | 93.33%* | 84.07%–97.38%" in lines
    text = "\n".join(lines)
    assert "满意率最低的题项为：薪酬福利待遇（70.95%）" in text
    assert "注：带“*”的比例需审慎解读" in text and "样本量或有效样本量不足30" in text
    # the offenders' items are all flagged (95% of 120: the complement's interval is too wide): none quoted
    assert "各题满意率均需审慎解读（见表注），不单列满意率最低的题项。" in text


def test_suggestions_grouped_masked_and_empty_answers_left_out(doc):
    text = "\n".join(docx_lines(doc))
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)  # no phone number, masked ones not preferred as quotes
    assert "“无意见”" not in text and "“挺好的”" not in text
    assert re.search(r"除去“无”“很好”等无具体内容的\d+条", text)


def test_placeholders_with_their_data_and_no_invented_text(doc):
    text = "\n".join(docx_lines(doc))
    for name in ("项目概况", "绩效目标", "主要成效", "存在问题", "相关建议"):
        assert f"【待填写：{name}" in text
    assert "扣分指标：财务管理制度扣1分、资金使用扣1分、可持续影响扣1分" in text


def test_no_english_identifiers_in_the_body(doc):
    lines = docx_lines(doc)
    bad = [x for x in lines if ENGLISH_IDS.search(x)]
    assert not bad, bad[:3]


def test_every_table_row_cannot_split_and_headers_repeat(doc):
    for table in doc.tables:
        rows = table._tbl.findall(qn("w:tr"))
        assert all(r.find(qn("w:trPr")) is not None and r.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None
                   for r in rows)
        assert rows[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None


def test_narrative_file_fills_the_sections(tmp_path, analysis):
    book = tmp_path / "2021.xlsx"
    book.write_bytes(RAW_2021.read_bytes())
    (tmp_path / "2021.narrative.md").write_text(
        "## 项目概况\n为保障社区矫正工作，设立专项资金。\n\n第二段。\n\n## 存在问题\n一是人员不足。\n", encoding="utf-8")
    n = read_narrative(book)
    assert n.get("项目概况") == ("为保障社区矫正工作，设立专项资金。", "第二段。")
    from survey.render.outline import report_blocks

    texts = [getattr(b, "text", "") for b in report_blocks(analysis, n)]
    assert "一是人员不足。" in texts and not [t for t in texts if t.startswith("【待填写：项目概况")]
    assert [t for t in texts if t.startswith("【待填写：相关建议")]


def test_narrative_unknown_section_is_an_error():
    with pytest.raises(DefinitionError, match="unknown narrative section"):
        parse_narrative("## 项目概况\n文字\n## 成效\n文字\n", file="n.md")


def test_empty_answers_and_themes():
    assert all(is_empty_answer(t) for t in ("无", "没有。", "很好！", "暂无建议", "挺好的", "/"))
    assert not is_empty_answer("希望提高加班补贴标准。")
    themes = {"薪酬待遇": ("待遇", "薪酬", "补贴"), "信息化建设": ("信息化", "定位")}  # as a questionnaire declares them
    g = group_suggestions(["建议提高薪酬待遇。", "希望提高加班补贴标准。", "无", "电子定位手环充电不方便"], themes)
    assert [(t.theme, t.count) for t in g.themes] == [("薪酬待遇", 2), ("信息化建设", 1)] and g.empty == 1


def test_placeholder_charts_filled_at_the_end_give_the_same_document(analysis):
    # write_report lays report.docx out while the charts are drawn elsewhere: placeholders filled at the
    # end must give the bytes of a document built with the charts in hand
    from dataclasses import replace

    from survey.render.body import report_title
    from survey.render.charts import chart_specs, placeholders, report_charts
    from survey.render.outline import report_body
    from survey.render.report_docx import report_docx_bytes

    drawn = report_charts(analysis)
    title = report_title(analysis)
    held = report_docx_bytes(report_body(analysis, charts=drawn), title=title)
    slots = report_body(analysis, charts=placeholders(chart_specs(analysis)))
    assert report_docx_bytes(slots, title=title, drawn=lambda: drawn) == held
    # charts without a PNG (no CJK font): no figure and no caption, the rest numbered as if they were never there
    no_png = {k: replace(c, png=b"") for k, c in drawn.items()}
    bare = report_docx_bytes(report_body(analysis, charts=no_png), title=title)
    assert report_docx_bytes(slots, title=title, drawn=lambda: no_png) == bare
    some = {k: (replace(c, png=b"") if k == "level1" else c) for k, c in drawn.items()}
    filled = Document(io.BytesIO(report_docx_bytes(slots, title=title, drawn=lambda: some)))
    text = [p.text for p in filled.paragraphs if p.text.startswith("图")]
    assert [t.split()[0] for t in text] == [f"图{i}" for i in range(1, len(drawn))]
    assert not any("各一级指标得分" in t for t in text)
