"""Impossible frames, facts and metadata (issue 13): errors where a result would be meaningless, findings
where a value is merely implausible."""

from __future__ import annotations

import math

import pytest

from survey.definitions.questionnaire import load
from survey.errors import DataError, WeightingError
from survey.evaluation.clean import clean
from survey.evaluation.weighting import weight_responses
from survey.inputs.facts import allocation_from_table, read_facts
from survey.inputs.frame import read_frame
from survey.inputs.privacy import pseudonym, row_pseudonym
from survey.inputs.read import Workbook, table_from_rows
from survey.inputs.tidy import tidy
from survey.pipeline import find_sheet

from .conftest import QDIR, RAW_2021

STAFF = load(QDIR / "staff.yaml")


@pytest.fixture(scope="module")
def staff_valid():
    wb = Workbook(RAW_2021)
    return clean(tidy(wb.table(find_sheet(wb, STAFF)), STAFF)).valid


def _frame(write_xlsx, counts: dict[str, object]):
    rows = [["区", "工作人员数"]] + [[d, counts.get(d, 400)] for d in STAFF.options("district")]
    return read_frame(Workbook(write_xlsx({"抽样框": rows})), STAFF)


def test_respondents_outnumbering_a_district_is_an_error_naming_the_frame_cell(staff_valid, write_xlsx):
    """The issue's case: 1 staff member and 60 respondents gave a weighted 98.15% with se 0 there."""
    frame = _frame(write_xlsx, {"江宁区": 1})
    with pytest.raises(WeightingError) as exc:
        weight_responses(staff_valid, frame)
    e = exc.value
    assert (e.sheet, e.row, e.column) == ("抽样框", 2 + STAFF.options("district").index("江宁区"), "工作人员数")
    assert "'江宁区' has a population of 1 in the frame but 60 respondents" in str(e)


def test_a_population_beyond_the_ceiling_is_an_error(write_xlsx, monkeypatch):
    """10^30 people gave an se of 2e-30."""
    with pytest.raises(WeightingError, match=r"population count 1e\+30 is beyond the ceiling of 100,000,000") as exc:
        _frame(write_xlsx, {"玄武区": 1e30})
    assert (exc.value.row, exc.value.column) == (2, "工作人员数")
    monkeypatch.setenv("SURVEY_MAX_POPULATION", "1e31")
    assert _frame(write_xlsx, {"玄武区": 1e30}).population["玄武区"] == 1e30


def test_allocation_outliers_are_findings_and_negative_amounts_errors(write_xlsx):
    rows = [["各区", "分配金额（万元）"], ["玄武区", 11.1], ["秦淮区", 27.04], ["建邺区", 17.9], ["鼓楼区", 2850],
            ["全市合计", 2906.04]]
    table = Workbook(write_xlsx({"资金分配": rows})).table("资金分配")
    [f] = allocation_from_table(table).findings()
    assert (f.finding, f.row, f.column) == ("allocation_outlier", 5, "分配金额（万元）") and "鼓楼区" in f.message
    rows[2][1] = -27.04
    table = Workbook(write_xlsx({"资金分配": rows}, "neg.xlsx")).table("资金分配")
    with pytest.raises(DataError, match="negative amount for '秦淮区'") as exc:
        allocation_from_table(table)
    assert exc.value.row == 3


def test_fact_values_far_outside_any_range_are_errors(write_xlsx):
    path = write_xlsx({"指标数据": [["指标", "项目", "数值", "说明"], ["资金到位", "计划到位", 3.17e14, None]]})
    with pytest.raises(DataError, match=r"implausible number 3\.17e\+14") as exc:
        read_facts(path)
    assert (exc.value.sheet, exc.value.row, exc.value.column) == ("指标数据", 2, "数值")


def test_the_2021_facts_have_no_outlier():
    assert [f.finding for f in read_facts(RAW_2021).findings] == ["allocation_sum"]


def _staff_export(rows):
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"] + [
        f"{it.number}、({it.text})" if it.type == "matrix_row" else f"{it.number}、{it.text}" for it in STAFF.items]
    body = [meta + [("建议" if it.type == "text" else STAFF.options(it.id)[0]) for it in STAFF.items] for meta in rows]
    return table_from_rows([header, *body], file="t.xlsx", sheet="工作人员问卷")


def test_durations_and_dates_far_outside_fieldwork_are_findings():
    raw = _staff_export([
        [1, "2021/11/05 09:00:00", 1e300, "链接", "直接访问", "10.0.0.1"],
        [2, "2021/11/05 10:00:00", "200秒", "链接", "直接访问", "10.0.0.2"],
        [3, "2099/12/31 10:00:00", "200秒", "链接", "直接访问", "10.0.0.3"],
        [4, "9999/12/31 10:00:00", "200秒", "链接", "直接访问", "10.0.0.4"],
    ])
    r = tidy(raw, STAFF)
    rules = {(f["row"], f["rule"]): f["message"] for f in r.findings.to_dict("records")}
    assert (2, "implausible_duration") in rules and math.isnan(r.data.at[2, "duration_s"])
    assert r.data.at[3, "duration_s"] == 200 and not any(row == 3 for row, _ in rules)
    assert "2099/12/31" in rules[(4, "implausible_date")]
    assert (5, "implausible_date") in rules or (5, "unreadable_value") in rules  # year 9999: said either way


def test_repeated_respondent_ids_get_one_pseudonym_per_row():
    raw = _staff_export([[7, "2021/11/05 09:00:00", "200秒", "链接", "直接访问", f"10.0.0.{i}"] for i in range(3)]
                        + [[8, "2021/11/05 09:00:00", "200秒", "链接", "直接访问", "10.0.0.9"]])
    r = tidy(raw, STAFF)
    dup = r.findings[r.findings["rule"] == "duplicate_id"]
    assert list(dup["row"]) == [2, 3, 4]
    names = {pseudonym(STAFF.id, v) for v in r.data["respondent"]}
    assert len(names) == 4
    assert pseudonym(STAFF.id, r.data.at[3, "respondent"]) == row_pseudonym(STAFF.id, 7, 3)
    assert r.data.at[5, "respondent"] == "8"  # a unique id is unchanged: its pseudonym stays stable


def test_personal_items_are_masked_at_tidy():
    from survey.definitions.questionnaire import Questionnaire
    from survey.inputs.privacy import is_personal, mask_personal

    assert is_personal("您的姓名") and is_personal("联系电话（选填）") and not is_personal("您对工作有什么建议")
    assert mask_personal("张三丰") == "张**" and mask_personal("13812345678") == "1********"
    data = STAFF.model_dump()
    data["items"] = [*data["items"], {"id": "name", "number": 99, "text": "您的姓名", "type": "text"}]
    q = Questionnaire.model_validate(data)
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"] + [
        f"{it.number}、({it.text})" if it.type == "matrix_row" else f"{it.number}、{it.text}" for it in q.items]
    row = [1, "2021/11/05 09:00:00", "200秒", "链接", "直接访问", "10.0.0.1"] + [
        ("王小明" if it.id == "name" else "建议" if it.type == "text" else q.options(it.id)[0]) for it in q.items]
    r = tidy(table_from_rows([header, row], file="t.xlsx", sheet="s"), q)
    assert r.data.at[2, "name"] == "王**"
