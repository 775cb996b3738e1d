"""Facts and judgements of a year (sheet 指标数据) and the fund allocation (sheet 资金分配).

Published values: the 2021 report, （二）资金情况 (12 districts; total row 317.00 while the
districts add up to 317.03 — DOMAIN.md §5) and its annex 附件-1.
"""

from __future__ import annotations

import pytest

from survey.errors import DataError
from survey.inputs.facts import read_facts

from .conftest import RAW_2021

HEAD = ["指标", "项目", "数值", "说明"]


def test_the_2021_workbook():
    facts = read_facts(RAW_2021)
    assert len(facts.facts) == 36 and facts.sheet == "指标数据"
    assert facts.of("资金到位").value("计划到位") == 317
    assert facts.of("可持续影响").value("启动较慢区数") == 2
    assert facts.of("资金到位").notes() == ["根据矫正资金的实际分配到位率计算得分"]  # empty 说明 is no note
    assert facts.of("财务管理制度").notes() == ["市级有专项资金管理办法，部分区及以下未制定资金管理办法"]
    a = facts.allocation
    assert len(a.districts) == 12 and a.districts[0] == ("玄武区", 11.10, 2)
    # 11.10 + 27.04 + 17.90 + 28.50 + 30.19 + 20.90 + 64.40 + 15.84 + 21.53 + 26.08 + 21.61 + 31.94 = 317.03
    assert (a.sum, a.total, a.total_row, a.difference) == (317.03, 317.00, 14, 0.03)
    [f] = facts.findings
    assert (f.sheet, f.row, f.column, f.finding) == ("资金分配", 14, "分配金额（万元）", "allocation_sum")
    assert "317.03" in f.message and "317.00" in f.message


def test_facts_optional_when_not_required(write_xlsx):
    book = write_xlsx({"Sheet1": [["a"], [1]]})
    assert read_facts(book, required=False) is None
    with pytest.raises(DataError, match="no sheet '指标数据'") as exc:
        read_facts(book)
    assert "book.xlsx" in str(exc.value) and "Fix: add a sheet 指标数据" in str(exc.value)


@pytest.mark.parametrize("rows, message, where", [
    ([["指标", "项目", "说明"], ["a", "b", "c"]], r"missing column 数值", "sheet '指标数据', row 1"),
    ([HEAD, ["再犯罪率", "重新犯罪人数", "0.1%", None]], r"not a number: '0.1%'.*0\.001", "row 2, column '数值'"),
    # found by a new-user trial: the hint converts the cell's own percentage
    ([HEAD, ["预算执行率", "预算执行率", "93%", None]], r"not a number: '93%'.*write a plain number \(0\.93, not 93%\)",
     "row 2, column '数值'"),
    ([HEAD, ["a", "b", 1, None], ["a", "b", 2, None]], r"'a / b' appears twice \(rows 2 and 3\)", "row 3"),
    ([HEAD, [None, "b", 1, None]], r"empty 指标", "row 2, column '指标'"),
    ([HEAD, ["a", "b", None, "note"]], r"'a / b' has no number", "row 2, column '数值'"),
    ([HEAD, ["a", "b", " ", "note"]], r"'a / b' has no number", "row 2, column '数值'"),
    # non-finite numbers would silently change scores (nan compares false with every cut)
    ([HEAD, ["a", "b", 1, None], ["a", "c", "nan", None]], r"not a finite number: 'nan'", "row 3, column '数值'"),
    ([HEAD, ["a", "b", "inf", None]], r"not a finite number: 'inf'", "row 2, column '数值'"),
    ([HEAD, ["a", "b", "-Infinity", None]], r"not a finite number", "row 2, column '数值'"),
])
def test_bad_fact_sheets(write_xlsx, rows, message, where):
    book = write_xlsx({"指标数据": rows})
    with pytest.raises(DataError, match=message) as exc:
        read_facts(book)
    assert where in str(exc.value)


ALLOC_HEAD = ["各区", "分配金额（万元）"]


@pytest.mark.parametrize("rows, message, where", [
    ([ALLOC_HEAD, ["甲区", "十万"]], r"not a number", "row 2, column '分配金额（万元）'"),
    ([ALLOC_HEAD, ["甲区", 1], ["全市合计", 1], ["乙区", 2]], r"below the total row", "row 4"),
    ([ALLOC_HEAD, ["甲区", 1], ["甲区", 2]], r"'甲区' appears twice", "row 3"),
    ([["区", "金额"], ["甲区", 1]], r"missing column 分配金额（万元）", "row 1"),
    ([["名称", "分配金额（万元）"], ["甲区", 1]], r"has no unit column", "expected 各区 (or 各县"),
    ([ALLOC_HEAD, ["甲区", 1], ["乙区", "NaN"]], r"not a finite number", "row 3, column '分配金额（万元）'"),
])
def test_bad_allocation_sheets(write_xlsx, rows, message, where):
    book = write_xlsx({"指标数据": [HEAD, ["a", "b", 1, None]], "资金分配": rows})
    with pytest.raises(DataError, match=message) as exc:
        read_facts(book)
    assert where in str(exc.value)


def test_allocation_that_adds_up_and_one_without_total(write_xlsx):
    ok = write_xlsx({"指标数据": [HEAD, ["a", "b", 1, None]],
                     "资金分配": [ALLOC_HEAD, ["甲区", "10.10 "], ["乙区", 20.2], ["全市合计", 30.30]]}, "ok.xlsx")
    facts = read_facts(ok)
    assert facts.allocation.sum == 30.3 and facts.findings == ()   # text "10.10 " as printed is read too
    no_total = write_xlsx({"指标数据": [HEAD, ["a", "b", 1, None]],
                           "资金分配": [ALLOC_HEAD, ["甲区", 10], ["乙区", 20]]}, "nt.xlsx")
    [f] = read_facts(no_total).findings
    assert f.finding == "allocation_no_total" and "30.00" in f.message


def test_parse_number():
    from survey.inputs.facts import parse_number

    assert parse_number(" 1,234.50 ") == 1234.5 and parse_number(3) == 3.0 and parse_number("") is None
    with pytest.raises(DataError, match="not a finite number"):
        parse_number(float("nan"), file="f.xlsx", sheet="s", row=2, column="数值")
    with pytest.raises(DataError, match="a number expected"):
        parse_number(True)


def test_an_allocation_by_township_keeps_its_own_labels(write_xlsx):
    """Any unit word (各乡镇) and total label (全县合计): the findings and the annex say them, not 各区 / 全市合计."""
    from survey.inputs.facts import allocation_from_table
    from survey.inputs.read import Workbook

    book = write_xlsx({"资金分配": [["各乡镇", "分配金额（万元）"], ["城关镇", 10.0], ["河口乡", 20.0],
                                 ["全县合计", 31.0]]})
    alloc = allocation_from_table(Workbook(book).table("资金分配"))
    assert (alloc.unit_header, alloc.total_label, alloc.total) == ("各乡镇", "全县合计", 31.0)
    (finding,) = alloc.findings()
    assert finding.message.startswith("资金分配：各乡镇分配金额合计30.00万元，与全县合计31.00万元不符")
    assert "各区" not in finding.message and "全市" not in finding.message
