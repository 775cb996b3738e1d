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

from survey.cli import main
from survey.errors import DataError, ScoringError
from survey.evaluation.audit import audit_annex, parse_step_rule
from survey.render.annex import annex_xlsx_bytes

from .conftest import ROOT

PUBLISHED = yaml.safe_load((ROOT / "tests" / "data" / "annex_2021.yaml").read_text(encoding="utf-8"))
HEADERS = ["一级指标", "二级指标", "三级指标", "指标值", "评分标准", "评分过程", "分值", "得分"]
FIRST = 4  # Excel row of the first indicator: title lines in rows 1-2, header in row 3


def build(path, table=PUBLISHED, *, allocation=True, grade=None, total=True, total_row=None):
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
    if total_row is not None:
        ws.append(total_row)
    elif total:
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


def test_generated_annex_passes_except_for_the_published_allocation(tmp_path, analysis_2021):
    # the annex.xlsx `survey score` and `survey analyze` write (test_annex runs the command itself)
    (tmp_path / "annex.xlsx").write_bytes(annex_xlsx_bytes(analysis_2021.scorecard))
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


# -- review fixes ---------------------------------------------------------------------------

STAFF = 17   # annex row of 社区矫正工作人员满意度 (Excel row 21): weight 15, rule 85% / 5% / 1 point


def staff_findings(tmp_path, narrative, score=15, criterion=None, **kw):
    cells = {(STAFF, 5): narrative, (STAFF, 7): score}
    if criterion is not None:
        cells[(STAFF, 4)] = criterion
    table = edited(cells=cells, total={"score": 97.0 - 15 + score})
    out = audit_annex(build(tmp_path / "s.xlsx", table, allocation=False), **kw)
    return [(r["row"], r["finding"]) for r in out.to_dict("records") if r["row"] != FIRST]


@pytest.mark.parametrize("narrative", [
    "满意度为８２．１０％，得15分",            # full-width digits and ％ (NFKC)
    "满意度达82.10%，得15分",
    "调查满意度结果为82.10%，得15分",
    "目标满意度85%，实际满意度为82.10%，得15分",   # the last / the actual rate, not the target
])
def test_satisfaction_rate_forms(tmp_path, narrative):
    # 82.10% is one (partial) step below 85% → 14 under ceil, not 15
    assert staff_findings(tmp_path, narrative) == [(21, "satisfaction")]


def test_the_target_rate_is_not_taken_for_the_actual_one(tmp_path):
    assert staff_findings(tmp_path, "目标满意度85%，实际满意度为82.10%，得14分", score=14) == []


@pytest.mark.parametrize("criterion", [
    "满意度达到85%及以上的，得满分；每降低5个百分点扣1分，扣完为止。",
    "85%以上得满分，每下降5%，扣1分",
])
def test_satisfaction_criterion_forms(tmp_path, criterion):
    assert staff_findings(tmp_path, "满意度为82.10%，得15分", criterion=criterion) == [(21, "satisfaction")]


def test_unparseable_criterion_with_a_quoted_rate(tmp_path):
    got = staff_findings(tmp_path, "满意度为82.10%，得15分", criterion="根据满意度调查结果酌情给分")
    assert got == [(21, "satisfaction_unchecked")]
    out = audit_annex(build(tmp_path / "u.xlsx", edited(cells={(STAFF, 4): "酌情给分"}), allocation=False))
    row = out[out["finding"] == "satisfaction_unchecked"].iloc[0]
    assert row["column"] == "评分标准" and "满意度97.43%" in row["message"] and "得分未核对" in row["message"]


@pytest.mark.parametrize("mode, score, expected", [
    # 82.10% is 2.9 points below 85%: 0.58 of a 5% step
    ("ceil", 14, []),                           # a partial step counts whole: 15 − 1
    ("floor", 14, [(21, "satisfaction")]),      # only whole steps: 15 − 0 = 15, not 14
    ("floor", 15, []),
    ("linear", 14.42, []),                      # 15 − 0.58
    ("linear", 14, [(21, "satisfaction")]),
])
def test_step_modes(tmp_path, mode, score, expected):
    got = staff_findings(tmp_path, f"满意度为82.10%，得{score}分", score=score, step_mode=mode)
    assert got == expected


def test_floor_message_says_the_mode(tmp_path):
    table = edited(cells={(STAFF, 5): "满意度为82.10%，得14分", (STAFF, 7): 14}, total={"score": 96.0})
    out = audit_annex(build(tmp_path / "f.xlsx", table, allocation=False), step_mode="floor")
    assert list(out["message"])[-1] == ("社区矫正工作人员满意度：满意度82.10%按评分标准（85%满分，每降低5%扣1分，floor）"
                                        "应得15分，得分栏为14")


def test_an_unknown_step_mode_is_an_error(tmp_path):
    with pytest.raises(ScoringError, match=r"unknown step mode 'round'.*one of ceil, floor, linear"):
        audit_annex(build(tmp_path / "t.xlsx", allocation=False), step_mode="round")


@pytest.mark.parametrize("given, message", [("优秀", None), ("优", None), ("良好", "评价等级为良，总分97应为优"),
                                            ("中等", "评价等级为中，总分97应为优")])
def test_grade_words(tmp_path, given, message):
    out = audit_annex(build(tmp_path / "g.xlsx", grade=given, allocation=False))
    assert list(out.loc[out["finding"] == "grade", "message"]) == ([] if message is None else [message])


def test_total_row_carrying_the_grade(tmp_path):
    ok = build(tmp_path / "a.xlsx", allocation=False, total_row=["合计（评价等级：优）"] + [None] * 5 + [100, 97.0])
    assert findings(ok) == [(FIRST, "narrative_score")]
    bad = build(tmp_path / "b.xlsx", allocation=False, total_row=["合计（评价等级：良好）"] + [None] * 5 + [100, 97.0])
    out = audit_annex(bad)
    assert [(r["row"], r["finding"], r["message"]) for r in out.to_dict("records")][1:] == [
        (23, "grade", "评价等级为良，总分97应为优")]


def test_total_label_repeated_across_merged_cells(tmp_path):
    book = build(tmp_path / "m.xlsx", allocation=False, total_row=["合计", "合计", "合计", None, None, None, 100, 98.0])
    assert findings(book) == [(FIRST, "narrative_score"), (23, "total_sum")]   # not an indicator named 合计


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_scores_are_not_numbers(tmp_path, value):
    got = findings(build(tmp_path / "n.xlsx", edited(cells={(18, 7): value}), allocation=False))
    assert (22, "not_a_number") in got


def test_cli_prints_no_column_for_a_finding_without_one(tmp_path):
    book = build(tmp_path / "2021.xlsx", grade="良")   # grade (no column) beside findings with a column
    res = CliRunner().invoke(main, ["audit", str(book)])
    [line] = [x for x in res.output.splitlines() if ": grade: " in x]
    assert line == f"{book} [附件-1] row 24: grade: 评价等级为良，总分97应为优"


def test_a_score_that_contradicts_the_printed_criterion_of_any_rate(tmp_path):
    # issue 16: "每低1个百分点扣0.5分" for 预算执行率, scored by a proportional rule standing in for it
    # (86% / 90% × 10 = 9.6) where the printed criterion gives 10 − 4 × 0.5 = 8
    row = 8  # annex row 9 → Excel row 12
    table = edited(cells={(row, 4): "预算执行率≥90%得满分，每低1个百分点扣0.5分，扣完为止",
                          (row, 5): "预算执行率为86.00%，按比例得9.6分", (row, 6): 10, (row, 7): 9.6})
    table["total"].update(weight=sum(r[6] for r in table["rows"]), score=sum(r[7] for r in table["rows"]))
    out = audit_annex(build(tmp_path / "a.xlsx", table, allocation=False))
    hits = out[out["finding"] == "criterion_score"].to_dict("records")
    assert [(h["row"], h["column"]) for h in hits] == [(FIRST + row, "得分")]
    assert "应得8分" in hits[0]["message"] and "9.6" in hits[0]["message"]
    table["rows"][row][7] = 8
    table["rows"][row][5] = "预算执行率为86.00%，得8分"
    table["total"]["score"] = sum(r[7] for r in table["rows"])
    assert "criterion_score" not in set(audit_annex(build(tmp_path / "b.xlsx", table, allocation=False))["finding"])


def test_audit_against_the_framework_the_annex_was_scored_with(tmp_path):
    from survey.evaluation.score import load_framework

    fw = load_framework(ROOT / "raw" / "2021.framework.yaml")
    # a criterion the text check cannot read: only the framework's rule (85% / 5% / 1 point, ceil) scores 82.10%
    got = staff_findings(tmp_path, "满意度为82.10%，得15分", criterion="根据满意度调查结果酌情给分", framework=fw)
    assert got == [(21, "satisfaction_unchecked"), (21, "framework_score")]
    assert staff_findings(tmp_path, "满意度为82.10%，得14分", score=14, framework=fw) == []
    # 组织构架 weighted 3 in the annex, 2 in the framework; a row the framework lacks; one it has that is gone
    table = edited(cells={(7, 6): 3, (8, 2): "完成稳控工作（改名）"}, total={"weight": 101})
    out = audit_annex(build(tmp_path / "f.xlsx", table, allocation=False), framework=fw)
    found = set(zip(out["row"].astype(object), out["finding"]))
    assert {(11, "framework_weight"), (12, "framework_unknown"), (None, "framework_missing")} <= {
        (None if pd.isna(r) else r, f) for r, f in found}
    res = CliRunner().invoke(main, ["audit", str(tmp_path / "f.xlsx"), "--framework",
                                    str(ROOT / "raw" / "2021.framework.yaml")])
    assert res.exit_code == 1 and "framework_weight: 组织构架：分值3，评分框架为2" in res.output
