"""The working-paper workbooks as a reviewer reads and prints them (issue 11)."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from survey.render.office import xlsx_bytes

SNAKE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$|^(?:measure|overall|estimate|questionnaire|label|domain|level|n)$")


@pytest.fixture(scope="module")
def out(report_2021):
    return report_2021[1]


@pytest.mark.parametrize("name", ["satisfaction.xlsx", "validity.xlsx", "audit.xlsx"])
def test_chinese_headers_print_setup_and_frozen_header(out, name):
    wb = load_workbook(out / name)
    for ws in wb:
        if ws.title == "说明":
            continue  # the column glossary names the program's columns on purpose
        headers = [c.value for c in ws[1]]
        assert not [h for h in headers if isinstance(h, str) and SNAKE.match(h)], (ws.title, headers)
        assert ws.freeze_panes == "A2", ws.title
        assert ws.page_setup.paperSize in (9, "9") and ws.page_setup.fitToWidth in (1, "1"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1", ws.title


def test_satisfaction_marks_the_scored_figure_and_formats(out):
    ws = load_workbook(out / "satisfaction.xlsx")["满意度"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2)]
    scored = [r for r in rows if r["计分口径"].value == "是（未加权）" and r["分组"].value == "全部"]
    staff = next(r for r in scored if "工作人员" in r["问卷"].value)
    assert f"{staff['估计值'].value:.2%}" == "97.43%" and staff["估计值"].number_format == "0.00%"
    assert staff["样本量"].value == 389 and staff["样本量"].number_format in ("General", "0")
    detail = load_workbook(out / "satisfaction.xlsx")["满意度统计明细"]
    head = [c.value for c in detail[1]]
    assert "加权Kish有效样本量" in head and any("可大于样本量" in str(h) for h in head)


def test_validity_values_in_their_own_units(out):
    ws = load_workbook(out / "validity.xlsx")["检验汇总"]
    values = {r[1].value: r[2].value for r in ws.iter_rows(min_row=2) if "工作人员" in r[0].value}
    assert values["有效率（有效/回收）"] == "90.47%"
    assert values["Bartlett球形检验（p值）"] == "<0.001"
    items = load_workbook(out / "validity.xlsx")["题项分析"]
    texts = [r[1].value for r in items.iter_rows(min_row=2)]
    assert "薪酬福利待遇" in texts and "h_pay" not in texts


def test_audit_in_chinese_with_item_texts(out):
    ws = load_workbook(out / "audit.xlsx")["审核明细"]
    head = [c.value for c in ws[1]]
    assert head[:3] == ["问卷", "规则", "处理"] and head[-1] == "问卷编号"
    msgs = [r[head.index("说明")].value for r in ws.iter_rows(min_row=2)]
    assert not [m for m in msgs if isinstance(m, str) and re.search(r"：tenure\b", m)]
    assert {r[head.index("处理")].value for r in ws.iter_rows(min_row=2)} <= {"剔除", "标记（保留）"}


def test_p_values_and_integers_and_landscape_when_wide():
    df = pd.DataFrame({"p": [3e-24, 0.0412], "n": [389.0, 120.0], "estimate": [0.9743, 1.0],
                       **{f"col{i}": ["x" * 20] * 2 for i in range(6)}})
    ws = load_workbook(io.BytesIO(xlsx_bytes({"s": df}, formats={"s": {"p": "p"}})))["s"]
    assert ws["A2"].value == "<0.001" and ws["A3"].value == pytest.approx(0.041)
    assert ws["B2"].number_format == "0" and ws["C2"].number_format == "0.00%"
    assert ws.page_setup.orientation == "landscape"
