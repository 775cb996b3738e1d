"""The annex (附件-1 评分表) of the 2021 evaluation, generated end to end, against the published one.

Published values: tests/data/annex_2021.yaml, a text transcription of the 2021 report's
annex (19 rows, 分值 100, 得分 97.0; grade 优 by 财预〔2020〕10号: ≥ 90).
"""

from __future__ import annotations

import io
import re

import pytest
import yaml
from click.testing import CliRunner

from survey.cli import main
from survey.evaluation.score import score_framework, survey_rates
from survey.inputs.facts import read_facts
from survey.render.annex import HEADERS, annex_docx_bytes, annex_xlsx_bytes

from .conftest import QDIR, RAW_2021, ROOT, framework_beside

PUBLISHED = yaml.safe_load((ROOT / "tests" / "data" / "annex_2021.yaml").read_text(encoding="utf-8"))


def squash(text) -> str:
    return re.sub(r"\s+", "", str(text))


@pytest.fixture(scope="module")
def card(analysis_2021):
    result = analysis_2021
    return score_framework(result.framework, read_facts(RAW_2021), survey_rates(result.framework, result.surveys))


@pytest.fixture(scope="module")
def sheet(card):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(annex_xlsx_bytes(card)))


def test_scorecard_reproduces_the_published_total(card):
    assert card.total == 97.0 and card.grade == "优" and card.weight_total == 100
    assert len(card.rows) == len(PUBLISHED["rows"]) == 19


def test_xlsx_cell_by_cell_against_the_published_annex(sheet):
    ws = sheet["评分表"]
    assert [c.value for c in ws[2]] == list(HEADERS)
    for i, pub in enumerate(PUBLISHED["rows"]):
        got = [c.value for c in ws[3 + i]]
        _, _, name, target, criterion, _, weight, score = pub
        assert squash(got[2]) == squash(name)
        assert (got[6], got[7]) == (weight, score), name          # 分值 and 得分, cell by cell
        assert squash(got[3]) == squash(target), name
        assert squash(got[4]) == squash(criterion), name          # 评分标准 as printed
    total = [c.value for c in ws[3 + 19]]
    assert total[0] == "合计" and (total[6], total[7]) == ("=SUM(G3:G21)", "=SUM(H3:H21)")  # formulas (issue 11)
    assert sum(c.value for c in ws["H"][2:21]) == 97.0 and sum(c.value for c in ws["G"][2:21]) == 100
    assert ws.cell(row=22, column=8).number_format == "0.0#"     # shown as 97.0
    assert next(c.value for c in ws[23]) == "评价等级" and ws.cell(row=23, column=7).value == "优"


def test_xlsx_levels_are_merged_like_the_published_table(sheet):
    ws = sheet["评分表"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    # From the published annex (tests/data/annex_2021.yaml), annex row k in Excel row k + 2:
    # 一级: 项目决策 row 1 alone; 项目管理 rows 2–8 (Excel 4–10); 项目绩效 rows 9–19 (Excel 11–21).
    # 二级: 项目管理 2–3, 财务管理 6–7, 项目产出 9–13, 社会效益 14–16, 服务对象满意度 18–19; the
    # others are single rows. Then the title, the 合计 row and the 评价等级 row.
    assert merged == {"A4:A10", "A11:A21",
                      "B4:B5", "B8:B9", "B11:B15", "B16:B18", "B20:B21",
                      "A1:H1", "A22:F22", "A23:F23", "G23:H23"}


def test_xlsx_layout_print_setup_and_text_cells(sheet):
    ws = sheet["评分表"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9   # 9 = A4
    assert ws.print_title_rows == "$2:$2"
    assert ws.cell(row=3, column=6).alignment.wrap_text
    assert ws.column_dimensions["F"].width >= 40
    assert all(c.data_type == "s" for c in ws[3][:6])


def test_xlsx_uncertainty_and_allocation_sheets(sheet):
    assert sheet.sheetnames == ["评分表", "得分不确定性", "资金分配", "说明"]
    unc = [[c.value for c in r] for r in sheet["得分不确定性"].iter_rows()]
    assert [r[0] for r in unc[1:3]] == ["社区矫正工作人员满意度", "社区矫正对象满意度"]
    staff = dict(zip(unc[0], unc[1]))
    # 379/389 = 97.43%, Wilson 95.33%–98.60%: both ends ≥ 85% → 15 at both ends
    assert staff["满意度"] == pytest.approx(379 / 389)
    assert (staff["下限处得分"], staff["上限处得分"]) == (15, 15) and staff["满分概率"] > 0.9999
    assert unc[3][:2] == ["总分区间", "97–97"]
    alloc = [[c.value for c in r] for r in sheet["资金分配"].iter_rows()]
    assert alloc[0] == ["各区", "分配金额（万元）"] and alloc[-1] == ["全市合计", 317]
    notes = [r[1].value for r in sheet["说明"].iter_rows()]
    assert any("317.03" in str(n) and "317.00" in str(n) for n in notes)


def test_outputs_are_byte_reproducible(card):
    import zipfile

    xlsx, docx = annex_xlsx_bytes(card), annex_docx_bytes(card)
    assert xlsx == annex_xlsx_bytes(card)
    assert docx == annex_docx_bytes(card)
    # two builds within one second would match even with the clock in them: the dates must be fixed
    for data in (xlsx, docx):
        assert {z.date_time for z in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(2021, 1, 1, 0, 0, 0)}
    from openpyxl import load_workbook

    props = load_workbook(io.BytesIO(xlsx)).properties
    assert props.created.year == props.modified.year == 2021


def test_docx_table(card):
    import zipfile

    import docx

    data = annex_docx_bytes(card)
    assert {z.date_time for z in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(2021, 1, 1, 0, 0, 0)}
    doc = docx.Document(io.BytesIO(data))
    assert doc.core_properties.modified.year == 2021 and doc.sections[0].orientation == 1   # landscape
    [table] = doc.tables
    assert len(table.rows) == 1 + 19 + 2
    assert [c.text for c in table.rows[0].cells] == list(HEADERS)
    for i, pub in enumerate(PUBLISHED["rows"], start=1):
        cells = [c.text for c in table.rows[i].cells]
        assert (cells[2], cells[6], cells[7]) == (pub[2], str(pub[6]), str(pub[7]))
        assert cells[0] == pub[0]                   # a merged cell reads its text on every row it spans
    assert [c.text for c in table.rows[20].cells][-2:] == ["100", "97.0"]
    assert table.rows[21].cells[-1].text == "优"
    xml = table._tbl.xml
    # 项目管理 merged whole; 项目绩效, taller than a page, merged per 二级 (3 pieces of 2+ rows); 5 merged 二级 blocks
    assert xml.count('w:vMerge w:val="restart"') == 9
    assert 'w:gridSpan w:val="6"' in xml


def test_docx_rows_never_split_and_cells_have_padding(card):
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(io.BytesIO(annex_docx_bytes(card)))
    rows = doc.tables[0]._tbl.findall(qn("w:tr"))
    assert all(r.trPr is not None and r.trPr.find(qn("w:cantSplit")) is not None for r in rows)
    mar = doc.tables[0]._tbl.tblPr.find(qn("w:tblCellMar"))
    assert mar is not None and int(mar.find(qn("w:left")).get(qn("w:w"))) > 0
    assert [p.text for p in doc.paragraphs if p.text] == ["附件-1", card.title]  # nothing under the table


def test_survey_score_command(tmp_path):
    res = CliRunner().invoke(main, ["score", str(RAW_2021), "-q", str(QDIR), "-o", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert "评分表 total: 97.0/100, 评价等级 优" in res.output
    assert "目标内容: 4/4" in res.output and "可持续影响: 5/6" in res.output
    assert "317.03" in res.output
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["annex.docx", "annex.xlsx"]


def test_survey_score_without_facts_is_one_line(tmp_path):
    import shutil

    from openpyxl import load_workbook

    book = tmp_path / "2021.xlsx"
    shutil.copy(RAW_2021, book)
    wb = load_workbook(book)
    del wb["指标数据"]
    wb.save(framework_beside(book))
    res = CliRunner().invoke(main, ["score", str(book), "-q", str(QDIR), "-o", str(tmp_path / "r")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "no sheet '指标数据'" in res.output and len(res.output.strip().splitlines()) == 1


def test_a_rate_near_a_cut_is_shown_in_its_step_in_the_notes(tmp_path):
    """Finding 4: every rate shown next to a score reads as that score ("84.99999%", not "85.00%")."""
    import docx

    from survey.evaluation.score import load_framework
    from survey.inputs.facts import Facts

    p = tmp_path / "fw.yaml"
    p.write_text(yaml.safe_dump({"id": "t", "title": "测试", "indicators": [
        {"level1": "a", "level2": "b", "name": "制度", "target": "t", "criterion": "c", "weight": 85,
         "rule": {"type": "judgement"}},
        {"level1": "a", "level2": "c", "name": "满意度", "target": "85%", "criterion": "c", "weight": 15,
         "rule": {"type": "step_deduction", "threshold": 0.85, "step": 0.05, "points": 1}}]}, allow_unicode=True),
        encoding="utf-8")
    card = score_framework(load_framework(p), Facts.from_mapping({"制度": {"扣分": (0, "ok")}}),
                           {"满意度": {"estimate": 0.8499999, "se": 0.01, "ci_low": 0.83, "ci_high": 0.8699}})
    assert card.rows[1].narrative.startswith("满意度为84.99999%，低于85%")
    # annex.docx is the table alone (issue 11): the uncertainty is a working paper in annex.xlsx
    notes = [par.text for par in docx.Document(io.BytesIO(annex_docx_bytes(card))).paragraphs]
    assert not [n for n in notes if n.startswith("注")]
    from openpyxl import load_workbook

    unc = load_workbook(io.BytesIO(annex_xlsx_bytes(card)))["得分不确定性"]
    assert unc.cell(row=2, column=3).number_format == "0.00000%"    # 84.99999%


def test_rows_are_tall_enough_for_their_text_and_the_word_grid_has_the_widths(card):
    # Programs that open the file do not grow a row for wrapped text: the height is set.
    # 26 CJK characters (52 units) in a 16-wide column wrap to ceil(52 / 15) = 4 lines → 60 pt.
    from docx import Document
    from openpyxl import load_workbook

    from survey.render.annex import row_height

    assert row_height(["社" * 26], [16]) == 60.0
    assert row_height(["短", 4, None], [16, 7, 7]) == 15.0
    ws = load_workbook(io.BytesIO(annex_xlsx_bytes(card)))["评分表"]
    heights = [ws.row_dimensions[r].height for r in range(3, 3 + len(card.rows))]
    assert min(heights) >= 15 and max(heights) >= 75  # 脱管漏管's criterion runs to five lines and more
    assert ws.row_dimensions[3 + len(card.rows)].height is None  # the 合计 row keeps the default
    # LibreOffice and WPS lay a Word table out from its grid, not the cell widths
    doc = Document(io.BytesIO(annex_docx_bytes(card)))
    from docx.oxml.ns import qn

    grid = [int(c.get(qn("w:w"))) for c in doc.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))]
    # 1 cm = 566.9 twips: 1.8 cm → 1020, …, 8.4 cm → 4762
    assert grid == pytest.approx([w * 566.93 for w in (1.8, 2.0, 2.6, 1.5, 7.0, 8.4, 1.1, 1.2)], abs=1)


def test_wording_a_reviewer_would_write(card):
    """Issue 11: no "评价为达成" after the evaluator's own note, no "未追回0起、已追回0起"."""
    text = {r.name: r.narrative for r in card.rows}
    assert text["完成稳控工作"] == "各区严格落实完成稳控工作，得4分"
    assert "未追回、已追回均为0起，得6分" in text["脱管漏管（在逃）率"] and "0起、" not in text["脱管漏管（在逃）率"]
    assert "纠正违法通知书、检察建议书均为0件" in text["社区矫正工作人员规范执法"]


def test_a_control_character_in_the_frameworks_text_is_dropped_from_annex_docx(card):
    # Word's Shift+Enter pasted into Excel is a vertical tab; XML cannot hold it (the whole analyze used to fail)
    import dataclasses

    import docx

    rows = list(card.rows)
    rows[0] = dataclasses.replace(rows[0], criterion="设有项目目标\x0b（1分）\x1b")
    doc = docx.Document(io.BytesIO(annex_docx_bytes(dataclasses.replace(card, rows=rows, title="评分表\x0b"))))
    assert any(c.text == "设有项目目标（1分）" for c in doc.tables[0].rows[1].cells)
    assert doc.core_properties.title == "评分表"
