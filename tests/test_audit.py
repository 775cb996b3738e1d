"""Auditing a filled-in annex table (survey audit).

The published 2021 table (tests/data/annex_2021.yaml, transcribed from the report) carries
two slips (DOMAIN.md §5): 目标内容 says "目标量化不足扣1分，得3分" with 得分 4, and the 12
districts add up to 317.03万元 while 全市合计 says 317.00. The audit must find exactly these.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from survey.audit import audit_annex, parse_step_rule
from survey.cli import main
from survey.errors import DataError

from .conftest import ROOT

PUBLISHED = yaml.safe_load((ROOT / "tests" / "data" / "annex_2021.yaml").read_text(encoding="utf-8"))
HEADERS = ["一级指标", "二级指标", "三级指标", "指标值", "评分标准", "评分过程", "分值", "得分"]
FIRST = 4  # Excel row of the first indicator: title lines in rows 1-2, header in row 3


def build(path, table=PUBLISHED, *, allocation=True, grade=None, total=True):
    """The table as an evaluator's xlsx: title rows, header, merged-looking level cells, total row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "附件-1"
    ws.append(["附件-1"])
    ws.append([table["title"]])
    ws.append(HEADERS)
    prev = (None, None)
    for row in table["rows"]:
        row = list(row)
        level = (row[0], row[1])
        if level[0] == prev[0]:
            row[0] = None
        if level == prev:
            row[1] = None
        prev = level
        ws.append(row)
    if total:
        ws.append([None] * 6 + [table["total"]["weight"], table["total"]["score"]])
    if grade is not None:
        ws.append(["评价等级", None, None, None, None, None, grade])
    if allocation:
        al = wb.create_sheet("资金分配")
        al.append(["各区", "分配金额（万元）"])
        for r in table["allocation"]:
            al.append(r)
    wb.save(path)
    return path


def findings(path):
    return [tuple(r) for r in audit_annex(path)[["row", "finding"]].itertuples(index=False)]


def test_the_published_table_has_exactly_its_two_slips(tmp_path):
    out = audit_annex(build(tmp_path / "2021.xlsx"))
    assert list(out.columns) == ["sheet", "row", "column", "finding", "message"]
    rows = out.to_dict("records")
    assert [(r["sheet"], r["row"], r["column"], r["finding"]) for r in rows] == [
        ("附件-1", FIRST, "评分过程", "narrative_score"),            # 目标内容, the first indicator
        ("资金分配", 14, "分配金额（万元）", "allocation_sum"),       # 12 districts in rows 2–13, total row 14
    ]
    assert rows[0]["message"] == "目标内容：评分过程写“得3分”，得分栏为4"
    assert "317.03" in rows[1]["message"] and "317.00" in rows[1]["message"]


def edited(**changes):
    table = copy.deepcopy(PUBLISHED)
    for (i, j), v in changes.get("cells", {}).items():
        table["rows"][i][j] = v
    table["total"].update(changes.get("total", {}))
    return table


@pytest.mark.parametrize("table, expected", [
    # 再犯罪率 (annex row 16 → Excel row 19) scored 11 of 10: out of range, and the total no longer adds up
    (edited(cells={(15, 7): 11}, total={"score": 98.0}), [(19, "score_range"), (19, "narrative_score")]),
    # the total row claims 98.0 while the rows add up to 97
    (edited(total={"score": 98.0}), [(23, "total_sum")]),
    # 组织构架 weighted 3: weights add up to 101
    (edited(cells={(7, 6): 3}, total={"weight": 101}), [(22, "weights_sum")]),
    # a staff rate of 82.10% earns 14 under "每降低5%扣1分" (ceil), not 15
    (edited(cells={(17, 5): "满意度为82.10%,得15分"}), [(21, "satisfaction")]),
    # 得分 typed as text that is no number
    (edited(cells={(18, 7): "五"}), [(22, "not_a_number"), (23, "total_sum")]),
])
def test_each_check_can_fire(tmp_path, table, expected):
    got = [f for f in findings(build(tmp_path / "t.xlsx", table, allocation=False)) if f[1] != "narrative_score"
           or f[0] != FIRST]
    assert got == expected


def test_grade_row(tmp_path):
    assert ("grade" not in {f for _, f in findings(build(tmp_path / "a.xlsx", grade="优", allocation=False))})
    got = audit_annex(build(tmp_path / "b.xlsx", grade="良", allocation=False))
    row = got[got["finding"] == "grade"].iloc[0]
    assert row["row"] == 24 and row["message"] == "评价等级为良，总分97应为优"


def test_missing_total_row(tmp_path):
    out = audit_annex(build(tmp_path / "t.xlsx", total=False, allocation=False))
    row = out[out["finding"] == "total_sum"].iloc[0]
    assert row["row"] is pd.NA and row["message"] == "没有合计行（各指标得分合计97）"


def test_a_sheet_without_the_header_is_an_error(tmp_path, write_xlsx):
    book = write_xlsx({"Sheet1": [["指标", "得分"], ["a", 1]]})
    with pytest.raises(DataError, match="no header row with the annex columns") as exc:
        audit_annex(book)
    assert "book.xlsx: sheet 'Sheet1'" in str(exc.value)


def test_parse_step_rule():
    rule = parse_step_rule("社区矫正工作人员幸福感和安全感调查超过85%得满分，低于85%每降低5%\n扣1分，扣完为止。")
    assert (rule.threshold, rule.step, rule.points) == (0.85, 0.05, 1)
    assert parse_step_rule("机构健全（1分）、分工明确（1分）") is None


def test_generated_annex_passes_except_for_the_published_allocation(tmp_path):
    res = CliRunner().invoke(main, ["score", str(ROOT / "raw" / "2021.xlsx"), "-q", str(ROOT / "questionnaires"),
                                    "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = audit_annex(tmp_path / "annex.xlsx")
    assert list(out["finding"]) == ["allocation_sum"]


def test_survey_audit_command(tmp_path):
    book = build(tmp_path / "2021.xlsx")
    res = CliRunner().invoke(main, ["audit", str(book)])
    assert res.exit_code == 1
    lines = res.output.strip().splitlines()
    assert lines[0] == f"{book} [附件-1] row 4, column 评分过程: narrative_score: 目标内容：评分过程写“得3分”，得分栏为4"
    assert lines[1].startswith(f"{book} [资金分配] row 14, column 分配金额（万元）: allocation_sum:")
    clean = edited(cells={(0, 5): "有绩效目标且目标明确；目标细化，目标量化，得4分"})
    ok = build(tmp_path / "ok.xlsx", clean, allocation=False)
    res = CliRunner().invoke(main, ["audit", str(ok)])
    assert res.exit_code == 0 and res.output.strip() == f"{ok}: no findings"
    res = CliRunner().invoke(main, ["audit", str(tmp_path / "nope.xlsx")])
    assert res.exit_code == 1 and res.output.startswith("Error: ") and "file not found" in res.output
