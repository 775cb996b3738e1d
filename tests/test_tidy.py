"""Matching export headers to items and coding answers."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from survey.definitions.questionnaire import load
from survey.errors import DefinitionError, MatchError
from survey.inputs.read import table_from_rows
from survey.inputs.tidy import match_columns, normalize, parse_duration, parse_header, parse_ip, tidy

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
    assert msg.startswith("x.xlsx: sheet '工作人员问卷': 1 item of questionnaire 'staff' not found")
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


# -- user-supplied column map ------------------------------------------------------------

def staff_row(i: int) -> list:
    meta = [i, f"2021/11/{i:02d} 09:00:00", "200秒", "链接", "直接访问", f"10.0.0.{i}"]
    return meta + [("建议" if it.type == "text" else STAFF.options(it.id)[(i + k) % 3])
                   for k, it in enumerate(STAFF.items)]


def test_column_map_places_columns_with_arbitrary_headers():
    plain = staff_headers()
    coded = ["ID", "time", "secs", "src", "detail", "addr"] + [f"Q{k}" for k in range(1, len(STAFF.items) + 1)]
    colmap = {"ID": "respondent", "time": "submitted_at", "secs": "duration", "addr": "ip", "src": None, "detail": None}
    colmap |= {f"Q{k}": it.id for k, it in enumerate(STAFF.items, start=1)}
    rows = [staff_row(i) for i in range(1, 4)]
    want = tidy(table_from_rows([plain, *rows], file="a.xlsx", sheet="s"), STAFF)
    got = tidy(table_from_rows([coded, *rows], file="b.csv", sheet=None), STAFF, columns=colmap)
    assert got.columns["h_pay"] == "Q5" and got.columns["ip"] == "addr"
    cols = ["respondent", "submitted_at", "duration_s", "ip", *(it.id for it in STAFF.items)]
    assert got.data[cols].equals(want.data[cols])


def test_column_map_overrides_matching():
    rows = [staff_row(1)]
    swap = {"4、(工作带来的成就感)": "h_pay", "4、(薪酬福利待遇)": "h_achievement"}
    r = tidy(table_from_rows([staff_headers(), *rows], file="a.xlsx", sheet="s"), STAFF, columns=swap)
    assert r.columns["h_pay"] == "4、(工作带来的成就感)" and r.columns["h_achievement"] == "4、(薪酬福利待遇)"
    plain = tidy(table_from_rows([staff_headers(), *rows], file="a.xlsx", sheet="s"), STAFF)
    assert r.data.at[2, "h_pay"] == plain.data.at[2, "h_achievement"] != plain.data.at[2, "h_pay"]


def test_column_map_header_not_in_export_lists_the_columns_found():
    with pytest.raises(MatchError) as err:
        match_columns(["序号", "区"], STAFF, file="x.csv", column_map={"所在区": "district", "序号": "respondent"})
    msg = str(err.value)
    assert "column map names 1 header not in the export: '所在区'" in msg
    assert "columns found: 序号, 区" in msg


def test_column_map_unknown_target_lists_the_items():
    with pytest.raises(MatchError) as err:
        match_columns(staff_headers(), STAFF, column_map={"1、您所在的区": "distrct"})
    msg = str(err.value)
    assert "unknown item or metadata field 'distrct'" in msg and "items are district, role" in msg
    assert "metadata fields are respondent" in msg


def test_ignored_column_leaves_a_required_item_missing():
    with pytest.raises(MatchError, match="district"):
        match_columns(staff_headers(), STAFF, column_map={"1、您所在的区": None})


def test_column_map_file_and_source_columns(tmp_path):
    from survey.definitions.questionnaire import check
    from survey.inputs.tidy import load_column_map, merge_column_maps

    f = tmp_path / "map.yaml"
    f.write_text("columns:\n  岗位: role\n  所在区: district\n", encoding="utf-8")
    assert load_column_map(f, STAFF) == {"岗位": "role", "所在区": "district"}
    f.write_text("岗位: rol\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        load_column_map(f, STAFF)
    assert str(err.value).startswith(f"{f}: 岗位: unknown item or metadata field 'rol'")
    text = (QDIR / "staff.yaml").read_text(encoding="utf-8").replace(
        "  format: wjx_text", "  format: wjx_text\n  columns: {岗位: role, 区县: distric, 加强方面: 'role[2]'}")
    q, problems = check(_write(tmp_path, text))
    assert q is None
    assert any(re.match(r"(line \d+, )?source\.columns\.区县: unknown item or metadata field 'distric'", p)
               for p in problems)
    assert any(re.match(r"(line \d+, )?source\.columns\.加强方面: 'role' is not a multiple-choice item", p)
               for p in problems)
    # a later map wins by header and by target
    assert merge_column_maps({"a": "role", "b": "district"}, {"c": "role"}) == {"b": "district", "c": "role"}


def _write(tmp_path, text, name="q.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


MULTI = """
id: m
title: 多选
source: {sheets: [s], columns: {编号: respondent}}
scales:
  yn: {options: [满意, 不满意], satisfied: [满意]}
items:
  - {id: sat, number: 1, text: 总体满意度, type: single, scale: yn}
  - {id: need, number: 2, text: 希望加强哪些方面, type: multiple, options: [教育, 帮扶, 心理, 其他]}
measures:
  - {id: sat, label: 满意率, type: top_box, item: sat}
"""


def test_column_map_places_option_columns_of_a_multiple_item(tmp_path):
    from survey.definitions.questionnaire import load as load_q

    q = load_q(_write(tmp_path, MULTI))
    head = ["编号", "满意度", "A", "B", "C"]
    rows = [[1, "满意", "选中", "未选中", "是"], [2, "不满意", 0, 1, "否"]]
    raw = table_from_rows([head, *rows], file="m.csv", sheet=None)
    r = tidy(raw, q, columns={"满意度": "sat", "A": "need[1]", "B": "need[2]", "C": "need[3]"})
    assert r.data["respondent"].tolist() == ["1", "2"]  # from the questionnaire's source.columns
    assert r.data[["need[1]", "need[2]", "need[3]"]].values.tolist() == [[1, 0, 1], [0, 1, 0]]
    assert r.data["need[4]"].isna().all()  # no column for 其他


def test_survey_clean_with_a_columns_file(tmp_path):
    from click.testing import CliRunner

    from survey.cli import main

    coded = ["ID", "time", "secs", "src", "detail", "addr"] + [f"Q{k}" for k in range(1, len(STAFF.items) + 1)]
    data = tmp_path / "export.csv"
    data.write_text("\n".join(",".join(map(str, r)) for r in [coded, *(staff_row(i) for i in range(1, 4))]),
                    encoding="utf-8")
    cmap = tmp_path / "columns.yaml"
    cmap.write_text("ID: respondent\ntime: submitted_at\nsecs: duration\naddr: ip\n"
                    + "".join(f"Q{k}: {it.id}\n" for k, it in enumerate(STAFF.items, start=1)), encoding="utf-8")

    def run(*args):
        return CliRunner().invoke(main, [str(x) for x in args])

    res = run("clean", data, "-q", QDIR / "staff.yaml", "--columns", cmap, "-o", tmp_path / "c")
    assert res.exit_code == 0, res.output
    assert "generic export, 3 responses" in res.output
    cmap.write_text("ID: respondent\nQ99: overall\n", encoding="utf-8")
    res = run("clean", data, "-q", QDIR / "staff.yaml", "--columns", cmap, "-o", tmp_path / "d")
    assert res.exit_code == 1
    assert "column map names 1 header not in the export: 'Q99' (got columns found: ID, time" in res.output


def test_skipped_codes_of_a_position_export_saved_as_csv_are_text():
    # 问卷星 按序号 opened and re-saved as CSV: −2 / −3 arrive as the text "-2" / "-3";
    # they are still skipped answers, not unknown options.
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"] + [
        f"{it.number}、({it.text})" if it.type == "matrix_row" else f"{it.number}、{it.text}" for it in STAFF.items]
    row = ["1", "2021/11/05 09:00:00", "200秒", "链接", "直接访问", "10.0.0.1", "7", "2", "2"] + ["1"] * 12 + ["-2", "-3"]
    r = tidy(table_from_rows([head, row], file="t.csv", sheet=None), STAFF, format="wjx_code")
    assert math.isnan(r.data.at[2, "overall"]) and pd.isna(r.data.at[2, "suggestion"])
    assert r.findings.empty
