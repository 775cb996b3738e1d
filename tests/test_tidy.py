"""Matching export headers to items and coding answers."""

from __future__ import annotations

import math

import pytest

from survey.errors import MatchError
from survey.questionnaire import load
from survey.read import table_from_rows
from survey.tidy import match_columns, normalize, parse_duration, parse_header, parse_ip, tidy

from .conftest import QDIR

STAFF = load(QDIR / "staff.yaml")
OFFENDER = load(QDIR / "offender.yaml")


def staff_headers():
    cols = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    for it in STAFF.items:
        cols.append(f"{it.number}、({it.text})" if it.type == "matrix_row" else f"{it.number}、{it.text}")
    return cols


def test_normalize_folds_width_space_and_punctuation():
    assert normalize("总体而言，您对 社区矫正工作是否满意？") == normalize("总体而言,您对社区矫正工作是否满意?")
    assert normalize("信息化监管手段（电子定位、视频督察）") == normalize("信息化监管手段(电子定位,视频督察)")
    assert normalize("ＩＰ") == "ip"


@pytest.mark.parametrize(
    "header, number, text, row",
    [
        ("6、总体而言", 6, "总体而言", False),
        ("4、(工作带来的成就感)", 4, "工作带来的成就感", True),
        ("4、（工作带来的成就感）", 4, "工作带来的成就感", True),
        ("1.工作人员态度", 1, "工作人员态度", False),
        ("12 您的岗位", 12, "您的岗位", False),
        ("区", None, "区", False),
        ("2021年满意度", None, "2021年满意度", False),
    ],
)
def test_parse_header(header, number, text, row):
    h = parse_header(header)
    assert (h.number, h.text, h.is_row) == (number, normalize(text), row)


def test_match_staff_export_headers():
    m = match_columns(staff_headers(), STAFF)
    assert m.items["h_achievement"] == "4、(工作带来的成就感)"
    assert m.items["overall"].startswith("6、")
    assert m.metadata == {"respondent": "序号", "submitted_at": "提交答卷时间", "duration": "所用时间",
                          "source": "来源", "source_detail": "来源详情", "ip": "来自IP"}
    assert m.unused == ()


def test_match_by_alias_and_by_number_when_wording_changed():
    cols = staff_headers()
    cols[cols.index("4、(薪酬福利待遇)")] = "4、(薪酬待遇)"  # an alias
    cols = [("6、总体上，您对工作的幸福感和安全感满意吗" if c.startswith("6、") else c) for c in cols]
    m = match_columns(cols, STAFF)
    assert m.items["h_pay"] == "4、(薪酬待遇)"
    assert m.items["overall"] == "6、总体上，您对工作的幸福感和安全感满意吗"
    assert m.by_number == ("overall",)


def test_unmatched_items_are_listed_with_the_columns_found():
    cols = [c for c in staff_headers() if "成就感" not in c] + ["4、(工作中的成就)", "总分"]
    with pytest.raises(MatchError) as err:
        match_columns(cols, STAFF, file="x.xlsx", sheet="工作人员问卷")
    msg = str(err.value)
    assert msg.startswith("x.xlsx: sheet '工作人员问卷': 1 item(s) of questionnaire 'staff' not found")
    assert "h_achievement (4、(工作带来的成就感))" in msg
    assert "unmatched columns: 4、(工作中的成就), 总分" in msg


def test_optional_text_item_may_be_missing():
    cols = [c for c in staff_headers() if not c.startswith("7、")]
    assert "suggestion" not in match_columns(cols, STAFF).items


@pytest.mark.parametrize("cell, seconds", [("186秒", 186), ("2分3秒", 123), (95, 95), ("1小时2分", 3720), ("abc", math.nan)])
def test_parse_duration(cell, seconds):
    got = parse_duration(cell)
    assert (math.isnan(got) and math.isnan(seconds)) or got == seconds


def test_parse_ip():
    assert parse_ip("112.86.23.140(江苏-南京)") == "112.86.23.140"


def test_tidy_codes_answers_and_records_unknown_options():
    header = ["访谈编号", "访谈日期", "访谈员", "区", "矫正类别", "性别"] + [
        f"{it.number}.{it.aliases[0]}" for it in OFFENDER.items if it.number
    ]
    good = ["FT-1", "2021-11-05", "张敏", "江宁区", "缓刑", "男"] + ["非常满意"] * 5 + ["未接触", "满意", "一般", "满意", None]
    odd = ["FT-2", "2021-11-06", "张敏", "江宁区", "缓刑", "女"] + ["很满意"] + ["满意"] * 8 + ["=联系13812345678"]
    raw = table_from_rows([header, good, odd], file="t.xlsx", sheet="矫正对象访谈")
    r = tidy(raw, OFFENDER)
    assert list(r.data.index) == [2, 3]  # Excel rows
    assert r.data.at[2, "m_attitude"] == 1 and r.data.at[2, "e_service"] == 6 and r.data.at[2, "overall"] == 2
    assert math.isnan(r.data.at[3, "m_attitude"])
    assert r.data.at[3, "suggestion"] == "=联系13812345678"
    f = r.findings.iloc[0]
    assert (f["rule"], f["row"], f["column"], f["value"]) == ("unknown_option", 3, "1.工作人员态度", "很满意")
